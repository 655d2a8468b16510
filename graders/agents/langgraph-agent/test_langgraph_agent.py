"""Hidden grader for agents/langgraph-agent.

The tests drive the student's compiled graphs themselves (`graph.invoke` on the handle that
`build_agent`/`build_assistant` return) and through the student's `run_graph`, against the scripted model:
tool calls come in the API's format, with ids, arguments and questions drawn per submission
(`submission_rng`). The requests the model saw and the final state (message handles read attribute by
attribute) are checked. The platform itself rejects a request whose tool messages break the API's rules (a
tool message without the assistant message that made the call): the student's call then raises.
"""

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng, tool_call

LLM = {"budget_tokens": 12000, "budget_calls": 6, "tokens": "words", "model": "gradient-scripted"}

SLUG = "agents/langgraph-agent"
AGENT_PROMPT = "You are a careful assistant. Use the tools for arithmetic and for city populations. Answer briefly."
TRIAGE_PROMPT = (
    "Does answering the user's message need a tool (arithmetic or a city's population)? "
    "Answer with one word: tools or chat."
)
CHAT_PROMPT = "You are a friendly assistant. Answer briefly, without tools."
TOOL_NAMES = ["add", "city_population", "multiply"]
POPULATIONS = {
    "oslo": 709037, "lima": 10092000, "cairo": 10100166, "hanoi": 8435700, "quito": 2800388, "perth": 2309338,
    "lagos": 15388000, "porto": 231800, "turin": 841600, "busan": 3349016, "tbilisi": 1202731, "dakar": 1438725,
}
NOWHERE = ["Atlantis", "El Dorado", "Shangri-La", "Lemuria", "Hyperborea", "Xanadu"]
WORDS = ["river", "lantern", "harvest", "orbit", "meadow", "signal", "copper", "harbour", "violet", "engine",
         "garden", "thunder", "pepper", "marble", "window", "falcon", "compass", "ember", "glacier", "ribbon"]


def _number(value):
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))


def _ids(rng, n):
    return [f"call_{int(rng.integers(16 ** 7, 16 ** 8)):x}" for _ in range(n)]


def _question(rng):
    words = [WORDS[int(i)] for i in rng.integers(0, len(WORDS), size=5)]
    return " ".join(words).capitalize() + "?"


def _sent(request):
    """(role, content) of each message of a request, as the model received it."""
    return [(m.get("role"), m.get("content")) for m in request["messages"]]


def _roles(request):
    return [m.get("role") for m in request["messages"]]


def _tool_names(request):
    return sorted(str(t.get("function", {}).get("name")) for t in request.get("tools") or [])


def _inputs(question):
    return {"messages": [("user", question)], "agent_calls": 0}


def _invoke(graph, question, what):
    """graph.invoke on the student's compiled graph; the final state with each message read into a dict."""
    call = f"{what}.invoke({_inputs(question)!r})"
    try:
        state = graph.invoke(_inputs(question))
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:600]}") from None
    assert isinstance(state, dict) and isinstance(state.get("messages"), list), (
        f"{call} should return the final state, a dict with a 'messages' list; got {state!r:.300}"
    )
    messages = []
    for message in state["messages"]:
        kind = message.type
        read = {"type": kind, "content": message.content}
        if kind == "ai":
            read["tool_calls"] = [(c.get("name"), c.get("args"), c.get("id")) for c in message.tool_calls or []]
        if kind == "tool":
            read["tool_call_id"] = message.tool_call_id
        messages.append(read)
    return call, state, messages


def _run(student, graph, question, what):
    call = f"run_graph({what}, {question!r})"
    try:
        got = student.run_graph(graph, question)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:600]}") from None
    assert isinstance(got, dict), f"{call} should return a dict, got {got!r:.300}"
    missing = [k for k in ("answer", "stopped", "path", "trace") if k not in got]
    assert not missing, f"{call} returned {got!r:.300}, which lacks the key(s) {missing}"
    return call, got


def _types(messages):
    return [m["type"] for m in messages]


