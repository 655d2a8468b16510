"""Hidden grader for agents/autogen-team.

The student's functions build AutoGen agents and teams on OpenAIChatCompletionClient and run them (each call
is one `asyncio.run`); the scripted model plays every agent. It tells them apart by the system prompt (the
starter's constants), and the selector of a SelectorGroupChat by its request having no system message.
Questions, numbers, drafts, call ids, the team's message limit and the selector's choices are drawn per
submission (submission_rng). The requests each agent sent and the summaries the student returns are checked.
"""

from gradient_grader import (
    ModelError,
    StudentError,
    expected,
    points,
    shows_expected,
    submission_rng,
    tool_call,
)

LLM = {"budget_tokens": 30000, "budget_calls": 8, "tokens": "words", "model": "gradient-scripted"}

SLUG = "agents/autogen-team"
MAX_TOOL_ROUNDS = 3
APPROVAL = "APPROVE"
CALCULATOR_PROMPT = "You are a careful calculator. Use the tools for arithmetic and for city populations. Answer briefly."
WRITER_PROMPT = "You are a writer. Write a short text for the task. When the critic gives feedback, rewrite your text."
CRITIC_PROMPT = (
    "You are a critic. Review the writer's latest text. Reply APPROVE if it is good; otherwise say briefly what "
    "to improve."
)
RESEARCHER_PROMPT = "You are a researcher. Look up the facts the task needs with your tool and report them briefly."
DESCRIPTIONS = {
    "researcher": "Looks up city populations with a tool.",
    "writer": "Writes the text, and rewrites it after feedback.",
    "critic": "Reviews the latest text and approves it or asks for changes.",
}
ROLE_OF_PROMPT = {WRITER_PROMPT: "writer", CRITIC_PROMPT: "critic", RESEARCHER_PROMPT: "researcher",
                  CALCULATOR_PROMPT: "calculator"}
TOOL_NAMES = ["add", "city_population", "multiply"]
POPULATIONS = {
    "oslo": 709037, "lima": 10092000, "cairo": 10100166, "hanoi": 8435700, "quito": 2800388, "perth": 2309338,
    "lagos": 15388000, "porto": 231800, "turin": 841600, "busan": 3349016, "tbilisi": 1202731, "dakar": 1438725,
}
NOWHERE = ["Atlantis", "El Dorado", "Shangri-La", "Lemuria", "Hyperborea", "Xanadu"]
WORDS = ["river", "lantern", "harvest", "orbit", "meadow", "signal", "copper", "harbour", "violet", "engine",
         "garden", "thunder", "pepper", "marble", "window", "falcon", "compass", "ember", "glacier", "ribbon"]
FEEDBACK = ["Make it shorter.", "Add a concrete detail.", "Use simpler words.", "End with a question.",
            "Mention the season.", "Cut the adjectives."]


def _number(value):
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))


def _ids(rng, n):
    return [f"call_{int(rng.integers(16 ** 7, 16 ** 8)):x}" for _ in range(n)]


def _words(rng, n):
    return " ".join(WORDS[int(i)] for i in rng.integers(0, len(WORDS), size=n))


def _question(rng):
    return _words(rng, 5).capitalize() + "?"


def _sent(request):
    """(role, name, content) of each message of a request, as the model received it."""
    return [(m.get("role"), m.get("name"), m.get("content")) for m in request["messages"]]


def _roles(request):
    return [m.get("role") for m in request["messages"]]


def _tool_names(request):
    return sorted(str(t.get("function", {}).get("name")) for t in request.get("tools") or [])


def _system(request):
    first = request["messages"][0]
    return first.get("content") if first.get("role") == "system" else None


def _who(request):
    """Which agent sent a request: its system prompt's role, "selector" without one, "?" for another prompt."""
    system = _system(request)
    return "selector" if system is None else ROLE_OF_PROMPT.get(system, "?")


