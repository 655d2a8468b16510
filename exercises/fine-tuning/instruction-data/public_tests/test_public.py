"""Public tests: run them next to your solution.py (and chat_tokens.py) with plain pytest:

    pytest public_tests/

They check the statement's examples and small cases of their own; self_instruct runs against a fake client.
The hidden grader uses other conversations and instructions, and a scripted model.
"""

import json
import os
import sys
from types import SimpleNamespace as NS

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import chat_tokens  # noqa: E402
import solution  # noqa: E402
from solution import (  # noqa: E402
    build_example,
    check_instruction,
    generation_prompt,
    ngram_similarity,
    normalise,
    parse_numbered,
    render_chat,
    split_train_eval,
)

CHAT = [{"role": "user", "content": "  Name a prime number.  "}, {"role": "assistant", "content": "7 is prime.\n"}]


def test_render_chat_example():
    assert render_chat(CHAT) == ("<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nName a prime number."
                                 "<|end|>\n<|assistant|>\n7 is prime.<|end|>\n")
    assert render_chat(CHAT[:1], add_generation_prompt=True).endswith("<|end|>\n<|assistant|>\n")
    own = [{"role": "system", "content": "Be brief."}] + CHAT
    assert render_chat(own).startswith("<|system|>\nBe brief.<|end|>\n<|user|>\n")


@pytest.mark.parametrize("messages", [[], CHAT[1:], CHAT + CHAT[1:], [CHAT[0], {"role": "tool", "content": "x"}]],
                         ids=["empty", "assistant-first", "two-assistants", "unknown-role"])
def test_render_chat_rejects(messages):
    with pytest.raises(ValueError):
        render_chat(messages)


def test_labels_keep_only_the_answer():
    example = build_example(CHAT)
    ids, labels = example["input_ids"], example["labels"]
    assert ids == chat_tokens.encode(render_chat(CHAT)) and len(labels) == len(ids)
    trained = [i for i, label in zip(ids, labels, strict=False) if label != -100]
    assert chat_tokens.decode(trained) == "7 is prime.<|end|>"
    assert all(label in (-100, i) for i, label in zip(ids, labels, strict=False))


def test_labels_only_last():
    chat = CHAT + [{"role": "user", "content": "Another, in café style?"}, {"role": "assistant", "content": "Café 11."}]
    example = build_example(chat, only_last=True)
    trained = [i for i, label in zip(example["input_ids"], example["labels"], strict=False) if label != -100]
    assert chat_tokens.decode(trained) == "Café 11.<|end|>"
    everything = build_example(chat)
    trained = [i for i, label in zip(everything["input_ids"], everything["labels"], strict=False) if label != -100]
    assert chat_tokens.decode(trained) == "7 is prime.<|end|>Café 11.<|end|>"


def test_normalise_and_similarity():
    assert normalise("  Write a HAIKU -- about autumn!! ") == "write a haiku about autumn"
    assert ngram_similarity("Name a fruit", "name a FRUIT.") == 1.0
    assert ngram_similarity("name a red fruit", "name a fruit") == pytest.approx(1 / 4)  # {name a} of 4 bigrams


POOL = ["Name three rivers in Africa", "Explain why bread rises"]


@pytest.mark.parametrize("text, want", [
    ("Name a river", "ok"),
    ("Explain", "too_short"),
    ("Explain " + "very " * 30 + "slowly", "too_long"),
    ("1) Explain tides", "bad_format"),
    ("Draw a map of Spain", "blocked"),
    ("EXPLAIN WHY BREAD RISES!", "duplicate"),
    ("Name three rivers in Africa please", "near_duplicate"),
])
def test_check_instruction(text, want):
    assert check_instruction(text, POOL) == want


def test_prompt_and_parsing():
    prompt = generation_prompt(POOL, 2)
    assert prompt == ("Come up with new tasks for an AI assistant. Here are some examples:\n1. Name three rivers in "
                      "Africa\n2. Explain why bread rises\nWrite 2 new tasks, different from the examples, one per "
                      "line, numbered from 3.")
    assert parse_numbered("Sure!\n3. Name a bird \n 4) List two oceans\nThanks") == ["Name a bird", "List two oceans"]


class FakeClient:
    def __init__(self, replies):
        self.replies, self.requests = list(replies), []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.requests.append(json.loads(json.dumps(kwargs)))
        return NS(choices=[NS(message=NS(content=self.replies.pop(0)), finish_reason="stop")])


def test_self_instruct_grows_the_pool(monkeypatch):
    client = FakeClient(["Here you go:\n3. Name a bird that cannot fly\n4. Draw a cat",
                         "3. NAME A BIRD THAT CANNOT FLY\n4. Describe how tides work"])
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: client)
    got = solution.self_instruct(POOL, rounds=2, per_round=2, k=2)
    assert got == {"instructions": ["Name a bird that cannot fly", "Describe how tides work"],
                   "rejected": [{"instruction": "Draw a cat", "reason": "blocked"},
                                {"instruction": "NAME A BIRD THAT CANNOT FLY", "reason": "duplicate"}]}
    second = client.requests[1]["messages"][0]["content"]
    assert "1. Explain why bread rises\n2. Name a bird that cannot fly\n" in second, second


def test_split_keeps_copies_together():
    data = ["Name a river", "NAME A RIVER!", "Explain why bread rises", "Explain why bread rises today",
            "List two oceans", "Describe a storm", "Suggest a book title", "Give a synonym for fast"]
    train, held = split_train_eval(data, eval_fraction=0.25, seed=3)
    assert sorted(train + held) == sorted(data) and len(held) >= 2
    for a in held:
        for b in train:
            assert normalise(a) != normalise(b) and ngram_similarity(a, b) < 0.5, (a, b)
    assert split_train_eval(data, eval_fraction=0.25, seed=3) == (train, held)
