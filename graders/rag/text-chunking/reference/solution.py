"""Reference solution for rag/text-chunking."""

import re

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|\Z)")


def _check(size, overlap):
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an integer of at least 1, got {size!r}")
    if not isinstance(overlap, int) or overlap < 0:
        raise ValueError(f"overlap must be an integer of at least 0, got {overlap!r}")
    if overlap >= size:
        raise ValueError("overlap must be smaller than size")


def _windows(text, spans, size, overlap, doc_id):
    """Slide a window of `size` units (each a (start, end) span) with step size - overlap."""
    step = size - overlap
    chunks = []
    first = 0
    while first < len(spans):
        last = min(first + size, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        chunks.append({"id": f"{doc_id}#{len(chunks)}", "start": start, "end": end, "text": text[start:end]})
        if last == len(spans) - 1:
            break
        first += step
    return chunks


def chunk_by_chars(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    return _windows(text, [(i, i + 1) for i in range(len(text))], size, overlap, doc_id)


def chunk_by_words(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    return _windows(text, [m.span() for m in _WORD.finditer(text)], size, overlap, doc_id)


def sentence_spans(text):
    spans = []
    begin = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    for end in ends:
        piece = text[begin:end]
        stripped = piece.strip()
        if stripped:
            start = begin + (len(piece) - len(piece.lstrip()))
            spans.append((start, start + len(stripped)))
        begin = end
    return spans


def chunk_by_sentences(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    return _windows(text, sentence_spans(text), size, overlap, doc_id)