def _ask(student, question):
    call = f"ask_calculator({question!r})"
    try:
        got = student.ask_calculator(question)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:600]}") from None
    assert isinstance(got, dict) and "answer" in got and "calls" in got, (
        f"{call} should return a dict with the keys 'answer' and 'calls'; got {got!r:.300}"
    )
    assert isinstance(got["calls"], list), f"{call}: 'calls' should be a list, got {got['calls']!r:.300}"
    return call, got


def _team(student, function, task, max_messages):
    call = f"{function}({task!r}, max_messages={max_messages})"
    try:
        got = getattr(student, function)(task, max_messages=max_messages)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:600]}") from None
    missing = [k for k in ("speakers", "final_answer", "stop") if not isinstance(got, dict) or k not in got]
    assert not missing, f"{call} returned {got!r:.300}, which lacks the key(s) {missing}"
    return call, got


class Playwright:
    """Answers the team's agents by their system prompts: the writer's drafts in turn, the critic's feedback
    until its `approve_on`-th review (which approves), the researcher's tool call and then its facts, and the
    selector's picks from `picks`. Records who spoke, in the order the requests came."""

    def __init__(self, rng, approve_on, picks=(), city="oslo", call_id="call_1", tag_first_draft=False):
        self.drafts = [f"Draft {i + 1}: {_words(rng, 6)}." for i in range(12)]
        if tag_first_draft:
            self.drafts[0] = self.drafts[0] + f" I hope you {APPROVAL} of it."
        self.feedback = [FEEDBACK[int(i)] for i in rng.integers(0, len(FEEDBACK), size=12)]
        self.approval = str(rng.choice([f"Well done. {APPROVAL}", f"{APPROVAL}", f"{APPROVAL}: it reads well.",
                                        f"Good now. {APPROVAL}."]))
        self.approve_on, self.picks, self.city, self.call_id = approve_on, list(picks), city, call_id
        self.facts = f"{city.title()} has {POPULATIONS[city]} people."
        self.order, self.written, self.reviews = [], [], 0

    def __call__(self, request):
        who = _who(request)
        self.order.append(who)
        if who == "selector":
            picked = sum(1 for w in self.order if w == "selector")
            return self.picks[picked - 1] if picked <= len(self.picks) else "critic"
        if who == "writer":
            self.written.append(self.drafts[len(self.written) % len(self.drafts)])
            return self.written[-1]
        if who == "critic":
            self.reviews += 1
            return self.approval if self.reviews == self.approve_on else self.feedback[self.reviews - 1]
        if who == "researcher":
            if request["messages"][-1].get("role") == "tool":
                return self.facts
            return tool_call("city_population", {"city": self.city.title()}, id=self.call_id)
        return "I am not sure what to say."

    def requests_of(self, llm, who):
        return [r for r, w in zip(llm.requests, self.order) if w == who]


@shows_expected
@points(1)
def test_the_client_is_set_up_for_the_scripted_model(student, llm):
    try:
        info = student.make_client().model_info
    except StudentError as error:
        raise AssertionError(f"make_client().model_info raised {error.type_name}: {error.message[:600]}") from None
    assert isinstance(info, dict), f"make_client().model_info is {info!r:.200}, expected a ModelInfo dict"
    want = {"vision": False, "function_calling": True, "json_output": False, "structured_output": False,
            "family": "unknown"}
    got = {key: info.get(key) for key in want}
    assert got == want, (
        f"make_client().model_info has {got!r}, expected {want!r}: AutoGen does not know the model "
        "'gradient-scripted', so the client must be told what it can do (function_calling, for the tools)"
    )
    llm.script(ModelError(503, "The model is overloaded."))
    rng = submission_rng(f"{SLUG}:retries")
    question = _question(rng)
    try:
        got = student.ask_calculator(question)
    except StudentError:
        got = None
    assert got is None, (
        f"ask_calculator({question!r}): the model answered HTTP 503, and the call returned {got!r:.200} instead "
        "of raising the client's error"
    )
    assert llm.calls == 1, (
        f"ask_calculator({question!r}): the model answered HTTP 503 and was asked {llm.calls} times: create the "
        "client with max_retries=0, so a failing request is not repeated"
    )


