"""A known-wrong solution."""

import re

STOPWORDS = frozenset(
    "a an and are as at be by can did do does for from had has have how i if in is it its me my no not of "
    "on or our so that the their them then there these they this to was we were what when where which who "
    "why will with would you your".split()
)
ROLES = ("user", "assistant")


def count_tokens(text):
    return len(text.split())


def keywords(text):
    return set(re.findall(r"[a-z0-9]+", text.lower())) - STOPWORDS


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer of at least 1, got {value!r}")


class ConversationMemory:
    def __init__(self, max_tokens, summary_words=6):
        _positive_int("max_tokens", max_tokens)
        _positive_int("summary_words", summary_words)
        self.max_tokens = max_tokens
        self.summary_words = summary_words
        self._buffer = []
        self._archive = []
        self._next_id = 0

    def add(self, role, content):
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if not isinstance(content, str):
            raise ValueError("content must be a string")
        turn = {"id": self._next_id, "role": role, "content": content}
        self._next_id += 1
        self._buffer.append(turn)
        while self.token_count() > self.max_tokens and len(self._buffer) > 1:
            self._archive.append(self._buffer.pop(0))
        return turn["id"]

    def buffer(self):
        return [dict(turn) for turn in self._buffer]

    def token_count(self):
        return sum(count_tokens(turn["content"]) for turn in self._buffer)

    def archived(self):
        return [dict(turn) for turn in self._archive]

    def summary(self):
        lines = []
        for turn in self._archive:
            words = turn["content"].split()
            line = " ".join(words[: self.summary_words])
            if len(words) > self.summary_words:
                line += " ..."
            lines.append(f"{turn['role']}: {line}")
        return "\n".join(lines)

    def retrieve(self, query, k=2):
        if k < 0:
            raise ValueError(f"k must be zero or more, got {k}")
        wanted = keywords(query)
        scored = [(len(wanted & keywords(turn["content"])), turn) for turn in self._archive]
        scored = [(score, turn) for score, turn in scored if score > 0]
        scored.sort(key=lambda pair: -pair[0])
        return [dict(turn) for _, turn in scored[:k]]

    def context(self, query, k=2):
        messages = []
        if self._archive:
            messages.append({"role": "system", "content": "Summary of earlier turns:\n" + self.summary()})
        for turn in sorted(self.retrieve(query, k), key=lambda t: t["id"]):
            messages.append({"role": "system", "content": f"Relevant earlier turn ({turn['role']}): {turn['content']}"})
        messages.extend({"role": turn["role"], "content": turn["content"]} for turn in self._buffer)
        return messages
