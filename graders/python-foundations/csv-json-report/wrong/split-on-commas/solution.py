import csv
import io
import json


def parse_csv(text: str) -> list[dict[str, str]]:
    rows = [line.split(",") for line in text.splitlines() if line]
    if not rows:
        return []
    header = rows[0]
    records = []
    for number, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise ValueError(f"row {number} has {len(row)} fields but the header has {len(header)}")
        records.append(dict(zip(header, row)))
    return records


def summarize(records: list[dict[str, str]], group_by: str, value: str) -> dict[str, dict]:
    groups: dict[str, dict] = {}
    for record in records:
        group = groups.setdefault(record[group_by], {"rows": 0, "count": 0, "total": 0.0, "mean": None})
        group["rows"] += 1
        cell = record[value].strip()
        if not cell:
            continue
        try:
            number = float(cell)
        except ValueError:
            raise ValueError(f"column {value!r} holds {record[value]!r}, which is not a number") from None
        group["count"] += 1
        group["total"] += number
    for group in groups.values():
        group["mean"] = group["total"] / group["count"] if group["count"] else None
    return groups


def to_json_report(csv_text: str, group_by: str, value: str) -> str:
    records = parse_csv(csv_text)
    groups = summarize(records, group_by, value)
    report = {
        "group_by": group_by,
        "value": value,
        "rows": len(records),
        "groups": [{"name": name, **groups[name]} for name in sorted(groups)],
    }
    return json.dumps(report, indent=2, ensure_ascii=False)