@shows_expected
@points(1)
def test_the_calculator_sends_its_prompt_and_tools(student, llm):
    rng = submission_rng(f"{SLUG}:direct")
    question = _question(rng)
    answer = f"{WORDS[int(rng.integers(0, len(WORDS)))].title()} is the word."
    llm.script(answer)
    call, got = _ask(student, question)
    assert llm.calls == 1, f"{call}: a text answer ends the run, but the model was called {llm.calls} times"
    request = llm.requests[0]
    assert request.get("model") == "gradient-scripted" and request.get("temperature") == 0, (
        f"{call}: the request asked for model {request.get('model')!r} at temperature {request.get('temperature')!r}: "
        "make_client() should give OpenAIChatCompletionClient(model='gradient-scripted', ..., temperature=0)"
    )
    sent = [(role, content) for role, _, content in _sent(request)]
    want = [("system", CALCULATOR_PROMPT), ("user", question)]
    assert sent == want, f"{call}: the calculator sent {sent!r:.600}, expected {want!r}"
    assert _tool_names(request) == TOOL_NAMES, (
        f"{call}: the calculator offered the tools {_tool_names(request)}, expected {TOOL_NAMES} (tools=TOOLS)"
    )
    assert got == {"answer": answer, "calls": []}, (
        f"{call}: the model answered {answer!r} with no tool call; ask_calculator returned {got!r:.400}"
    )


@points(2)
def test_the_tool_result_goes_back_to_the_model(student, llm):
    rng = submission_rng(f"{SLUG}:reflect")
    a, b = (int(x) for x in rng.integers(100, 1000, size=2))
    call_id = _ids(rng, 1)[0]
    final = f"{a} + {b} is {a + b}."
    llm.script(tool_call("add", {"a": a, "b": b}, id=call_id), final)
    call, got = _ask(student, f"What is {a} + {b}?")
    assert llm.calls == 2, (
        f"{call}: the model asked for add(a={a}, b={b}); it was called {llm.calls} time(s) in all. After the tool "
        "runs, its result must go back to the model for the final answer: reflect_on_tool_use=True (without it "
        "the agent's reply is the bare tool result)"
    )
    second = llm.requests[1]
    assert _roles(second) == ["system", "user", "assistant", "tool"], (
        f"{call}: the second request's roles were {_roles(second)}: the prompt, the question, the model's tool "
        "call and the tool's result"
    )
    tool = second["messages"][3]
    want = _number(a + b)
    assert tool.get("tool_call_id") == call_id and tool.get("content") == want, (
        f"{call}: the tool message after add(a={a}, b={b}) was {tool!r:.300}: expected the call's id and the "
        f"content {expected(want)}"
    )
    reply = final
    assert got["answer"] == final, (
        f"{call}: the model's last reply was {reply!r}, and ask_calculator returned the answer {got['answer']!r:.300}"
    )
    want = [{"name": "add", "arguments": {"a": a, "b": b}, "result": _number(a + b), "is_error": False}]
    assert got["calls"] == want, f"{call}: 'calls' was {got['calls']!r:.500}, expected {expected(want)}"


@points(1)
def test_tools_can_be_chained(student, llm):
    rng = submission_rng(f"{SLUG}:chain")
    city = str(rng.choice(sorted(POPULATIONS)))
    people, factor = POPULATIONS[city], int(rng.integers(2, 9))
    ids = _ids(rng, 2)
    final = f"About {people * factor} people."
    llm.script(tool_call("city_population", {"city": city.title()}, id=ids[0]),
               tool_call("multiply", {"a": people, "b": factor}, id=ids[1]),
               final)
    question = f"{factor} times the people of {city.title()}?"
    try:
        call, got = _ask(student, question)
    except AssertionError as error:
        if llm.calls >= 2 and not llm.requests[1].get("tools"):
            raise AssertionError(
                f"{error} -- after city_population, the model's second request offered no tools, so it could not "
                f"go on with multiply: let the agent run up to MAX_TOOL_ROUNDS={MAX_TOOL_ROUNDS} rounds of tool "
                "calls (max_tool_iterations)"
            ) from None
        raise
    assert llm.calls == 3, (
        f"{call}: the model called city_population, then multiply, then answered; it was called {llm.calls} times"
    )
    assert _tool_names(llm.requests[1]) == TOOL_NAMES, (
        f"{call}: the second request offered the tools {_tool_names(llm.requests[1])}: after one round of tool "
        f"calls the model may call tools again, up to MAX_TOOL_ROUNDS={MAX_TOOL_ROUNDS} rounds (max_tool_iterations)"
    )
    tools = [(m.get("tool_call_id"), m.get("content")) for m in llm.requests[2]["messages"] if m.get("role") == "tool"]
    want = [(ids[0], str(people)), (ids[1], _number(people * factor))]
    assert tools == want, f"{call}: the third request's tool messages were {tools!r}, expected {expected(want)}"
    names = [c.get("name") if isinstance(c, dict) else c for c in got["calls"]]
    assert names == ["city_population", "multiply"] and got["answer"] == final, (
        f"{call}: ask_calculator returned answer={got['answer']!r:.200} and calls to {names!r}"
    )