@points(2)
def test_agent_loops_until_the_model_answers(student, llm):
    rng = submission_rng(f"{SLUG}:loop")
    a, b = (int(x) for x in rng.integers(10, 100, size=2))
    c = int(rng.integers(2, 10))
    ids = _ids(rng, 2)
    final = f"The result is {(a + b) * c}."
    llm.script(tool_call("add", {"a": a, "b": b}, id=ids[0]),
               tool_call("multiply", {"a": a + b, "b": c}, id=ids[1]),
               final)
    graph = student.build_agent(student.make_model(), 4)
    call, state, messages = _invoke(graph, f"What is ({a} + {b}) * {c}?", "build_agent(make_model(), 4)")
    assert llm.calls == 3, (
        f"{call}: the model answered add(...), then multiply(...), then a text; your graph called it {llm.calls} "
        "time(s): after the tools node runs, the graph must go back to the agent node, until the model answers "
        "without tool calls"
    )
    second, third = llm.requests[1], llm.requests[2]
    assert _roles(second) == ["system", "user", "assistant", "tool"], (
        f"{call}: the second request's roles were {_roles(second)}: it should hold the system prompt, the question, "
        "the assistant message with the add call and the tool message answering it (the state must keep every "
        "message: give `messages` the add_messages reducer)"
    )
    tool = second["messages"][3]
    want = _number(a + b)
    assert tool.get("tool_call_id") == ids[0] and tool.get("content") == want, (
        f"{call}: the tool message after add(a={a}, b={b}) was {tool!r:.300}: expected the call's id and the "
        f"content {expected(want)}"
    )
    assert _roles(third) == ["system", "user", "assistant", "tool", "assistant", "tool"], (
        f"{call}: the third request's roles were {_roles(third)}: every earlier message must stay in the state"
    )
    want = _number((a + b) * c)
    assert third["messages"][5].get("content") == want, (
        f"{call}: the tool message after multiply(a={a + b}, b={c}) had the content "
        f"{third['messages'][5].get('content')!r}, expected {expected(want)}"
    )
    assert _types(messages) == ["human", "ai", "tool", "ai", "tool", "ai"], (
        f"{call}: the final state's messages have the types {_types(messages)}"
    )
    assert messages[-1]["content"] == final, (
        f"{call}: the final state's last message says {messages[-1]['content']!r}: it should be the model's last "
        "reply, the text answer"
    )
    assert state.get("agent_calls") == 3, (
        f"{call}: the final state has agent_calls={state.get('agent_calls')!r} after 3 calls of the agent node"
    )


@shows_expected
def test_agent_request_has_the_prompt_and_the_tools(student, llm):
    rng = submission_rng(f"{SLUG}:direct")
    question = _question(rng)
    answer = f"{WORDS[int(rng.integers(0, len(WORDS)))].title()} is the word."
    llm.script(answer)
    graph = student.build_agent(student.make_model(), 4)
    call, state, messages = _invoke(graph, question, "build_agent(make_model(), 4)")
    assert llm.calls == 1, f"{call}: a text answer with no tool calls ends the run, but the model was called {llm.calls} times"
    request = llm.requests[0]
    assert request.get("model") == "gradient-scripted" and request.get("temperature") == 0, (
        f"{call}: the request asked for model {request.get('model')!r} at temperature {request.get('temperature')!r}: "
        "make_model() should give ChatOpenAI(model='gradient-scripted', temperature=0, max_retries=0)"
    )
    sent = _sent(request)
    want = [("system", AGENT_PROMPT), ("user", question)]
    assert sent == want, f"{call}: the agent node sent {sent!r:.600}, expected {expected(want)}"
    assert _tool_names(request) == TOOL_NAMES, (
        f"{call}: the agent's request offered the tools {_tool_names(request)}, expected {expected(TOOL_NAMES)} "
        "(bind TOOLS to the model in the agent node)"
    )
    assert _types(messages) == ["human", "ai"] and messages[1]["content"] == answer, (
        f"{call}: the final state's messages are {messages!r:.400}: the question, then the model's answer"
    )
    assert state.get("agent_calls") == 1, f"{call}: the final state has agent_calls={state.get('agent_calls')!r}, expected 1"


