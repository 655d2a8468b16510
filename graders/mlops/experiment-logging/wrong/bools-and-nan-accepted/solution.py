"""A known-wrong solution."""

import copy
import json
import math
import re

STATUSES = ("running", "finished", "failed")
RUN_KEYS = {"run_id", "name", "params", "status", "metrics"}


def _is_number(value):
    return isinstance(value, (int, float))


def _is_step(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_params(params):
    if not isinstance(params, dict):
        raise ValueError("params must be a dict")
    for key, value in params.items():
        if not isinstance(key, str):
            raise ValueError(f"param names must be strings, got {key!r}")
        scalar = value is None or isinstance(value, (str, bool)) or _is_number(value)
        if not scalar:
            raise ValueError(f"param {key!r} must be a JSON scalar (str, int, finite float, bool or None), got {value!r}")


class ExperimentLogger:
    def __init__(self):
        self._runs = {}
        self._counter = 0

    def _run(self, run_id):
        if run_id not in self._runs:
            raise KeyError(f"unknown run {run_id!r}")
        return self._runs[run_id]

    def start_run(self, name, params=None):
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a run needs a non-empty name")
        params = {} if params is None else params
        _check_params(params)
        self._counter += 1
        run_id = f"run-{self._counter}"
        self._runs[run_id] = {"run_id": run_id, "name": name, "params": copy.deepcopy(params),
                              "status": "running", "metrics": {}}
        return run_id

    def log_metric(self, run_id, key, value, step=None):
        run = self._run(run_id)
        if run["status"] != "running":
            raise ValueError(f"run {run_id} is {run['status']}; only running runs accept metrics")
        if not isinstance(key, str) or not key:
            raise ValueError("a metric needs a non-empty string key")
        if not _is_number(value):
            raise ValueError(f"metric values must be finite numbers (not bool), got {value!r}")
        history = run["metrics"].setdefault(key, [])
        last = history[-1][0] if history else -1
        if step is None:
            step = last + 1
        if not _is_step(step) or step <= last:
            if not history:
                del run["metrics"][key]
            raise ValueError(f"step must be an int greater than {last}, got {step!r}")
        history.append([step, value])
        return step

    def end_run(self, run_id, status="finished"):
        run = self._run(run_id)
        if status not in ("finished", "failed"):
            raise ValueError(f"status must be 'finished' or 'failed', got {status!r}")
        if run["status"] != "running":
            raise ValueError(f"run {run_id} has already ended ({run['status']})")
        run["status"] = status

    def get_run(self, run_id):
        return copy.deepcopy(self._run(run_id))

    def final_metric(self, run_id, key):
        history = self._run(run_id)["metrics"].get(key)
        if not history:
            raise KeyError(f"run {run_id} has no metric {key!r}")
        return history[-1][1]

    def best_run(self, metric, direction="max"):
        if direction not in ("max", "min"):
            raise ValueError(f"direction must be 'max' or 'min', got {direction!r}")
        best_id, best_value = None, None
        for run_id, run in self._runs.items():  # creation order: the first run wins a tie
            if run["status"] != "finished" or not run["metrics"].get(metric):
                continue
            value = run["metrics"][metric][-1][1]
            better = best_value is None or (value > best_value if direction == "max" else value < best_value)
            if better:
                best_id, best_value = run_id, value
        return best_id

    def to_jsonl(self):
        return "".join(json.dumps(self.get_run(run_id), sort_keys=True) + "\n" for run_id in self._runs)

    @classmethod
    def from_jsonl(cls, text):
        logger = cls()
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                logger._import(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise ValueError(f"line {number}: {exc}") from None
        return logger

    def _import(self, record):
        if not isinstance(record, dict) or set(record) != RUN_KEYS:
            raise ValueError(f"a run needs exactly the keys {sorted(RUN_KEYS)}")
        match = re.fullmatch(r"run-([1-9][0-9]*)", str(record["run_id"]))
        if not match or record["run_id"] in self._runs:
            raise ValueError(f"bad or repeated run id {record['run_id']!r}")
        if record["status"] not in STATUSES:
            raise ValueError(f"bad status {record['status']!r}")
        if not isinstance(record["name"], str) or not record["name"].strip():
            raise ValueError("a run needs a non-empty name")
        _check_params(record["params"])
        if not isinstance(record["metrics"], dict):
            raise ValueError("metrics must be an object")
        for key, history in record["metrics"].items():
            if not isinstance(history, list):
                raise ValueError(f"metric {key!r} must be a list of [step, value] pairs")
            last = -1
            for pair in history:
                if not (isinstance(pair, list) and len(pair) == 2 and _is_step(pair[0]) and pair[0] > last
                        and _is_number(pair[1])):
                    raise ValueError(f"metric {key!r} has a bad [step, value] pair {pair!r}")
                last = pair[0]
        self._runs[record["run_id"]] = copy.deepcopy(record)
        self._counter = max(self._counter, int(match.group(1)))