@shows_expected
@points(1)
def test_tool_rounds_are_capped(student, llm):
    rng = submission_rng(f"{SLUG}:cap")
    start = int(rng.integers(1, 50))
    ids = iter(_ids(rng, 8))
    llm.budget(tokens=30000, calls=MAX_TOOL_ROUNDS + 3)

    def keep_counting(request):
        if request.get("tools"):
            return tool_call("add", {"a": start + llm.calls, "b": 1}, id=next(ids))
        return f"I stopped at {start + llm.calls}."

    llm.respond(keep_counting)
    call, got = _ask(student, "Count up forever.")
    assert llm.calls == MAX_TOOL_ROUNDS + 1, (
        f"{call}: the model asks for a tool whenever it may; it was called {llm.calls} times. The agent should "
        f"allow MAX_TOOL_ROUNDS={MAX_TOOL_ROUNDS} rounds of tool calls (max_tool_iterations), then ask the model "
        "once more, without tools, for its answer (reflect_on_tool_use=True)"
    )
    last = llm.requests[-1]
    assert not last.get("tools"), f"{call}: the last request offered tools {_tool_names(last)}; the reflection offers none"
    want = f"I stopped at {start + MAX_TOOL_ROUNDS + 1}."
    assert got["answer"] == want and len(got["calls"]) == MAX_TOOL_ROUNDS, (
        f"{call}: ask_calculator returned answer={got['answer']!r:.200} with {len(got['calls'])} call(s); expected "
        f"answer={want!r} and {MAX_TOOL_ROUNDS} calls"
    )


@points(1)
def test_tool_errors_reach_the_model(student, llm):
    rng = submission_rng(f"{SLUG}:errors")
    place = str(rng.choice(NOWHERE))
    x = int(rng.integers(2, 50))
    ids = _ids(rng, 2)
    final = "I could not find that."
    llm.script({"content": None, "tool_calls": [tool_call("city_population", {"city": place}, id=ids[0]),
                                                tool_call("divide", {"a": x, "b": 2}, id=ids[1])]},
               final)
    call, got = _ask(student, f"How many people live in {place}, halved?")
    assert llm.calls == 2, f"{call}: the model was called {llm.calls} times; after the failed tools it should be asked again"
    tools = {m.get("tool_call_id"): str(m.get("content")) for m in llm.requests[1]["messages"] if m.get("role") == "tool"}
    assert "no population known" in tools.get(ids[0], ""), (
        f"{call}: the tool message for city_population(city={place!r}) was {tools.get(ids[0])!r:.300}: it should "
        "carry the tool's error text"
    )
    assert tools.get(ids[1]) is not None, f"{call}: the call of divide (no such tool) got no tool message: {tools!r:.300}"
    calls = got["calls"]
    assert len(calls) == 2 and all(isinstance(c, dict) for c in calls), f"{call}: 'calls' was {calls!r:.500}"
    assert [c.get("is_error") for c in calls] == [True, True], (
        f"{call}: both calls failed (an unknown city, an unknown tool); 'calls' was {calls!r:.500}: is_error should be "
        "True for each"
    )
    assert [c.get("result") for c in calls] == [tools.get(ids[0]), tools.get(ids[1])], (
        f"{call}: each call's 'result' should be the text its tool message carried to the model; 'calls' was "
        f"{calls!r:.500}"
    )
    assert got["answer"] == final, f"{call}: ask_calculator returned the answer {got['answer']!r:.200}"


