"""Hidden grader for agents/conversation-memory."""

from gradient_grader import StudentError, expected, points, shows_expected

STORY = [
    ("user", "I adopted a cat named Miso last spring"),
    ("assistant", "Cats like Miso enjoy quiet homes"),
    ("user", "My favourite food is ramen with miso soup"),
    ("assistant", "Ramen is a great choice"),
    ("user", "Tell me about flights to Tokyo"),
    ("assistant", "Flights to Tokyo leave daily"),
]


def _story(student, max_tokens=5, summary_words=6):
    memory = student.ConversationMemory(max_tokens, summary_words)
    for role, content in STORY:
        memory.add(role, content)
    return memory


def _ids(turns):
    return [t.get("id") for t in turns]


def _expect_value_error(call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected ValueError")


@shows_expected
@points(1)
def test_tokens_keywords_and_ids(student):
    for text, want in (("  two   words ", 2), ("", 0), ("one,two three\nfour", 3)):
        got = student.count_tokens(text)
        assert got == want, f"count_tokens({text!r}) returned {got!r}, expected {want}"
    text = "What is the BEST way to cook rice, in 2 steps?"
    got = student.keywords(text)
    want = {"best", "way", "cook", "rice", "2", "steps"}
    assert set(got) == want, f"keywords({text!r}) returned {got!r}, expected {want!r} (lowercase, without STOPWORDS)"
    memory = student.ConversationMemory(100)
    ids = [memory.add("user", "hello there"), memory.add("assistant", "hi, how can I help?")]
    assert ids == [0, 1], f"add() returned the ids {ids}, expected [0, 1]"
    want = [{"id": 0, "role": "user", "content": "hello there"},
            {"id": 1, "role": "assistant", "content": "hi, how can I help?"}]
    got = memory.buffer()
    assert got == want, f"after two add() calls, buffer() returned {got!r}, expected {want!r}"
    assert memory.token_count() == 7, f"token_count() returned {memory.token_count()!r}, expected 2 + 5 = 7"


@points(2)
def test_eviction_at_and_over_budget(student):
    memory = student.ConversationMemory(6)
    memory.add("user", "a b c")
    memory.add("assistant", "d e f")
    got = _ids(memory.buffer())
    assert got == [0, 1], (
        f"ConversationMemory(6) with turns of 3 + 3 tokens has the buffer ids {got}, expected {expected([0, 1])}: a buffer "
        "exactly at the budget is fine"
    )
    memory.add("user", "g")
    got = _ids(memory.buffer())
    assert got == [1, 2], f"after a third turn (7 tokens > 6) the buffer ids are {got}, expected {expected([1, 2])} (evict the oldest)"
    assert _ids(memory.archived()) == [0], f"archived() ids are {_ids(memory.archived())}, expected {expected([0])}"
    assert memory.token_count() == 4, f"token_count() is {memory.token_count()}, expected {expected(4)}"
    memory = _story(student)
    assert _ids(memory.buffer()) == [5], f"after the story with max_tokens=5 the buffer ids are {_ids(memory.buffer())}, expected {expected([5])}"
    assert _ids(memory.archived()) == [0, 1, 2, 3, 4], f"archived() ids are {_ids(memory.archived())}, expected {expected([0, 1, 2, 3, 4])}"


@shows_expected
@points(1)
def test_oversized_turn_stays(student):
    memory = student.ConversationMemory(4)
    memory.add("user", "one two")
    memory.add("assistant", "this answer has far too many words")
    got = memory.buffer()
    want = [{"id": 1, "role": "assistant", "content": "this answer has far too many words"}]
    assert got == want, (
        f"ConversationMemory(4) after a 7-token turn has the buffer {got!r}, expected {want!r}: the newest turn "
        "always stays, even when it alone is over the budget"
    )
    assert memory.token_count() == 7, f"token_count() is {memory.token_count()}, expected 7"


@points(2)
def test_summary_format(student):
    memory = student.ConversationMemory(3, 3)
    assert memory.summary() == "", f"summary() of a new memory returned {memory.summary()!r}, expected an empty string"
    memory.add("user", "  Hello   there   friend  ")
    memory.add("assistant", "Good morning to you too")
    memory.add("user", "x")
    memory.add("assistant", "y")
    want = "user: Hello there friend\nassistant: Good morning to ..."
    got = memory.summary()
    assert got == want, (
        f"summary() returned {got!r}, expected {expected(want)} (one line per archived turn: 'role: ' + the first "
        "summary_words words joined by single spaces, + ' ...' only if words were left out)"
    )
    memory = _story(student, summary_words=4)
    want = ("user: I adopted a cat ...\nassistant: Cats like Miso enjoy ...\nuser: My favourite food is ...\n"
            "assistant: Ramen is a great ...\nuser: Tell me about flights ...")
    got = memory.summary()
    assert got == want, f"summary() after the story returned {got!r}, expected {expected(want)}"


@points(2)
def test_retrieve_by_keyword_overlap(student):
    memory = _story(student)
    query = "what was my cat called, miso?"
    got = memory.retrieve(query, 2)
    assert _ids(got) == [0, 2], (
        f"retrieve({query!r}, 2) returned the ids {_ids(got)}, expected {expected([0, 2])} (turns are scored by the "
        "keywords they share with the query; equal scores put the more recent turn first)"
    )
    assert got[0] == {"id": 0, "role": "user", "content": STORY[0][1]}, f"retrieve returned {got[0]!r} for turn 0"
    got = memory.retrieve(query, 10)
    assert _ids(got) == [0, 2, 1], f"retrieve({query!r}, 10) returned the ids {_ids(got)}, expected {expected([0, 2, 1])} (no zero scores)"
    got = memory.retrieve("Tokyo flights", 3)
    assert _ids(got) == [4], (
        f"retrieve('Tokyo flights', 3) returned the ids {_ids(got)}, expected {expected([4])}: only archived turns "
        "are searched, not the ones still in the buffer"
    )
    got = memory.retrieve("what is the weather", 3)
    assert got == [], f"retrieve('what is the weather', 3) returned {got!r}, expected {expected([])} (no turn shares a keyword)"
    assert memory.retrieve(query, 0) == [], "retrieve(query, 0) should return []"


@points(2)
def test_context_messages(student):
    memory = _story(student, summary_words=4)
    query = "what was my cat called, miso?"
    got = memory.context(query, 2)
    summary = ("user: I adopted a cat ...\nassistant: Cats like Miso enjoy ...\nuser: My favourite food is ...\n"
               "assistant: Ramen is a great ...\nuser: Tell me about flights ...")
    want = [
        {"role": "system", "content": "Summary of earlier turns:\n" + summary},
        {"role": "system", "content": "Relevant earlier turn (user): I adopted a cat named Miso last spring"},
        {"role": "system", "content": "Relevant earlier turn (user): My favourite food is ramen with miso soup"},
        {"role": "assistant", "content": "Flights to Tokyo leave daily"},
    ]
    assert isinstance(got, list), f"context({query!r}, 2) should return a list of messages, got {type(got).__name__}"
    assert len(got) == len(want), f"context({query!r}, 2) returned {len(got)} messages, expected {expected(len(want))}: {got!r:.800}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"context({query!r}, 2): message {i} is {g!r}, expected {expected(w)}"
    fresh = student.ConversationMemory(50)
    fresh.add("user", "hi")
    got = fresh.context("hi", 2)
    assert got == [{"role": "user", "content": "hi"}], (
        f"context() with nothing archived returned {got!r}, expected only the buffer turn (no summary message)"
    )


@points(1)
def test_input_errors(student):
    _expect_value_error("ConversationMemory(0)", student.ConversationMemory, 0)
    _expect_value_error("ConversationMemory(10, 0)", student.ConversationMemory, 10, 0)
    memory = student.ConversationMemory(10)
    _expect_value_error("memory.add('system', 'be nice')", memory.add, "system", "be nice")
    _expect_value_error("memory.retrieve('x', -1)", memory.retrieve, "x", -1)
