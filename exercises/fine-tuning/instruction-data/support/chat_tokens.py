"""A byte-level tokenizer that knows the chat template's special tokens.

Each special token is one id (0 to 4); any other text is its UTF-8 bytes, each byte one id (5 to 260). So
"é" is two ids, and encoding two texts one after the other gives the same ids as encoding them joined.
"""

SPECIAL_TOKENS = ["<|pad|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
PAD_ID = 0
BYTE_OFFSET = len(SPECIAL_TOKENS)


def encode(text: str) -> list[int]:
    """The ids of a text: special tokens first, then UTF-8 bytes."""
    ids, i = [], 0
    while i < len(text):
        for number, token in enumerate(SPECIAL_TOKENS):
            if text.startswith(token, i):
                ids.append(number)
                i += len(token)
                break
        else:
            ids.extend(BYTE_OFFSET + byte for byte in text[i].encode("utf-8"))
            i += 1
    return ids


def decode(ids: list[int]) -> str:
    """The text of a list of ids (the inverse of encode)."""
    out, pending = [], bytearray()
    for token in ids:
        if token < BYTE_OFFSET:
            out.append(pending.decode("utf-8", errors="replace"))
            pending = bytearray()
            out.append(SPECIAL_TOKENS[token])
        else:
            pending.append(token - BYTE_OFFSET)
    out.append(pending.decode("utf-8", errors="replace"))
    return "".join(out)
