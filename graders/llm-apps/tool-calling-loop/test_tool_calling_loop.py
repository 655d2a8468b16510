"""Hidden grader for llm-apps/tool-calling-loop.

The tools are the support file's (`toolbox.py`), reached through the submission's `import toolbox`. Each test
scripts the model's answers; call ids and arguments are drawn per submission (`submission_rng`). Every
request is checked as the real API checks it: a tool message must answer a call of the assistant message just
before it, and every call must get its tool message.
"""

import json

from gradient_grader import expected, points, shows_expected, submission_rng, tool_call

LLM = {"budget_tokens": 6000, "budget_calls": 6, "tokens": "words", "model": "gradient-scripted"}

CITIES = ["Oslo", "Lima", "Cairo", "Hanoi", "Quito", "Perth"]
WEATHER = {"Oslo": "rain, 7 C", "Lima": "cloudy, 18 C", "Cairo": "sunny, 31 C", "Hanoi": "humid, 29 C",
           "Quito": "mild, 15 C", "Perth": "windy, 22 C"}


def _ids(rng, n):
    return [f"call_{int(rng.integers(16 ** 7, 16 ** 8)):x}" for _ in range(n)]


def _check_protocol(messages):
    """What the API says of a message list: tool messages answer the calls of the assistant message before them."""
    pending, asked = None, []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            if pending is None:
                raise AssertionError(
                    f"messages[{index}] is a tool message, but the message before the tool messages is not an assistant "
                    "message with tool_calls: the API rejects this (400). Append the assistant message that made the "
                    "calls (with its tool_calls) before their results"
                )
            if message.get("tool_call_id") not in pending:
                raise AssertionError(
                    f"messages[{index}] has tool_call_id {message.get('tool_call_id')!r}, but the assistant message "
                    f"before it made the calls {asked}: copy each call's id into the tool message that "
                    "answers it"
                )
            pending.discard(message.get("tool_call_id"))
            continue
        if pending:
            raise AssertionError(
                f"the assistant message made the calls {asked}, and not every one got a tool message: the API wants "
                "one tool message per call, right after the assistant message (run every call of the turn)"
            )
        calls = message.get("tool_calls") if role == "assistant" else None
        asked = [c.get("id") for c in calls] if calls else []
        pending = set(asked) if calls else None
    if pending:
        raise AssertionError(f"the request ends with the tool calls {asked}, and not every one got a tool message")


def _checked(answers):
    """A responder that checks each request, then answers from `answers` in order."""
    queue = list(answers)

    def respond(request):
        _check_protocol(request["messages"])
        if not queue:
            raise AssertionError("your code called the model again after its final text answer")
        return queue.pop(0)
    return respond


def _tool_messages(request):
    return [m for m in request["messages"] if m.get("role") == "tool"]


def _result(got, call):
    assert isinstance(got, dict) and "answer" in got and isinstance(got.get("messages"), list), (
        f"{call} should return a dict with 'answer' and 'messages', got {got!r:.200}"
    )
    return got


