"""Text chunking: split a document into overlapping chunks with ids and character offsets.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact rules.
"""


def chunk_by_chars(text: str, size: int, overlap: int = 0, doc_id: str = "doc") -> list[dict]:
    """Chunks of ``size`` characters; consecutive chunks share ``overlap`` characters.

    Each chunk is {"id": f"{doc_id}#{i}", "start": s, "end": e, "text": text[s:e]}.
    Raise ValueError unless size >= 1 and 0 <= overlap < size.
    """
    raise NotImplementedError("chunk_by_chars is not written yet")


def chunk_by_words(text: str, size: int, overlap: int = 0, doc_id: str = "doc") -> list[dict]:
    """Chunks of ``size`` words (runs of non-whitespace); the chunk text is the original slice."""
    raise NotImplementedError("chunk_by_words is not written yet")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text`` (see README.md for the splitting rule)."""
    raise NotImplementedError("sentence_spans is not written yet")


def chunk_by_sentences(text: str, size: int, overlap: int = 0, doc_id: str = "doc") -> list[dict]:
    """Chunks of ``size`` sentences; consecutive chunks share ``overlap`` sentences."""
    raise NotImplementedError("chunk_by_sentences is not written yet")
