"""Reference solution for transformers/ner-bio-tagging: BIO/BIOES tags, subword labels and entity-level F1."""

import re

IGNORE = -100
PREFIXES = ("B", "I", "E", "S")


def spans_to_tags(text: str, entities: list[tuple[int, int, str]], scheme: str = "BIO") -> list[str]:
    if scheme not in ("BIO", "BIOES"):
        raise ValueError(f"unknown scheme {scheme!r}: use 'BIO' or 'BIOES'")
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    tags = ["O"] * len(words)
    for start, end, label in entities:
        inside = [i for i, (ws, we) in enumerate(words) if ws < end and start < we]
        if not inside:
            continue
        if scheme == "BIOES" and len(inside) == 1:
            tags[inside[0]] = f"S-{label}"
            continue
        tags[inside[0]] = f"B-{label}"
        for i in inside[1:]:
            tags[i] = f"I-{label}"
        if scheme == "BIOES":
            tags[inside[-1]] = f"E-{label}"
    return tags


def _split(tag: str) -> tuple[str, str]:
    prefix, sep, label = tag.partition("-")
    if tag == "O":
        return "O", ""
    if not sep or prefix not in PREFIXES or not label:
        raise ValueError(f"not a BIO/BIOES tag: {tag!r}")
    return prefix, label


def tags_to_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    current = None  # (label, start) of the entity that the next I-/E- of the same label continues

    for i, tag in enumerate(tags):
        prefix, label = _split(tag)
        if prefix == "O":
            if current:
                spans.append((current[0], current[1], i))
            current = None
            continue
        if not (prefix in ("I", "E") and current and current[0] == label):
            if current:
                spans.append((current[0], current[1], i))
            current = (label, i)
        if prefix in ("E", "S"):
            spans.append((current[0], current[1], i + 1))
            current = None
    if current:
        spans.append((current[0], current[1], len(tags)))
    return spans


def align_labels(word_ids: list[int | None], word_tags: list[str], label2id: dict[str, int]) -> list[int]:
    labels, previous = [], None
    for word_id in word_ids:
        if word_id is None:
            labels.append(IGNORE)
        elif word_id != previous:
            labels.append(label2id[word_tags[word_id]])
        else:
            labels.append(IGNORE)
        previous = word_id
    return labels


def word_predictions(word_ids: list[int | None], token_predictions: list[int], id2label: dict[int, str]) -> list[str]:
    tags: dict[int, str] = {}
    previous = None
    for word_id, prediction in zip(word_ids, token_predictions):
        if word_id is not None and word_id != previous:
            tags[word_id] = id2label[prediction]
        previous = word_id
    return [tags[i] for i in range(len(tags))]


def _prf(tp: int, n_pred: int, n_true: int) -> dict:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_true}


def entity_scores(true_tags: list[list[str]], pred_tags: list[list[str]]) -> dict:
    if len(true_tags) != len(pred_tags) or any(len(t) != len(p) for t, p in zip(true_tags, pred_tags)):
        raise ValueError("true_tags and pred_tags must have the same sentences, of the same lengths")
    true = {(s, *span) for s, tags in enumerate(true_tags) for span in tags_to_spans(tags)}
    pred = {(s, *span) for s, tags in enumerate(pred_tags) for span in tags_to_spans(tags)}
    scores = _prf(len(true & pred), len(pred), len(true))
    labels = sorted({e[1] for e in true | pred})
    scores["per_type"] = {}
    for label in labels:
        t = {e for e in true if e[1] == label}
        p = {e for e in pred if e[1] == label}
        scores["per_type"][label] = _prf(len(t & p), len(p), len(t))
    f1s = [v["f1"] for v in scores["per_type"].values()]
    scores["macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    return scores
