import string
from collections import Counter

PUNCTUATION = frozenset(string.punctuation)
ARTICLES = frozenset({"a", "an", "the"})


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in PUNCTUATION)  # deleted, not replaced by a space
    return " ".join(word for word in text.split() if word not in ARTICLES)


def exact_match(prediction: str, reference: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str, reference: str) -> dict:
    predicted = normalize_answer(prediction).split()
    gold = normalize_answer(reference).split()
    if not predicted or not gold:
        same = float(predicted == gold)  # both empty: a perfect answer to an empty reference
        return {"precision": same, "recall": same, "f1": same}
    overlap = sum((Counter(predicted) & Counter(gold)).values())  # multiset intersection: min of the counts
    if overlap == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    precision = overlap / len(predicted)
    recall = overlap / len(gold)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def best_scores(prediction: str, references: list[str]) -> dict:
    if not references:
        raise ValueError("a question needs at least one reference answer")
    return {
        "exact_match": sum(exact_match(prediction, reference) for reference in references) / len(references),
        "f1": sum(token_f1(prediction, reference)["f1"] for reference in references) / len(references),
    }


def evaluate(predictions: dict[str, str], dataset: list[dict]) -> dict:
    if not dataset:
        raise ValueError("the dataset is empty")
    per_question = {}
    missing = 0
    for item in dataset:
        if item["id"] in predictions:
            per_question[item["id"]] = best_scores(predictions[item["id"]], item["answers"])
        else:
            missing += 1
            per_question[item["id"]] = {"exact_match": 0.0, "f1": 0.0}
    count = len(dataset)
    return {
        "exact_match": sum(s["exact_match"] for s in per_question.values()) / count,
        "f1": sum(s["f1"] for s in per_question.values()) / count,
        "count": count,
        "missing": missing,
        "per_question": per_question,
    }