def test_every_call_of_a_turn_is_answered(student, llm):
    rng = submission_rng(f"{SLUG}:parallel")
    first, second = (str(c) for c in rng.choice(sorted(POPULATIONS), size=2, replace=False))
    ids = _ids(rng, 2)
    llm.script({"content": None, "tool_calls": [tool_call("city_population", {"city": first.title()}, id=ids[0]),
                                                tool_call("city_population", {"city": second.title()}, id=ids[1])]},
               "Both are big cities.")
    graph = student.build_agent(student.make_model(), 3)
    call, state, messages = _invoke(graph, f"Which is bigger, {first.title()} or {second.title()}?",
                                    "build_agent(make_model(), 3)")
    assert llm.calls == 2, f"{call}: the model made two calls in one turn, then answered; it was called {llm.calls} times"
    tools = [(m.get("tool_call_id"), m.get("content")) for m in llm.requests[1]["messages"] if m.get("role") == "tool"]
    want = [(ids[0], str(POPULATIONS[first])), (ids[1], str(POPULATIONS[second]))]
    assert tools == want, (
        f"{call}: the model called city_population for {first.title()} and {second.title()} in one turn; the next "
        f"request's tool messages (id, content) were {tools!r}, expected {expected(want)}: one per call, in order"
    )
    assert _types(messages) == ["human", "ai", "tool", "tool", "ai"], (
        f"{call}: the final state's messages have the types {_types(messages)}"
    )


def test_a_failing_tool_is_reported_to_the_model(student, llm):
    rng = submission_rng(f"{SLUG}:errors")
    place = str(rng.choice(NOWHERE))
    x = int(rng.integers(2, 50))
    ids = _ids(rng, 2)
    llm.script({"content": None, "tool_calls": [tool_call("city_population", {"city": place}, id=ids[0]),
                                                tool_call("divide", {"a": x, "b": 2}, id=ids[1])]},
               "I could not find that.")
    graph = student.build_agent(student.make_model(), 3)
    call, state, messages = _invoke(graph, f"How many people live in {place}, halved?", "build_agent(make_model(), 3)")
    assert llm.calls == 2, f"{call}: the model was called {llm.calls} times; after the failed tools it should be asked again"
    tools = {m.get("tool_call_id"): str(m.get("content")) for m in llm.requests[1]["messages"] if m.get("role") == "tool"}
    for call_id, what in zip(ids, [f"city_population(city={place!r}), which raises", "divide(...), a tool that does not exist"]):
        assert tools.get(call_id, "").startswith("Error"), (
            f"{call}: for the call of {what}, the tool message was {tools.get(call_id)!r:.300}: it should start with "
            "'Error' so the model can read what went wrong (ToolNode(..., handle_tool_errors=True))"
        )
    assert messages[-1]["type"] == "ai" and messages[-1]["content"] == "I could not find that.", (
        f"{call}: the run should end with the model's text answer; the last message is {messages[-1]!r:.300}"
    )


@shows_expected
@points(2)
def test_the_step_limit_stops_a_model_that_keeps_calling_tools(student, llm):
    rng = submission_rng(f"{SLUG}:limit")
    limit = int(rng.integers(2, 5))
    ids = iter(_ids(rng, 2 * limit + 2))
    start = int(rng.integers(1, 50))
    llm.budget(tokens=12000, calls=2 * limit + 1)

    def keep_calling(request):
        return tool_call("add", {"a": start + llm.calls, "b": 1}, id=next(ids))

    llm.respond(keep_calling)
    graph = student.build_agent(student.make_model(), limit)
    what = f"build_agent(make_model(), {limit})"
    for run in (1, 2):
        call, state, messages = _invoke(graph, "Count up forever.", what)
        hint = ("each run may call it exactly max_agent_calls times: go back to the agent after the tools, and "
                "stop when the count is reached" if run == 1 else
                "the first run was right, the second was not: keep the count in the state, which starts again at "
                "agent_calls=0 on every run, not in a Python variable that outlives a run")
        assert llm.calls == run * limit, (
            f"{call} (run {run} of the same compiled graph): the model calls a tool every time, and "
            f"max_agent_calls={limit}; the model has been called {llm.calls} times in all after {run} run(s): {hint}"
        )
        assert state.get("agent_calls") == limit, (
            f"{call}: the final state has agent_calls={state.get('agent_calls')!r}"
        )
        want = ["human"] + ["ai", "tool"] * (limit - 1) + ["ai"]
        assert _types(messages) == want, (
            f"{call}: the final state's messages have the types {_types(messages)}, expected {expected(want)}: the "
            "graph ends right after the last allowed agent call, its tool calls unanswered"
        )
        assert messages[-1]["tool_calls"], f"{call}: the last message should be the model's last (tool-calling) reply"