@shows_expected
@points(1.5)
def test_schema_of_get_weather(student):
    got = student.function_schema(student.toolbox.get_weather)
    want = {"type": "function", "function": {
        "name": "get_weather", "description": "Current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    assert got == want, f"function_schema(toolbox.get_weather) returned {got!r}, expected {expected(want)}"


@shows_expected
@points(1.5)
def test_schema_types_and_defaults(student):
    got = student.function_schema(student.toolbox.search_notes)
    params = got.get("function", {}).get("parameters", {}) if isinstance(got, dict) else {}
    want = {"type": "object", "properties": {"query": {"type": "string"}, "tags": {"type": "array"},
                                             "exact": {"type": "boolean"}}, "required": ["query", "tags"]}
    assert params == want, (
        f"function_schema(toolbox.search_notes)['function']['parameters'] is {params!r}, expected {expected(want)} "
        "(str/int/float/bool/list/dict map to string/integer/number/boolean/array/object; only the parameters "
        "without a default are required)"
    )
    got = student.function_schema(student.toolbox.convert_currency)["function"]
    assert got["parameters"]["properties"] == {"amount": {"type": "number"}, "rate": {"type": "number"},
                                               "decimals": {"type": "integer"}}, f"convert_currency gave {got!r}"
    assert got["parameters"]["required"] == ["amount", "rate"], f"convert_currency gave {got!r}"


@points(1.5)
def test_one_tool_call_then_answer(student, llm):
    rng = submission_rng("llm-apps/tool-calling-loop:one")
    city = str(rng.choice(CITIES))
    (call_id,) = _ids(rng, 1)
    final = f"It is {WEATHER[city]} in {city}."
    llm.respond(_checked([{"content": None, "tool_calls": [tool_call("get_weather", {"city": city}, id=call_id)]},
                          final]))
    tb = student.toolbox
    got = _result(student.run_agent(f"Weather in {city}?", [tb.get_weather, tb.add]), "run_agent")
    assert llm.calls == 2, f"run_agent made {llm.calls} model call(s); one tool call then a text answer is 2"
    names = sorted(t.get("function", {}).get("name") for t in llm.requests[0].get("tools") or [])
    assert names == ["add", "get_weather"], f"the first request offered tools {names}: send tools= with both schemas"
    tools = _tool_messages(llm.requests[1])
    assert len(tools) == 1 and tools[0].get("content") == WEATHER[city], (
        f"after the model called get_weather({city!r}), the second request had tool messages {tools!r:.300}: "
        "expected one, whose content is the function's result"
    )
    assert got["answer"] == final, f"run_agent returned answer {got['answer']!r}, not the model's final text"


@points(1.5)
def test_several_calls_in_one_turn(student, llm):
    rng = submission_rng("llm-apps/tool-calling-loop:several")
    a, b = (round(float(x), 1) for x in rng.uniform(1, 50, size=2))
    cities = [str(c) for c in rng.choice(CITIES, size=2, replace=False)]
    ids = _ids(rng, 3)
    calls = [tool_call("add", {"a": a, "b": b}, id=ids[0]), tool_call("get_weather", {"city": cities[0]}, id=ids[1]),
             tool_call("get_weather", {"city": cities[1]}, id=ids[2])]
    llm.respond(_checked([{"content": None, "tool_calls": calls}, "Done."]))
    tb = student.toolbox
    _result(student.run_agent("Add and check the weather.", [tb.add, tb.get_weather]), "run_agent")
    assert llm.calls == 2, f"run_agent made {llm.calls} model call(s); expected 2"
    tools = {m.get("tool_call_id"): m.get("content") for m in _tool_messages(llm.requests[1])}
    want = {ids[0]: json.dumps(a + b), ids[1]: WEATHER[cities[0]], ids[2]: WEATHER[cities[1]]}
    assert tools == want, (
        f"the model made 3 calls in one turn (add {a}, {b}; get_weather {cities[0]}; get_weather {cities[1]}); the "
        f"next request's tool messages were {tools!r:.300}, expected {expected(want)}: run every call, one tool "
        "message each, with its id and the result as a string (json.dumps for non-strings)"
    )


@points(1)
def test_unknown_tool_is_an_error_result(student, llm):
    rng = submission_rng("llm-apps/tool-calling-loop:unknown")
    (call_id,) = _ids(rng, 1)
    llm.respond(_checked([tool_call("launch_rocket", {"target": "moon"}, id=call_id), "I cannot do that."]))
    got = _result(student.run_agent("Launch it.", [student.toolbox.add]), "run_agent")
    tools = _tool_messages(llm.requests[1]) if llm.calls > 1 else []
    assert tools and str(tools[0].get("content")).startswith("Error"), (
        f"the model called an unknown tool 'launch_rocket'; the tool message sent back was {tools!r:.300}: its "
        "content should start with 'Error' (the model reads it and can try something else)"
    )
    assert got["answer"] == "I cannot do that.", f"run_agent returned answer {got['answer']!r}"


@points(1)
def test_bad_arguments_are_error_results(student, llm):
    rng = submission_rng("llm-apps/tool-calling-loop:bad")
    ids = _ids(rng, 3)
    x = int(rng.integers(2, 99))
    calls = [tool_call("divide", {"a": x, "b": 0}, id=ids[0]), tool_call("add", '{"a": 1, "b": ', id=ids[1]),
             tool_call("add", {"a": x}, id=ids[2])]
    llm.respond(_checked([{"content": None, "tool_calls": calls}, "Sorry."]))
    tb = student.toolbox
    _result(student.run_agent("Compute.", [tb.divide, tb.add]), "run_agent")
    tools = {m.get("tool_call_id"): str(m.get("content")) for m in _tool_messages(llm.requests[1])} if llm.calls > 1 else {}
    for call_id, what in zip(ids, [f"divide({x}, 0)", "arguments that are not valid JSON", f"add with only a={x}"]):
        assert tools.get(call_id, "").startswith("Error"), (
            f"for a call of {what}, the tool message was {tools.get(call_id)!r}: it should be a string starting with "
            "'Error' that says what went wrong, and the loop should go on"
        )


@points(1)
def test_stops_after_max_steps(student, llm):
    rng = submission_rng("llm-apps/tool-calling-loop:steps")
    ids = iter(_ids(rng, 6))
    llm.budget(tokens=6000, calls=3)

    def respond(request):
        _check_protocol(request["messages"])
        return tool_call("add", {"a": 1, "b": 2}, id=next(ids))
    llm.respond(respond)
    got = _result(student.run_agent("Keep adding.", [student.toolbox.add], max_steps=3), "run_agent")
    assert llm.calls == 3, f"with max_steps=3 and a model that only calls tools, run_agent made {llm.calls} calls"
    assert got["answer"] is None, f"run_agent returned answer {got['answer']!r}; with no text answer it should be None"


@shows_expected
@points(1)
def test_direct_answer_and_transcript(student, llm):
    llm.respond(_checked(["Paris."]))
    got = _result(student.run_agent("Capital of France?", [student.toolbox.add], system_prompt="Be brief."),
                  "run_agent('Capital of France?', [add], system_prompt='Be brief.')")
    assert llm.calls == 1, f"a direct text answer should end the loop after 1 call, made {llm.calls}"
    sent = [(m.get("role"), m.get("content")) for m in llm.requests[0]["messages"]]
    assert sent == [("system", "Be brief."), ("user", "Capital of France?")], f"the request sent {sent}"
    roles = [(m.get("role"), m.get("content")) for m in got["messages"]]
    want = [("system", "Be brief."), ("user", "Capital of France?"), ("assistant", "Paris.")]
    assert roles == want, f"the returned messages were {roles}, expected {expected(want)}"
    assert got["answer"] == "Paris.", f"run_agent returned answer {got['answer']!r}"
