"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example and a few small conversations of their own. The hidden grader checks
more (other conversations and budgets, more retrieval cases, the full context).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import ConversationMemory, count_tokens, keywords  # noqa: E402


def ids(turns):
    return [turn["id"] for turn in turns]


def fruit_memory():
    """max_tokens=1: every turn but the newest goes to the archive. Archive: ids 0, 1, 2; buffer: id 3."""
    memory = ConversationMemory(max_tokens=1, summary_words=2)
    memory.add("user", "I like green apples")
    memory.add("assistant", "Pears taste")
    memory.add("user", "apples and pears")
    memory.add("assistant", "ok")
    return memory


def test_tokens_and_keywords():
    assert count_tokens("hello  big\tworld\n") == 3, "count_tokens counts whitespace-separated words"
    assert count_tokens("") == 0, "count_tokens('') should be 0"
    got = keywords("Is the Train to Paris at 9?")
    assert got == {"train", "paris", "9"}, f"keywords(...) should be lowercase a-z/0-9 runs minus STOPWORDS: expected {{'train', 'paris', '9'}}, got {got!r}"


def test_statement_example():
    memory = ConversationMemory(max_tokens=10, summary_words=3)
    assert memory.add("user", "My dog is called Biscuit") == 0, "the first id is 0"
    assert memory.add("assistant", "Nice name for a dog") == 1, "the second id is 1"
    assert ids(memory.buffer()) == [0, 1], f"a buffer exactly at the budget (10 tokens) keeps both turns, got ids {ids(memory.buffer())}"
    assert memory.add("user", "What food suits puppies") == 2
    assert ids(memory.buffer()) == [1, 2], f"14 tokens > 10: turn 0 moves to the archive; buffer ids should be [1, 2], got {ids(memory.buffer())}"
    assert memory.token_count() == 9, f"token_count() should be 9, got {memory.token_count()}"
    assert memory.archived() == [{"id": 0, "role": "user", "content": "My dog is called Biscuit"}], f"archived() is {memory.archived()!r}"
    assert memory.summary() == "user: My dog is ...", f"summary() should be 'user: My dog is ...', got {memory.summary()!r}"
    want = [{"id": 0, "role": "user", "content": "My dog is called Biscuit"}]
    assert memory.retrieve("what is my dog called?") == want, f"retrieve(...) returned {memory.retrieve('what is my dog called?')!r}"
    got = memory.context("what is my dog called?")[1]
    assert got == {"role": "system", "content": "Relevant earlier turn (user): My dog is called Biscuit"}, f"context(...)[1] is {got!r}"


def test_oversized_newest_turn_stays():
    memory = ConversationMemory(max_tokens=3)
    memory.add("user", "hi")
    memory.add("assistant", "a much longer answer than the budget allows")
    assert ids(memory.buffer()) == [1], (
        f"the newest turn always stays in the buffer, even over the budget: expected ids [1], got {ids(memory.buffer())}"
    )
    assert ids(memory.archived()) == [0], f"archived() ids should be [0], got {ids(memory.archived())}"


def test_retrieval_scores_ties_and_archive_only():
    memory = fruit_memory()
    assert ids(memory.archived()) == [0, 1, 2] and ids(memory.buffer()) == [3], "with max_tokens=1 only the newest turn stays"
    got = ids(memory.retrieve("apples", k=5))
    assert got == [2, 0], f"retrieve('apples') should give ids [2, 0] (equal scores: the more recent first), got {got}"
    got = ids(memory.retrieve("pears and apples?", k=5))
    assert got == [2, 1, 0], f"retrieve('pears and apples?') should give [2, 1, 0] (2 shared keywords first), got {got}"
    assert ids(memory.retrieve("pears and apples?", k=1)) == [2], "k=1 keeps only the best turn"
    assert memory.retrieve("bananas") == [], "turns sharing no keyword (score 0) are never returned"
    assert memory.retrieve("ok") == [], "only archived turns are searched, not the buffer"


def test_summary_and_context():
    memory = fruit_memory()
    want_summary = "user: I like ...\nassistant: Pears taste\nuser: apples and ..."
    assert memory.summary() == want_summary, (
        f"summary() should be {want_summary!r} (' ...' only when words were left out), got {memory.summary()!r}"
    )
    want = [
        {"role": "system", "content": "Summary of earlier turns:\n" + want_summary},
        {"role": "system", "content": "Relevant earlier turn (user): I like green apples"},
        {"role": "system", "content": "Relevant earlier turn (user): apples and pears"},
        {"role": "assistant", "content": "ok"},
    ]
    got = memory.context("apples")
    assert got == want, f"context('apples') should be {want!r} (retrieved turns in chronological order), got {got!r}"
    fresh = ConversationMemory(max_tokens=50)
    fresh.add("user", "hello")
    assert fresh.summary() == "", "summary() is '' when nothing was archived"
    assert fresh.context("hello") == [{"role": "user", "content": "hello"}], "with no archive, context() is just the buffer"


def test_bad_arguments_raise_value_error():
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError):
            ConversationMemory(max_tokens=bad)
    with pytest.raises(ValueError):
        ConversationMemory(max_tokens=10, summary_words=0)
    memory = ConversationMemory(max_tokens=10)
    with pytest.raises(ValueError):
        memory.add("system", "roles are 'user' or 'assistant'")
    with pytest.raises(ValueError):
        memory.retrieve("anything", k=-1)
