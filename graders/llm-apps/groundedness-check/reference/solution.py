"""Reference solution for llm-apps/groundedness-check."""

import re

STOP_WORDS = frozenset(
    """a about after also an and are as at be been before but by can could did do does for from had has have he
    her here his however i if in indeed into is it its may might more most no not of on or our overall s see she
    should so t than that the their them then there these they this those to was we were what when where which
    while who will with would yes you""".split()
)

SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
MARKER = re.compile(r"\[(\d+)\]")
MARKER_WITH_SPACE = re.compile(r"\s*\[\d+\]")
WORD = re.compile(r"[a-z0-9]+")
STATUSES = ("supported", "miscited", "uncited", "unsupported")


def split_sentences(answer: str) -> list[str]:
    return [part.strip() for part in SENTENCE_BREAK.split(answer) if part.strip()]


def parse_citations(sentence: str) -> tuple[str, list[int]]:
    numbers = []
    for match in MARKER.finditer(sentence):
        number = int(match.group(1))
        if number not in numbers:
            numbers.append(number)
    return " ".join(MARKER_WITH_SPACE.sub("", sentence).split()), numbers


def content_words(text: str) -> set[str]:
    return {word for word in WORD.findall(text.lower()) if word not in STOP_WORDS}


def support_score(sentence: str, passage: str) -> float:
    words = content_words(sentence)
    if not words:
        return 0.0
    return len(words & content_words(passage)) / len(words)


def check_answer(answer: str, passages: list[str], threshold: float = 0.5) -> dict:
    report = {"sentences": [], "out_of_range": [], "score": 0.0, **{status: [] for status in STATUSES}}
    for index, raw in enumerate(split_sentences(answer)):
        text, cited = parse_citations(raw)
        # passage numbers are 1-based: [1] is passages[0]
        supporting = [k for k, passage in enumerate(passages, start=1) if support_score(text, passage) >= threshold]
        valid = [k for k in cited if 1 <= k <= len(passages)]
        report["out_of_range"] += [(index, k) for k in cited if k not in valid]
        if not content_words(text):
            status = "skipped"
        elif any(k in supporting for k in valid):
            status = "supported"
        elif not supporting:
            status = "unsupported"
        elif valid:
            status = "miscited"  # another passage supports it, not the one it cites
        else:
            status = "uncited"
        report["sentences"].append({"text": text, "citations": cited, "supporting": supporting, "status": status})
        if status != "skipped":
            report[status].append(index)
    counted = sum(len(report[status]) for status in STATUSES)
    report["score"] = len(report["supported"]) / counted if counted else 0.0
    return report
