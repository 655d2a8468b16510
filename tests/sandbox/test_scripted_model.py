"""A scripted model the grader controls (sandbox/runners/llm_relay.py, scripted_model.py, relay.Relay.model_exchange):
student code calls an OpenAI-compatible URL inside its own box; the request goes up the box's one channel,
the worker checks it, and the grader box's script answers. Cold and warm, with plain HTTP from the standard
library (the wire format the `openai` package speaks; the exercises under llm-apps/ use the package itself)."""

from __future__ import annotations

from tests.support.redteam import FIXTURES, Grade

LLM_GRADER = FIXTURES / "llm"

CLIENT = '''
import json, os, urllib.error, urllib.request

HOW_MANY = 2


def _post(body):
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def chat(messages, **extra):
    return json.loads(_post({"model": "gradient-scripted", "messages": messages, **extra}))


def ask(question):
    return chat([{"role": "user", "content": question}])["choices"][0]["message"]["content"]


try:
    ask("at import")
    IMPORT_STATUS = 200
except urllib.error.HTTPError as error:
    IMPORT_STATUS = error.code


def ask_streaming(question):
    data = _post({"model": "gradient-scripted", "messages": [{"role": "user", "content": question}], "stream": True})
    parts = []
    for line in data.decode().splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            parts.append(json.loads(line[6:])["choices"][0]["delta"].get("content") or "")
    return "".join(parts)


def weather_agent(question):
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": question}]
    first = chat(messages, tools=tools)["choices"][0]["message"]
    messages.append(first)
    for call in first["tool_calls"]:
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": "sunny"})
    return chat(messages, tools=tools)["choices"][0]["message"]["content"]


def ask_with_retry(question):
    for _ in range(3):
        try:
            return ask(question)
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
    raise RuntimeError("no answer")


def ask_many(n):
    return [ask("hi") for _ in range(n)]


def usage_of(question):
    return chat([{"role": "user", "content": question}])["usage"]


def forge():
    """Frames written straight onto the runner's channel, as hostile code could: the worker answers them."""
    import gc, sys
    wire = sys.modules["gradient_wire"]
    channel = next(o for o in gc.get_objects() if isinstance(o, wire.Channel))
    statuses = []
    channel.send_bytes(b'{"op":"llm", not json')
    statuses.append(channel.recv()["status"])
    channel.send_bytes(b'{"op":"llm","method":"POST","path":"/v1/chat/completions","body":"' + b"x" * 700_000 + b'"}')
    statuses.append(channel.recv()["status"])
    return statuses
'''


def test_the_script_answers_through_the_worker_and_the_box_relay(grade: Grade, by_test) -> None:
    outcome = grade(CLIENT, grader_dir=LLM_GRADER)
    assert outcome.status == "graded"
    assert by_test(outcome) == {name: "passed" for name in by_test(outcome)}, outcome.tests
    assert outcome.score == outcome.max_score


def test_a_call_past_the_budget_fails_its_test_and_only_it(grade: Grade, by_test) -> None:
    outcome = grade(CLIENT.replace("HOW_MANY = 2", "HOW_MANY = 5"), grader_dir=LLM_GRADER)
    results = by_test(outcome)
    assert results["test_budget"] == "failed"
    assert [n for n, r in results.items() if r != "passed"] == ["test_budget"]
    message = next(t.message for t in outcome.tests if t.name == "test_budget")
    assert "more than the 3 times this test allows" in message


def test_the_model_refuses_at_import_time_and_never_hangs(grade: Grade) -> None:
    # The module's import-time call was answered 503 at once by the box's relay; nothing reached the grader.
    source = CLIENT + "\nassert IMPORT_STATUS == 503, IMPORT_STATUS\n"
    outcome = grade(source, grader_dir=LLM_GRADER)
    assert outcome.status == "graded" and outcome.score == outcome.max_score


def test_a_submission_that_floods_the_model_from_a_thread_is_charged_not_retried(grade: Grade) -> None:
    # A thread left behind keeps calling the model after its call returned: the relay answers 503 without
    # the channel, so later calls and the run are unharmed.
    source = CLIENT + '''
import threading

_real_ask = ask


def ask(question):
    def spam():
        for _ in range(200):
            try:
                _real_ask("spam")
            except Exception:
                pass
    threading.Thread(target=spam, daemon=True).start()
    return _real_ask(question)
'''
    outcome = grade(source, grader_dir=LLM_GRADER)
    assert outcome.status == "graded"


def test_a_prompt_that_stalls_the_script_is_the_submissions_timeout_not_a_free_retry(grade: Grade, by_test) -> None:
    # A prompt that makes the grader's script slow (a regex that backtracks...) used to end the run as an
    # uncharged infrastructure error, a free retry; the grader now has 10 s of its own to answer, then the
    # request is held to have done it. The test before it keeps its points.
    outcome = grade(CLIENT, grader_dir=FIXTURES / "llm_slow")
    assert outcome.status == "timeout", outcome.messages
    assert by_test(outcome)["test_first"] == "passed"
    assert by_test(outcome)["test_stalls_on_a_hostile_prompt"] != "passed"
    assert any("kept the grader busy" in m for m in outcome.messages), outcome.messages
