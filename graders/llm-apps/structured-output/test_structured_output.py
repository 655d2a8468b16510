"""Hidden grader for llm-apps/structured-output.

Tickets, the invalid replies and their order are drawn per submission (submission_rng); the scripted model
(`llm` fixture) answers `extract_ticket`, and its requests show whether JSON mode was on and what each retry
told the model.
"""

import json

from gradient_grader import StudentError, expected, points, submission_rng

LLM = {"budget_tokens": 6000, "budget_calls": 6, "tokens": "words", "model": "gradient-scripted"}

CATEGORIES = ["billing", "technical", "account", "other"]
SUMMARIES = ["Charged twice for the March invoice", "App crashes when uploading a photo", "Cannot reset my password",
             "Wants to change the delivery address", "Refund not received after 10 days", "Login page shows error 500",
             "Asks how to export data to CSV", "Card declined on renewal"]
MESSAGES = ["I was charged twice this month, please fix it!", "Your app keeps crashing when I upload a picture.",
            "I forgot my password and the reset email never arrives.", "Can I export my data as a CSV file?",
            "My card was declined but I still want my subscription."]


def _ticket(rng):
    summary = SUMMARIES[int(rng.integers(len(SUMMARIES)))]
    return {"category": CATEGORIES[int(rng.integers(4))], "priority": int(rng.integers(1, 6)),
            "summary": summary, "needs_human": bool(rng.integers(2))}


def _corrupt(rng, ticket):
    """(bad data, the key at fault): one problem in an otherwise valid ticket."""
    bad = dict(ticket)
    kind = int(rng.integers(9))
    if kind == 0:
        bad["category"] = ["sales", "Billing", "refunds", ""][int(rng.integers(4))]
        return bad, "category"
    if kind == 1:
        bad["priority"] = ["high", "3", None][int(rng.integers(3))]
        return bad, "priority"
    if kind == 2:
        bad["priority"] = [0, 6, -1, 10][int(rng.integers(4))]
        return bad, "priority"
    if kind == 3:
        bad["priority"] = [True, 2.0, 3.5][int(rng.integers(3))]
        return bad, "priority"
    if kind == 4:
        bad["summary"] = ["", "   ", "x" * 201, 42][int(rng.integers(4))]
        return bad, "summary"
    if kind == 5:
        bad["needs_human"] = ["yes", 1, "false", None][int(rng.integers(4))]
        return bad, "needs_human"
    if kind == 6:
        key = ["category", "priority", "summary", "needs_human"][int(rng.integers(4))]
        del bad[key]
        return bad, key
    if kind == 7:
        key = ["urgent", "language", "customer_id"][int(rng.integers(3))]
        bad[key] = "x"
        return bad, key
    bad["category"] = 3
    return bad, "category"