@points(1)
def test_each_question_starts_a_fresh_conversation(student, llm):
    rng = submission_rng(f"{SLUG}:fresh")
    first, second = _question(rng), _question(rng)
    llm.script("First answer.", "Second answer.")
    _ask(student, first)
    call, got = _ask(student, second)
    sent = [(role, content) for role, _, content in _sent(llm.requests[1])]
    want = [("system", CALCULATOR_PROMPT), ("user", second)]
    assert sent == want, (
        f"{call} (after ask_calculator({first!r})): the request sent {sent!r:.600}: each call should build its own "
        "client and agent, so no earlier question is part of the conversation"
    )
    assert got["answer"] == "Second answer.", f"{call}: ask_calculator returned the answer {got['answer']!r:.200}"


@points(2)
def test_the_team_takes_turns_until_the_critic_approves(student, llm):
    rng = submission_rng(f"{SLUG}:team")
    task = f"Write two lines about the {_words(rng, 2)}."
    play = Playwright(rng, approve_on=2)
    llm.respond(play)
    call, got = _team(student, "run_team", task, 8)
    assert play.order[:4] == ["writer", "critic", "writer", "critic"], (
        f"{call}: the agents called the model in the order {play.order}: the writer speaks first, then the critic, "
        "in turn (RoundRobinGroupChat([writer, critic], ...), each with its own system prompt)"
    )
    assert llm.calls == 4, (
        f"{call}: the critic approved in its second review, and the model was called {llm.calls} times: the team "
        f"should stop there (TextMentionTermination({APPROVAL!r}, ...))"
    )
    draft1, draft2 = play.written[:2]
    critic = _sent(llm.requests[1])
    want = [("system", None, CRITIC_PROMPT), ("user", "user", task), ("user", "writer", draft1)]
    assert critic == want, f"{call}: the critic's first request sent {critic!r:.700}, expected {expected(want)}"
    writer = _sent(llm.requests[2])
    want = [("system", None, WRITER_PROMPT), ("user", "user", task), ("assistant", None, draft1),
            ("user", "critic", play.feedback[0])]
    assert writer == want, f"{call}: the writer's second request sent {writer!r:.700}, expected {expected(want)}"
    assert got["speakers"] == ["user", "writer", "critic", "writer", "critic"], (
        f"{call}: 'speakers' was {got['speakers']!r}: the source of every chat message of the run, the task first"
    )
    assert got["stop"] == "approved", f"{call}: the critic approved, and 'stop' was {got['stop']!r}"
    assert got["final_answer"] == draft2, (
        f"{call}: the writer's drafts were {play.written!r} and the critic's last message {play.approval!r}; "
        f"'final_answer' was {got['final_answer']!r:.300}: it is the writer's last draft"
    )


@points(1)
def test_the_team_stops_at_max_messages(student, llm):
    rng = submission_rng(f"{SLUG}:limit")
    max_messages = int(rng.integers(3, 8))
    task = f"Describe the {_words(rng, 2)}."
    play = Playwright(rng, approve_on=0)
    llm.budget(tokens=30000, calls=max_messages + 1)
    llm.respond(play)
    call, got = _team(student, "run_team", task, max_messages)
    assert llm.calls == max_messages - 1, (
        f"{call}: the critic never approves; the model was called {llm.calls} times. The team should stop when "
        f"the run holds max_messages={max_messages} messages, the task included (MaxMessageTermination)"
    )
    want = ["user"] + ["writer", "critic"] * max_messages
    want = want[:max_messages]
    assert got["speakers"] == want, f"{call}: 'speakers' was {got['speakers']!r}, expected {expected(want)}"
    assert got["stop"] == "max_messages", f"{call}: nobody approved, and 'stop' was {got['stop']!r}"
    last = play.written[-1]
    assert got["final_answer"] == last, (
        f"{call}: the writer's drafts were {play.written!r}; 'final_answer' was {got['final_answer']!r:.300}"
    )