@points(1)
def test_run_graph_reports_the_path_and_a_trace(student, llm):
    rng = submission_rng(f"{SLUG}:trace")
    city = str(rng.choice(sorted(POPULATIONS)))
    people = POPULATIONS[city]
    factor = int(rng.integers(2, 9))
    ids = _ids(rng, 2)
    final = f"About {people * factor} people."
    llm.script(tool_call("city_population", {"city": city.title()}, id=ids[0]),
               tool_call("multiply", {"a": people, "b": factor}, id=ids[1]),
               final)
    graph = student.build_agent(student.make_model(), 4)
    call, got = _run(student, graph, f"{factor} times the people of {city.title()}?", "build_agent(make_model(), 4)")
    assert llm.calls == 3, f"{call}: the model was called {llm.calls} times, expected 3"
    assert (got["answer"], got["stopped"]) == (final, "answer"), (
        f"{call}: run_graph returned answer={got['answer']!r}, stopped={got['stopped']!r}: the answer is the "
        "model's last reply, a text without tool calls, and stopped is 'answer'"
    )
    want = ["agent", "tools", "agent", "tools", "agent"]
    assert got["path"] == want, f"{call}: the path was {got['path']!r}, expected {expected(want)}"
    want = [f'agent: calls city_population(city="{city.title()}")', f"tools: city_population -> {people}",
            f"agent: calls multiply(a={people}, b={factor})", f"tools: multiply -> {people * factor}",
            f"agent: answers {final}"]
    assert isinstance(got["trace"], list) and len(got["trace"]) == len(want), (
        f"{call}: the trace was {got['trace']!r:.800}: one line per tool call round, per tool message and for "
        "the answer (5 lines here)"
    )
    wrong = [i for i, (line, w) in enumerate(zip(got["trace"], want)) if line != w]
    assert not wrong, (
        f"{call}: trace line(s) {wrong} differ from the statement's format; the trace was {got['trace']!r:.800}, "
        f"expected {expected(want)}"
    )


@shows_expected
@points(1)
def test_run_graph_reports_the_step_limit(student, llm):
    rng = submission_rng(f"{SLUG}:stopped")
    a, b = (int(x) for x in rng.integers(1, 100, size=2))
    llm.script(tool_call("add", {"a": a, "b": b}, id=_ids(rng, 1)[0]))
    graph = student.build_agent(student.make_model(), 1)
    call, got = _run(student, graph, "Add forever.", "build_agent(make_model(), 1)")
    assert llm.calls == 1, f"{call}: with max_agent_calls=1 the model was called {llm.calls} times"
    assert (got["answer"], got["stopped"]) == (None, "step_limit"), (
        f"{call}: the only reply was a tool call and the limit was reached; run_graph returned "
        f"answer={got['answer']!r}, stopped={got['stopped']!r}"
    )
    assert got["path"] == ["agent"], f"{call}: the path was {got['path']!r}: only the agent node ran"
    want = [f"agent: calls add(a={a}, b={b})"]
    assert got["trace"] == want, f"{call}: the trace was {got['trace']!r}, expected {expected(want)}"


