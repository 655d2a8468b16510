"""Hidden grader for llm-apps/chatbot-memory.

Every test scripts its own model answers. Conversations in the trimming tests are drawn per submission
(`submission_rng`), and the expected history is recomputed here with the README's rule.
"""

import re

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

LLM = {"budget_tokens": 4000, "budget_calls": 12, "tokens": "words", "model": "gradient-scripted"}

SUMMARY_INSTRUCTION = "Summarise the conversation below in a few sentences."
WORD = re.compile(r"\w+|[^\w\s]")
VOCAB = ["the", "model", "budget", "a", "token", "x", "y2", "memory", "chat", "ok", "is", "we", "it", "to"]
PUNCT = [",", ".", "!", "?", ":", "-", "(", ")", "%", "+"]


def _count(text):
    return len(WORD.findall(text))


def _sentence(rng, n_words):
    parts = []
    for _ in range(n_words):
        parts.append(str(rng.choice(VOCAB)))
        if rng.random() < 0.45:
            parts[-1] += str(rng.choice(PUNCT))
    return " ".join(parts)


def _conversation(rng, n_turns):
    users = [f"Q{i}: " + _sentence(rng, int(rng.integers(3, 9))) for i in range(n_turns)]
    answers = [f"A{i}: " + _sentence(rng, int(rng.integers(3, 9))) for i in range(n_turns)]
    return users, answers


def _kept(system, turns, new, budget, reserve=0):
    """The longest suffix of `turns` that fits with the system prompt and the new message."""
    used = _count(system) + _count(new) + reserve
    kept = []
    for user, answer in reversed(turns):
        cost = _count(user) + _count(answer)
        if used + cost > budget:
            break
        used += cost
        kept.insert(0, (user, answer))
    return kept


def _roles(messages):
    return [m.get("role") for m in messages]


def _show(messages, limit=400):
    text = " | ".join(f"{m.get('role')}: {str(m.get('content'))[:60]}" for m in messages)
    return text[:limit]


def _request_tokens(messages):
    return sum(_count(m.get("content") or "") for m in messages)