@points(1)
def test_only_the_critic_can_approve(student, llm):
    rng = submission_rng(f"{SLUG}:sources")
    task = f"Write a slogan for the {_words(rng, 2)}."
    play = Playwright(rng, approve_on=2, tag_first_draft=True)
    llm.respond(play)
    call, got = _team(student, "run_team", task, 8)
    first = play.written[0]
    assert llm.calls == 4, (
        f"{call}: the writer's first draft was {first!r}, and the critic approved in its second review; the "
        f"model was called {llm.calls} times. Only the critic's {APPROVAL} ends the run: a writer who quotes the "
        "word does not (TextMentionTermination's sources)"
    )
    assert got["speakers"] == ["user", "writer", "critic", "writer", "critic"] and got["stop"] == "approved", (
        f"{call}: 'speakers' was {got['speakers']!r} and 'stop' {got['stop']!r}"
    )
    last = play.written[-1]
    assert got["final_answer"] == last, (
        f"{call}: the writer's drafts were {play.written!r}; 'final_answer' was {got['final_answer']!r:.300}"
    )


@points(2)
def test_the_panel_follows_the_selector(student, llm):
    rng = submission_rng(f"{SLUG}:panel")
    plans = [["researcher", "writer", "critic"], ["researcher", "writer", "critic", "writer", "critic"],
             ["writer", "critic", "researcher", "writer", "critic"]]
    picks = plans[int(rng.integers(0, len(plans)))]
    city = str(rng.choice(sorted(POPULATIONS)))
    play = Playwright(rng, approve_on=picks.count("critic"), picks=picks, city=city, call_id=_ids(rng, 1)[0])
    llm.budget(tokens=40000, calls=2 * len(picks) + 3)
    llm.respond(play)
    task = f"Write one line about the size of {city.title()}."
    call, got = _team(student, "run_panel", task, 10)
    selector = play.requests_of(llm, "selector")
    assert selector, (
        f"{call}: no request came from a speaker selector (every request had a system prompt; the agents called "
        f"the model in the order {play.order}): the panel is a SelectorGroupChat whose model picks each speaker"
    )
    text = "\n".join(str(m.get("content")) for m in selector[0]["messages"])
    missing = [name for name, description in DESCRIPTIONS.items() if f"{name}: {description}" not in text]
    assert not missing, (
        f"{call}: the selector's first request does not list {missing} with the description(s) the statement gives "
        f"(AssistantAgent(..., description=...)); it read {text[:700]!r}"
    )
    order = play.order
    spoke = [w for i, w in enumerate(order) if w in DESCRIPTIONS and (i == 0 or order[i - 1] != w)]  # turns
    assert picks == spoke and got["speakers"][:1] == ["user"] and got["speakers"][1:] == spoke, (
        f"{call}: the selector picked {picks!r} in turn; the agents that called the model were {play.order!r} "
        f"(selector requests included) and 'speakers' was {got['speakers']!r}: the tool events of the researcher "
        "are not chat messages"
    )
    researcher = play.requests_of(llm, "researcher")
    assert _tool_names(researcher[0]) == ["city_population"], (
        f"{call}: the researcher offered the tools {_tool_names(researcher[0])}: it has city_population only"
    )
    assert len(researcher) == 2 and researcher[1]["messages"][-1].get("content") == str(POPULATIONS[city]), (
        f"{call}: the researcher made {len(researcher)} request(s): after its city_population call it should send "
        "the tool's result back to the model for its report (reflect_on_tool_use=True)"
    )
    last = play.written[-1]
    assert got["stop"] == "approved" and got["final_answer"] == last, (
        f"{call}: the writer's drafts were {play.written!r} and the critic approved the last; run_panel returned "
        f"stop={got['stop']!r}, final_answer={got['final_answer']!r:.300}"
    )