@shows_expected
@points(1)
def test_triage_sends_small_talk_to_the_chat_node(student, llm):
    rng = submission_rng(f"{SLUG}:chat")
    label = str(rng.choice(["chat", " Chat.\n", "CHAT", "chat."]))
    question = _question(rng)
    reply = f"Nice to meet you, {WORDS[int(rng.integers(0, len(WORDS)))]}."
    llm.script(label, reply)
    graph = student.build_assistant(student.make_model(), 3)
    call, got = _run(student, graph, question, "build_assistant(make_model(), 3)")
    assert llm.calls == 2, f"{call}: the model was called {llm.calls} times; triage then chat is 2 calls"
    triage, chat = llm.requests
    want = [("system", TRIAGE_PROMPT), ("user", question)]
    assert _sent(triage) == want and not triage.get("tools"), (
        f"{call}: the triage request sent {_sent(triage)!r:.500} with tools {_tool_names(triage)}: expected "
        f"{expected(want)} and no tools"
    )
    want = [("system", CHAT_PROMPT), ("user", question)]
    assert _sent(chat) == want and not chat.get("tools"), (
        f"{call}: the model labelled the question {label!r}; the next request sent {_sent(chat)!r:.500} with tools "
        f"{_tool_names(chat)}: expected the chat node's {expected(want)} and no tools"
    )
    assert got["path"] == ["triage", "chat"] and got["answer"] == reply, (
        f"{call}: run_graph returned path={got['path']!r}, answer={got['answer']!r}"
    )
    want = ["triage: chat", f"chat: answers {reply}"]
    assert got["trace"] == want, f"{call}: the trace was {got['trace']!r}, expected {expected(want)}"


@shows_expected
@points(1)
def test_triage_sends_tool_questions_to_the_agent(student, llm):
    rng = submission_rng(f"{SLUG}:tools")
    label = str(rng.choice(["tools", " Tools.\n", "TOOLS", "tools."]))
    a, b = (int(x) for x in rng.integers(100, 1000, size=2))
    question = f"What is {a} + {b}?"
    final = f"It is {a + b}."
    llm.script(label, tool_call("add", {"a": a, "b": b}, id=_ids(rng, 1)[0]), final)
    graph = student.build_assistant(student.make_model(), 3)
    call, got = _run(student, graph, question, "build_assistant(make_model(), 3)")
    assert llm.calls == 3, f"{call}: the model was called {llm.calls} times; triage, agent, agent is 3"
    agent = llm.requests[1]
    want = [("system", AGENT_PROMPT), ("user", question)]
    assert _sent(agent) == want, (
        f"{call}: the model labelled the question {label!r}; the agent's first request sent {_sent(agent)!r:.500}, "
        f"expected {expected(want)}: the triage label is not part of the conversation (keep it in `route`, not "
        "in `messages`)"
    )
    assert _tool_names(agent) == TOOL_NAMES, f"{call}: the agent's request offered the tools {_tool_names(agent)}"
    want = ["triage", "agent", "tools", "agent"]
    assert got["path"] == want, f"{call}: the path was {got['path']!r}, expected {expected(want)}"
    assert got["trace"][:1] == ["triage: tools"] and got["answer"] == final, (
        f"{call}: run_graph returned answer={got['answer']!r} and the trace {got['trace']!r:.600}"
    )


@points(1)
def test_triage_keeps_its_route_in_the_state(student, llm):
    rng = submission_rng(f"{SLUG}:route")
    label = str(rng.choice(["maybe", "search", "calculator", "I think tools", "tool"]))
    question = _question(rng)
    llm.script(label, "Happy to help.")
    graph = student.build_assistant(student.make_model(), 3)
    call, state, messages = _invoke(graph, question, "build_assistant(make_model(), 3)")
    assert llm.calls == 2, f"{call}: the model was called {llm.calls} times; triage then chat is 2"
    assert state.get("route") == "chat", (
        f"{call}: the model labelled the question {label!r}, and the final state has route={state.get('route')!r}: "
        "any label other than 'tools' (once normalised) means 'chat'"
    )
    assert llm.requests[1]["messages"][0].get("content") == CHAT_PROMPT, (
        f"{call}: the second request's system message was {llm.requests[1]['messages'][0].get('content')!r:.200}"
    )
    assert _types(messages) == ["human", "ai"] and state.get("agent_calls") == 0, (
        f"{call}: the final state has the message types {_types(messages)} and agent_calls="
        f"{state.get('agent_calls')!r}: the question and the chat reply, and no agent call"
    )
