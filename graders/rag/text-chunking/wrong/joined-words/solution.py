import re


def _check(size, overlap):
    if size < 1 or overlap < 0 or overlap >= size:
        raise ValueError("bad size/overlap")


def _windows(text, spans, size, overlap, doc_id):
    chunks, first = [], 0
    while first < len(spans):
        last = min(first + size, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        chunks.append({"id": f"{doc_id}#{len(chunks)}", "start": start, "end": end, "text": text[start:end]})
        if last == len(spans) - 1:
            break
        first += size - overlap
    return chunks


def chunk_by_chars(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    return _windows(text, [(i, i + 1) for i in range(len(text))], size, overlap, doc_id)


def chunk_by_words(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    words = text.split()
    chunks, first, pos = [], 0, 0
    while first < len(words):
        piece = words[first:first + size]
        joined = " ".join(piece)  # loses the original whitespace
        start = text.find(piece[0], pos)
        chunks.append({"id": f"{doc_id}#{len(chunks)}", "start": start, "end": start + len(joined), "text": joined})
        if first + size >= len(words):
            break
        pos = start
        first += size - overlap
    return chunks


def sentence_spans(text):
    spans, begin = [], 0
    ends = [m.end() for m in re.finditer(r"[.!?]+(?=\s|\Z)", text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    for end in ends:
        piece = text[begin:end]
        if piece.strip():
            start = begin + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(piece.strip())))
        begin = end
    return spans


def chunk_by_sentences(text, size, overlap=0, doc_id="doc"):
    _check(size, overlap)
    return _windows(text, sentence_spans(text), size, overlap, doc_id)