def _not_json(rng, ticket):
    text = json.dumps(ticket)
    return [f"Sure! Here is the ticket: {text}", text[: len(text) // 2], "```json\n" + text + "\n```",
            text.replace('"', "'"), "I cannot help with that."][int(rng.integers(5))]


def _bad_replies(rng, n):
    """n invalid replies in a drawn order: (text, what is wrong: a key, or "JSON")."""
    replies = []
    for _ in range(n):
        ticket = _ticket(rng)
        if rng.integers(3) == 0:
            replies.append((_not_json(rng, ticket), "JSON"))
        else:
            bad, key = _corrupt(rng, ticket)
            replies.append((json.dumps(bad), key))
    return replies


def _extract(student, message, **kwargs):
    call = f"extract_ticket({message!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    try:
        return call, student.extract_ticket(message, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None


def _script_text(replies):
    return "; ".join(f"call {i + 1}: {text!r:.120}" for i, (text, _) in enumerate(replies))


@points(1)
def test_validate_accepts_valid_tickets(student):
    rng = submission_rng("llm-apps/structured-output:valid")
    tickets = [_ticket(rng) for _ in range(4)]
    tickets += [{"category": "other", "priority": 1, "summary": "y" * 200, "needs_human": False},
                {"needs_human": True, "summary": " a ", "priority": 5, "category": "account"}]
    for ticket in tickets:
        got = student.validate_ticket(ticket)
        assert got == [], f"validate_ticket({ticket!r}) returned {got!r}: this ticket is valid, expected []"


@points(2)
def test_validate_names_each_problem(student):
    rng = submission_rng("llm-apps/structured-output:problems")
    for _ in range(10):
        bad, key = _corrupt(rng, _ticket(rng))
        got = student.validate_ticket(bad)
        assert isinstance(got, list) and got, (
            f"validate_ticket({bad!r}) returned {got!r}: the value of {key!r} breaks the schema, expected a list of problems"
        )
        assert all(isinstance(p, str) for p in got), f"validate_ticket({bad!r}) returned {got!r}: problems are strings"
        assert any(key in p for p in got), f"validate_ticket({bad!r}) returned {got!r}: no problem names the key {key!r}"


@points(1)
def test_validate_survives_any_value(student):
    for value in [None, "billing", ["billing", 4, "x", True], 3, {}]:
        try:
            got = student.validate_ticket(value)
        except StudentError as error:
            raise AssertionError(f"validate_ticket({value!r}) raised {error.type_name}: {error.message}; a reply "
                                 "may be any JSON value, so report a problem instead of crashing") from None
        assert isinstance(got, list) and got, f"validate_ticket({value!r}) returned {got!r}: it is not a ticket"
    got = student.validate_ticket({})
    for key in ["category", "priority", "summary", "needs_human"]:
        assert any(key in p for p in got), f"validate_ticket({{}}) returned {got!r}: the missing key {key!r} is not named"


@points(1)
def test_first_request_uses_json_mode(student, llm):
    rng = submission_rng("llm-apps/structured-output:first")
    ticket = _ticket(rng)
    message = MESSAGES[int(rng.integers(len(MESSAGES)))]
    llm.script(json.dumps(ticket))
    call, got = _extract(student, message)
    assert llm.calls == 1, f"{call} called the model {llm.calls} times, but the first reply was valid: one call is enough"
    request = llm.last_request
    assert request.get("response_format") == {"type": "json_object"}, (
        f"{call} sent response_format={request.get('response_format')!r}: switch JSON mode on with "
        "response_format={'type': 'json_object'}"
    )
    sent = request["messages"]
    roles = [m.get("role") for m in sent]
    assert roles == ["system", "user"], f"{call} sent messages with roles {roles}: expected a system and a user message"
    assert "JSON" in (sent[0].get("content") or ""), (
        "the system message does not contain the word JSON: JSON mode needs it, and the model needs the schema"
    )
    assert sent[1].get("content") == message, f"the user message was {sent[1].get('content')!r}, not the customer's message"
    assert got == ticket, (
        f"{call} returned {got!r}, which is not the valid ticket the model replied with: return the parsed object"
    )


@points(2)
def test_recovers_from_invalid_replies(student, llm):
    rng = submission_rng("llm-apps/structured-output:recover")
    for _ in range(2):
        start = llm.calls
        ticket = _ticket(rng)
        replies = _bad_replies(rng, int(rng.integers(1, 3))) + [(json.dumps(ticket), "")]
        llm.script(*[text for text, _ in replies])
        message = MESSAGES[int(rng.integers(len(MESSAGES)))]
        call, got = _extract(student, message, max_retries=2)
        assert got == ticket, (
            f"{call} returned {got!r} after the model answered {_script_text(replies)}; expected the last, valid "
            f"ticket {expected(ticket)}"
        )
        made = llm.calls - start
        assert made == len(replies), (
            f"{call} made {made} calls: call again only after an invalid reply, and stop at the first valid one"
        )
        for number, request in enumerate(llm.requests[start:], 1):
            assert request.get("response_format") == {"type": "json_object"}, (
                f"{call}: call {number} sent response_format={request.get('response_format')!r}; every call needs JSON mode"
            )


@points(2)
def test_retry_messages_say_what_was_wrong(student, llm):
    rng = submission_rng("llm-apps/structured-output:feedback")
    bad, key = _corrupt(rng, _ticket(rng))
    broken = _not_json(rng, _ticket(rng))
    ticket = _ticket(rng)
    replies = [(json.dumps(bad), key), (broken, "JSON")]
    if rng.integers(2):
        replies.reverse()
    replies.append((json.dumps(ticket), ""))
    llm.script(*[text for text, _ in replies])
    message = MESSAGES[int(rng.integers(len(MESSAGES)))]
    call, got = _extract(student, message, max_retries=2)
    assert llm.calls == 3, f"{call} made {llm.calls} calls after the model answered {_script_text(replies)}; expected 3"
    problems = student.validate_ticket(bad)
    for number in (1, 2):
        before, after = llm.requests[number - 1]["messages"], llm.requests[number]["messages"]
        reply, fault = replies[number - 1]
        assert after[: len(before)] == before, (
            f"{call}: retry {number} did not resend the conversation so far: keep the earlier messages and append to them"
        )
        added = after[len(before):]
        roles = [m.get("role") for m in added]
        assert roles == ["assistant", "user"], (
            f"{call}: retry {number} appended messages with roles {roles}; expected the model's reply as an assistant "
            "message, then a user message saying what was wrong"
        )
        assert added[0].get("content") == reply, (
            f"{call}: retry {number}'s assistant message is {added[0].get('content')!r:.200}, not the model's reply "
            "exactly as it came"
        )
        feedback = added[1].get("content") or ""
        if fault == "JSON":
            assert "JSON" in feedback, (
                f"the model replied {reply!r:.200}, which is not JSON, and the retry said {feedback!r:.300}: say it was not valid JSON"
            )
        else:
            missing = [p for p in problems if p not in feedback]
            assert not missing, (
                f"the model replied {reply!r:.200}, your validate_ticket reports {problems!r}, but the retry message "
                f"{feedback!r:.300} does not contain {missing!r}: tell the model exactly what was wrong"
            )
    assert got == ticket, f"{call} returned {got!r}; the third reply was valid, expected {expected(ticket)}"


@points(1)
def test_gives_up_after_max_retries(student, llm):
    rng = submission_rng("llm-apps/structured-output:give-up")
    max_retries = [0, 1, 3][int(rng.integers(3))]
    replies = _bad_replies(rng, max_retries + 1)
    llm.script(*[text for text, _ in replies], json.dumps(_ticket(rng)))
    call = f"extract_ticket('Help!', max_retries={max_retries})"
    try:
        got = student.extract_ticket("Help!", max_retries=max_retries)
    except StudentError as error:
        assert error.type_name == "ExtractionError", (
            f"{call} raised {error.type_name}: {error.message[:200]} after {llm.calls} calls; expected ExtractionError"
        )
        assert llm.calls == max_retries + 1, (
            f"{call} raised ExtractionError after {llm.calls} calls; max_retries={max_retries} allows exactly "
            f"{max_retries + 1} (the first call and {max_retries} retries)"
        )
        return
    raise AssertionError(f"{call} returned {got!r} after {llm.calls} calls, although the first {max_retries + 1} "
                         f"replies were all invalid ({_script_text(replies)}): it should raise ExtractionError")
