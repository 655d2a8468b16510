"""Named-entity recognition: BIO/BIOES tags, subword labels and entity-level scores.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules: how a
word belongs to a span, how an I- tag with no B- before it is decoded, and how entities are matched.
"""

IGNORE = -100  # the label PyTorch's cross-entropy ignores


def spans_to_tags(text: str, entities: list[tuple[int, int, str]], scheme: str = "BIO") -> list[str]:
    """One tag per whitespace-separated word of ``text``; ``entities`` are (start, end, type) character spans.

    >>> spans_to_tags("Ada Lovelace met Charles Babbage in London.",
    ...               [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")])
    ['B-PER', 'I-PER', 'O', 'B-PER', 'I-PER', 'O', 'B-LOC']
    """
    raise NotImplementedError("spans_to_tags is not written yet")


def tags_to_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """The entities (type, start, end) of one sentence's BIO or BIOES tags; end is exclusive.

    >>> tags_to_spans(["O", "I-ORG", "I-ORG", "O", "B-PER", "I-LOC"])
    [('ORG', 1, 3), ('PER', 4, 5), ('LOC', 5, 6)]
    """
    raise NotImplementedError("tags_to_spans is not written yet")


def align_labels(word_ids: list[int | None], word_tags: list[str], label2id: dict[str, int]) -> list[int]:
    """One label id per token: the word's label on its first token, -100 elsewhere.

    >>> align_labels([None, 0, 1, 1, 2, None], ["B-PER", "I-PER", "O"], {"O": 0, "B-PER": 1, "I-PER": 2})
    [-100, 1, 2, -100, 0, -100]
    """
    raise NotImplementedError("align_labels is not written yet")


def word_predictions(word_ids: list[int | None], token_predictions: list[int], id2label: dict[int, str]) -> list[str]:
    """One tag per word: the prediction at the word's first token."""
    raise NotImplementedError("word_predictions is not written yet")


def entity_scores(true_tags: list[list[str]], pred_tags: list[list[str]]) -> dict:
    """Entity-level precision, recall and F1 (micro), support, per type, and macro F1."""
    raise NotImplementedError("entity_scores is not written yet")