@shows_expected
@points(1)
def test_first_send_is_system_then_user(student, llm):
    llm.script("Hello! How can I help?")
    chat = student.Chat("You are a helpful assistant.", 100)
    got = chat.send("Hi there")
    assert got == "Hello! How can I help?", f"chat.send('Hi there') returned {got!r}, not the model's answer"
    want = [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hi there"}]
    sent = [{"role": m.get("role"), "content": m.get("content")} for m in llm.last_request["messages"]]
    assert sent == want, f"the first request sent {sent!r}, expected {expected(want)}"
    assert llm.last_request["model"] == "gradient-scripted", f"the request used model {llm.last_request['model']!r}"


@points(1)
def test_history_is_sent_in_order(student, llm):
    rng = submission_rng("llm-apps/chatbot-memory:history")
    users, answers = _conversation(rng, 3)
    llm.script(*answers)
    chat = student.Chat("Be brief.", 1000)
    for user in users:
        chat.send(user)
    last = llm.requests[2]["messages"]
    want = [{"role": "system", "content": "Be brief."}]
    for user, answer in zip(users[:2], answers[:2]):
        want += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    want.append({"role": "user", "content": users[2]})
    sent = [{"role": m.get("role"), "content": m.get("content")} for m in last]
    assert sent == want, (
        f"with a budget of 1000 tokens nothing should be dropped; the third request sent {_show(sent)}: it should "
        "hold the system prompt, every earlier user message and answer in order, then the new message"
    )


@points(2)
def test_trims_oldest_whole_turns(student, llm):
    rng = submission_rng("llm-apps/chatbot-memory:trim")
    users, answers = _conversation(rng, 8)
    system = "You are a terse assistant."
    budget = int(rng.integers(45, 60))
    llm.script(*answers)
    chat = student.Chat(system, budget)
    turns = []
    for index, user in enumerate(users):
        chat.send(user)
        sent = llm.requests[index]["messages"]
        want_turns = _kept(system, turns, user, budget)
        want = [{"role": "system", "content": system}]
        for u, a in want_turns:
            want += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        want.append({"role": "user", "content": user})
        got = [{"role": m.get("role"), "content": m.get("content")} for m in sent]
        if got != want:
            raise AssertionError(
                f"Chat({system!r}, max_prompt_tokens={budget}), send #{index + 1} ({user!r}) sent {_show(got)} "
                f"({_request_tokens(got)} tokens, {(len(got) - 2) // 2} earlier turns); expected {expected(len(want_turns))} "
                "earlier turns: keep the system prompt, drop the OLDEST whole turns (a user message with its answer) "
                "and keep as many recent turns as fit, counting tokens with the README's rule"
            )
        turns.append((user, answers[index]))


@points(1)
def test_system_prompt_is_never_dropped(student, llm):
    rng = submission_rng("llm-apps/chatbot-memory:system")
    users, answers = _conversation(rng, 6)
    system = "Always answer in English, politely."
    llm.script(*answers)
    chat = student.Chat(system, 40)
    for index, user in enumerate(users):
        chat.send(user)
        sent = llm.requests[index]["messages"]
        assert sent[0].get("role") == "system" and sent[0].get("content") == system, (
            f"with max_prompt_tokens=40, send #{index + 1} sent {_show(sent)}: the system prompt must stay first in "
            "every request, however much history is dropped"
        )


@points(1)
def test_never_sends_half_a_turn_and_fits_the_budget(student, llm):
    rng = submission_rng("llm-apps/chatbot-memory:pairs")
    users, answers = _conversation(rng, 7)
    budget = int(rng.integers(38, 50))
    llm.script(*answers)
    chat = student.Chat("Short answers.", budget)
    for index, user in enumerate(users):
        chat.send(user)
        sent = llm.requests[index]["messages"]
        roles = [r for r in _roles(sent) if r != "system"]
        want_roles = ["user", "assistant"] * ((len(roles) - 1) // 2) + ["user"]
        assert roles == want_roles, (
            f"send #{index + 1} sent roles {_roles(sent)}: after the system prompt the history must be whole turns, "
            "user then assistant, ending with the new user message (drop a user message and its answer together)"
        )
        used = _request_tokens(sent)
        assert used <= budget, f"send #{index + 1} sent {used} prompt tokens, over max_prompt_tokens={budget}"


@shows_expected
@points(1)
def test_message_too_long_for_the_budget(student, llm):
    chat = student.Chat("You are helpful.", 10)
    text = "one two three four five six seven eight"
    try:
        chat.send(text)
    except StudentError as error:
        assert error.type_name == "ValueError", f"send({text!r}) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(
            f"Chat('You are helpful.', 10).send({text!r}) returned instead of raising ValueError: the system prompt "
            "(3 tokens) and the message (8 tokens) alone exceed the budget"
        )
    assert llm.calls == 0, f"the model was called {llm.calls} time(s) for a message that cannot fit"


@points(1)
def test_reset_forgets_the_turns(student, llm):
    llm.script("First answer.", "Second answer.", "Third answer.")
    chat = student.Chat("You remember things.", 500)
    chat.send("My name is Ada.")
    chat.send("What is my name?")
    chat.reset()
    chat.send("Hello again.")
    sent = [{"role": m.get("role"), "content": m.get("content")} for m in llm.requests[2]["messages"]]
    want = [{"role": "system", "content": "You remember things."}, {"role": "user", "content": "Hello again."}]
    assert sent == want, (
        f"after two sends and reset(), the next request sent {_show(sent)}: reset() must forget every turn (and any "
        "summary) but keep the system prompt"
    )


@points(1)
def test_summarize_makes_no_extra_calls_while_nothing_is_dropped(student, llm):
    llm.budget(tokens=400, calls=3)
    llm.script("One.", "Two.", "Three.")
    chat = student.Chat("Be kind.", 500, summarize=True)
    for text in ["Hello.", "How are you?", "Tell me a joke."]:
        chat.send(text)
    assert llm.calls == 3, f"three sends with nothing to drop made {llm.calls} model calls; expected 3 (one each)"


@points(1)
def test_summarises_dropped_turns(student, llm):
    rng = submission_rng("llm-apps/chatbot-memory:summary")
    users, answers = _conversation(rng, 6)
    summaries = [f"SUMMARY{i} the user asked about tokens." for i in range(6)]
    budget = 75
    state = {"turn": 0, "summary": 0}
    summary_requests = []

    def respond(request):
        messages = request["messages"]
        if messages and messages[0].get("content") == SUMMARY_INSTRUCTION:
            summary_requests.append(request)
            state["summary"] += 1
            return summaries[state["summary"] - 1]
        state["turn"] += 1
        return answers[state["turn"] - 1]

    llm.respond(respond)
    chat = student.Chat("You are a tutor.", budget, summarize=True, summary_tokens=20)
    for user in users:
        chat.send(user)
    chats = [r for r in llm.requests if r not in summary_requests]
    assert summary_requests, (
        f"Chat(max_prompt_tokens={budget}, summarize=True) dropped turns but never sent a summary request (a system "
        "message equal to SUMMARY_INSTRUCTION, then the transcript)"
    )
    for request in chats:
        used = _request_tokens(request["messages"])
        assert used <= budget, f"a chat request used {used} prompt tokens, over max_prompt_tokens={budget}"
    transcript = "\n".join(str(r["messages"][-1].get("content")) for r in summary_requests)
    sent_in_chats = [m.get("content") for r in chats for m in r["messages"]]
    for user in users:
        if user not in sent_in_chats[-len(chats[-1]["messages"]):]:
            assert user in transcript, (
                f"the user message {user!r} was dropped from the history but never appeared in a summary request"
            )
    last_summary = summaries[len(summary_requests) - 1]
    final = chats[-1]["messages"]
    assert len(final) > 1 and final[1].get("role") == "system" and final[1].get("content") == last_summary, (
        f"the last chat request sent {_show(final)}: its second message should be the latest summary, as a system "
        "message right after the system prompt"
    )
