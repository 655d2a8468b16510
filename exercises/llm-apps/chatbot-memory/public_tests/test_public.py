"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They replace openai.OpenAI with a fake client that records the requests and answers from a list, and check
the statement's examples. The hidden grader uses a scripted model with other conversations and budgets.
"""

import os
import sys
from types import SimpleNamespace

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402


class FakeClient:
    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, **kwargs):
        self.requests.append(kwargs)
        text = self.answers.pop(0)
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=text, tool_calls=None))])


@pytest.fixture
def fake(monkeypatch):
    def make(*answers):
        client = FakeClient(answers)
        monkeypatch.setattr(solution.openai, "OpenAI", lambda *args, **kwargs: client)
        return client
    return make


def pairs(messages):
    return [(m["role"], m["content"]) for m in messages]


def test_count_tokens_examples():
    assert solution.count_tokens("Hello, world!") == 4
    assert solution.count_tokens("it's 3.5%") == 7
    assert solution.count_tokens("   ") == 0


def test_statement_example(fake):
    client = fake("Hello.", "Blue, like the sky.", "Because.")
    chat = solution.Chat("You are terse.", max_prompt_tokens=12)
    assert chat.send("Hi!") == "Hello."
    chat.send("Name a colour.")
    assert pairs(client.requests[1]["messages"]) == [
        ("system", "You are terse."), ("user", "Hi!"), ("assistant", "Hello."), ("user", "Name a colour."),
    ]
    chat.send("Why?")
    assert pairs(client.requests[2]["messages"]) == [("system", "You are terse."), ("user", "Why?")]
    assert all(r["model"] == "gradient-scripted" for r in client.requests)


def test_too_long_raises_without_a_call(fake):
    client = fake()
    chat = solution.Chat("You are terse.", max_prompt_tokens=5)
    with pytest.raises(ValueError):
        chat.send("This message is far too long.")
    assert client.requests == []


def test_reset_keeps_the_system_prompt(fake):
    client = fake("A.", "B.")
    chat = solution.Chat("Be nice.", max_prompt_tokens=100)
    chat.send("one")
    chat.reset()
    chat.send("two")
    assert pairs(client.requests[1]["messages"]) == [("system", "Be nice."), ("user", "two")]


def test_summary_call_when_a_turn_is_dropped(fake):
    client = fake("Hello.", "Blue.", "You greeted me.", "Because.")
    chat = solution.Chat("You are terse.", max_prompt_tokens=20, summarize=True, summary_tokens=5)
    chat.send("Hi!")             # 4 + 5 + 2 = 11
    chat.send("Name a colour.")  # 4 + 5 + 2 + 2 + 4 = 17
    chat.send("Why?")            # 4 + 5 + 4 + 6 + 2 + 2 = 23 > 20: drop ("Hi!", "Hello.") -> 19
    summary_request = client.requests[2]
    assert summary_request["max_tokens"] == 5
    assert pairs(summary_request["messages"]) == [
        ("system", solution.SUMMARY_INSTRUCTION), ("user", "user: Hi!\nassistant: Hello."),
    ]
    assert pairs(client.requests[3]["messages"]) == [
        ("system", "You are terse."), ("system", "You greeted me."), ("user", "Name a colour."),
        ("assistant", "Blue."), ("user", "Why?"),
    ]
