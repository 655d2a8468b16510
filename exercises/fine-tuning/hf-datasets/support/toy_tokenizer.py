"""A tiny word-level tokenizer that is called like a Hugging Face tokenizer.

    tok = WordTokenizer(["good", "bad", "film"])
    tok(["A good film", "bad"], max_length=4)
    # {'input_ids': [[1, 2, 4, 0], [3, 0, 0, 0]], 'attention_mask': [[1, 1, 1, 0], [1, 0, 0, 0]]}

Words are runs of lower-case letters, digits and apostrophes. Id 0 is padding, 1 an unknown word, and the
vocabulary's words get 2, 3, ... in order. Every call is padded (or truncated) to exactly ``max_length``.
The tokenizer remembers how many texts each call received (``batch_sizes``), as a profiler would.
"""

import re

PAD_ID = 0
UNK_ID = 1
_WORD = re.compile(r"[a-z0-9']+")


class WordTokenizer:
    def __init__(self, vocab):
        self.vocab = {word: index + 2 for index, word in enumerate(vocab)}
        self.batch_sizes = []

    def tokenize(self, text):
        """The words of one text, lower-cased."""
        return _WORD.findall(text.lower())

    def encode(self, text, max_length):
        ids = [self.vocab.get(word, UNK_ID) for word in self.tokenize(text)][:max_length]
        mask = [1] * len(ids) + [0] * (max_length - len(ids))
        return ids + [PAD_ID] * (max_length - len(ids)), mask

    def __call__(self, texts, max_length=16):
        """A text or a list of texts -> {"input_ids": ..., "attention_mask": ...} (lists for a list)."""
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        self.batch_sizes.append(len(batch))
        encoded = [self.encode(text, max_length) for text in batch]
        ids = [pair[0] for pair in encoded]
        masks = [pair[1] for pair in encoded]
        if single:
            return {"input_ids": ids[0], "attention_mask": masks[0]}
        return {"input_ids": ids, "attention_mask": masks}
