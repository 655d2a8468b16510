"""Hidden grader for agents/crewai-crew.

The tests build the student's crew (`build_crew(make_llm(), max_words)`, a handle) and run it through the
student's `run_crew`, against the scripted model: the researcher's tool calls, the notes, paragraphs and
headlines, call ids, topics and word limits are drawn per submission (`submission_rng`). CrewAI itself turns
each agent and task into the requests, so the tests check what reached the model (the agent's role, goal and
backstory, the task with its topic, the tools offered, the tool results, the context handed from one task to
the next, the guardrail's feedback) and what `run_crew` reports (each task's name, agent and output, in order).
"""

import re

import pytest

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng, tool_call

LLM = {"budget_tokens": 5000, "budget_calls": 7, "tokens": "words", "model": "gradient-scripted"}

SLUG = "agents/crewai-crew"
MODEL = "gradient-scripted"

NOTES = {
    "honeybees": [
        "A honeybee colony can hold 60,000 workers in summer.",
        "Honeybees tell each other where flowers are with a waggle dance.",
        "A worker bee makes about a twelfth of a teaspoon of honey in her life.",
    ],
    "octopuses": [
        "An octopus has three hearts and blue blood.",
        "Most of an octopus's neurons are in its arms.",
    ],
    "glaciers": [
        "Glaciers hold about two thirds of the world's fresh water.",
        "A glacier flows downhill under its own weight.",
    ],
    "volcanoes": [
        "About 1,350 volcanoes on land could erupt again.",
        "Lava can be hotter than 1,100 degrees Celsius.",
    ],
    "owls": [
        "Owls cannot move their eyes, so they turn their heads instead.",
        "An owl can turn its head about 270 degrees.",
    ],
    "tides": [
        "Tides are raised mostly by the pull of the Moon.",
        "Most coasts have two high tides a day.",
    ],
    "lightning": [
        "A lightning bolt is about five times hotter than the surface of the Sun.",
        "You see lightning before you hear thunder because light is faster than sound.",
    ],
    "bamboo": [
        "Some bamboo grows almost a metre in a day.",
        "Bamboo is a grass, not a tree.",
    ],
    "penguins": [
        "Penguins cannot fly, but they swim fast.",
        "Emperor penguins huddle together to survive the winter.",
    ],
    "coral reefs": [
        "Coral reefs cover less than one percent of the ocean floor.",
        "About a quarter of all sea species live on coral reefs.",
    ],
    "comets": [
        "The tail of a comet always points away from the Sun.",
        "Comets are balls of ice, dust and rock.",
    ],
    "deserts": [
        "Antarctica is the largest desert on Earth.",
        "A desert gets less than 250 millimetres of rain a year.",
    ],
}
TOPICS = sorted(NOTES)

RESEARCHER = {
    "role": "Researcher",
    "goal": "Collect accurate facts about {topic} from the notes",
    "backstory": "You check every fact against the notes before you report it.",
}
WRITER = {
    "role": "Writer",
    "goal": "Explain {topic} to a curious reader",
    "backstory": "You write short, plain paragraphs and punchy headlines.",
}
RESEARCH = {
    "description": "Find the key facts about {topic}. Search the notes with the search_notes tool.",
    "expected_output": "A bullet list of facts about {topic}, taken from the notes.",
}
WRITE = {
    "description": "Write one paragraph about {topic} for a general reader, using only the research.",
    "expected_output": "One paragraph of at most {max_words} words.",
}
HEADLINE = {
    "description": "Write a headline for the paragraph about {topic}.",
    "expected_output": "One headline of at most 10 words, without a full stop.",
}
WORDS = ["river", "lantern", "harvest", "orbit", "meadow", "signal", "copper", "harbour", "violet", "engine",
         "garden", "thunder", "pepper", "marble", "window", "falcon", "compass", "ember", "glacial", "ribbon"]


# ---------------------------------------------------------------- drawing the scripted run
def _ids(rng, n):
    return [f"call_{int(rng.integers(16 ** 7, 16 ** 8)):x}" for _ in range(n)]


def _words(rng, n):
    return [WORDS[int(i)] for i in rng.integers(0, len(WORDS), size=n)]


def _notes_answer(rng, topic):
    """The researcher's final answer: a bullet list of the topic's facts and a drawn marker line."""
    facts = [f"- {fact}" for fact in NOTES[topic]]
    return "\n".join([*facts, f"- Marker: {' '.join(_words(rng, 3))}."])


def _paragraph(rng, n):
    return " ".join(_words(rng, n)).capitalize() + "."


def _headline(rng):
    return " ".join(w.title() for w in _words(rng, 4))


def _search(query):
    wanted = query.lower()
    facts = [fact for topic, lines in NOTES.items() if topic in wanted for fact in lines]
    return "\n".join(facts) if facts else f"No notes found for: {query}"


def _fill(template, **values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


# ---------------------------------------------------------------- reading requests
def _text(message):
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _role_text(request, role):
    return "\n".join(_text(m) for m in request["messages"] if m.get("role") == role)


def _tool_names(request):
    return sorted(str(t.get("function", {}).get("name")) for t in request.get("tools") or [])


def _who(request):
    """Which agent sent a request, by its system message: 'Researcher', 'Writer' or '?'."""
    system = _role_text(request, "system")
    for role in ("Researcher", "Writer"):
        if f"You are {role}" in system:
            return role
    return "?"


def _task_of(request):
    """Which task a request is for, by the task's description in its user message."""
    user = _role_text(request, "user")
    for name, task in (("research", RESEARCH), ("write", WRITE), ("headline", HEADLINE)):
        if task["description"].split("{topic}")[0] in user:
            return name
    return "?"


def _context(request):
    """The context CrewAI hands a task: the text after "This is the context you're working with:"."""
    user = _role_text(request, "user")
    marker = "This is the context you're working with:"
    if marker not in user:
        return None
    return user.split(marker, 1)[1].split("Provide your complete response:", 1)[0].strip()


def _build(student, max_words):
    call = f"build_crew(make_llm(), {max_words})"
    try:
        return call, student.build_crew(student.make_llm(), max_words)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:600]}") from None


def _run(student, llm, crew, topic, built):
    call = f"run_crew({built}, {topic!r})"
    try:
        got = student.run_crew(crew, topic)
    except StudentError as error:
        seen = "; ".join(_labels(llm)) or "none"
        hint = ""
        if llm.requests and _task_of(llm.requests[0]) != "research":
            hint = (": the first request was not the research task's, so the answers meant for the researcher (a "
                    "tool call, the notes) went to another task; the research task must run first")
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:600]} (requests the model received: {seen}){hint}"
        ) from None
    assert isinstance(got, dict) and {"final", "tasks"} <= set(got), (
        f"{call} should return a dict with the keys 'final' and 'tasks'; got {got!r:.300}"
    )
    return call, got


def _script_happy_run(rng, llm, topic, max_words):
    """A whole run: search_notes(topic), the notes, a paragraph within the limit, a headline."""
    query = str(rng.choice([topic, topic.title(), f"facts about {topic}", f"{topic.upper()} basics"]))
    call_id = _ids(rng, 1)[0]
    notes = _notes_answer(rng, topic)
    paragraph = _paragraph(rng, int(rng.integers(8, max_words - 2)))
    headline = _headline(rng)
    llm.script(tool_call("search_notes", {"query": query}, id=call_id), notes, paragraph, headline)
    return query, call_id, notes, paragraph, headline


def _labels(llm):
    return [f"{_who(r)} on the {_task_of(r)} task" for r in llm.requests]


# ---------------------------------------------------------------- the tests
@shows_expected
@points(1)
def test_the_researcher_gets_its_agent_and_task_and_the_tool(student, llm):
    rng = submission_rng(f"{SLUG}:research")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    _script_happy_run(rng, llm, topic, max_words)
    call, _ = _run(student, llm, crew, topic, built)
    first = llm.requests[0]
    assert first.get("model") == MODEL and first.get("temperature") == 0, (
        f"{call}: the first request asked for model {first.get('model')!r} at temperature {first.get('temperature')!r}: "
        "make_llm() should give LLM(model='gradient-scripted', provider='openai', temperature=0, max_retries=0)"
    )
    system, user = _role_text(first, "system"), _role_text(first, "user")
    for what, text in (("role", RESEARCHER["role"]), ("goal", _fill(RESEARCHER["goal"], topic=topic)),
                       ("backstory", RESEARCHER["backstory"])):
        assert text in system, (
            f"{call}: the first request should come from the researcher; its system message {system!r:.500} lacks "
            f"the researcher's {what} {expected(text)} (with the topic filled in)"
        )
    for what, text in (("description", _fill(RESEARCH["description"], topic=topic)),
                       ("expected output", _fill(RESEARCH["expected_output"], topic=topic))):
        assert text in user, (
            f"{call}: the first request should be for the research task; its user message {user!r:.600} lacks the "
            f"task's {what} {expected(text)}: the tasks' texts keep their {{topic}} placeholder, which kickoff(inputs=...) fills in"
        )
    assert _tool_names(first) == ["search_notes"], (
        f"{call}: the researcher's request offered the tools {_tool_names(first)}: it should offer search_notes, "
        "and nothing else (no delegation tools: allow_delegation=False)"
    )
    params = next(t["function"].get("parameters") or {} for t in first["tools"])
    assert sorted(params.get("properties") or {}) == ["query"], (
        f"{call}: the search_notes tool's parameters were {params!r:.300}: it takes one argument, query (a str)"
    )


@points(2)
def test_tool_results_go_back_to_the_researcher(student, llm):
    rng = submission_rng(f"{SLUG}:tool")
    topic, other = (str(t) for t in rng.choice(TOPICS, size=2, replace=False))
    max_words = int(rng.integers(20, 41))
    queries = [str(rng.choice([f"{topic} and {other}", f"{other.title()} versus {topic.title()}"])),
               f"{' '.join(_words(rng, 2))} trivia"]
    ids = _ids(rng, 2)
    notes = _notes_answer(rng, topic)
    llm.script(tool_call("search_notes", {"query": queries[0]}, id=ids[0]),
               tool_call("search_notes", {"query": queries[1]}, id=ids[1]),
               notes, _paragraph(rng, 10), _headline(rng))
    built, crew = _build(student, max_words)
    call, got = _run(student, llm, crew, topic, built)
    assert llm.calls == 5, (
        f"{call}: the model called search_notes twice, then answered, then the writer wrote twice; it received "
        f"{llm.calls} requests ({', '.join(_labels(llm))})"
    )
    for turn, (query, call_id) in enumerate(zip(queries, ids), 1):
        request = llm.requests[turn]
        tools = {m.get("tool_call_id"): _text(m) for m in request["messages"] if m.get("role") == "tool"}
        want = _search(query)
        assert tools.get(call_id) == want, (
            f"{call}: the model called search_notes(query={query!r}); the tool message answering it in the next "
            f"request was {tools.get(call_id)!r:.400}, expected {expected(want)} (the facts of every topic named in "
            "the query, in the order of NOTES, one per line; or 'No notes found for: <query>')"
        )
    assert got["tasks"] and list(got["tasks"][0])[2:] == [notes], (
        f"{call}: the research task's output in run_crew's 'tasks' was {list(got['tasks'][0]) if got['tasks'] else None!r:.400}: "
        "it should be the researcher's final answer"
    )


@shows_expected
@points(2)
def test_the_writer_works_from_the_research(student, llm):
    rng = submission_rng(f"{SLUG}:writer")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    _, _, notes, paragraph, _ = _script_happy_run(rng, llm, topic, max_words)
    call, _ = _run(student, llm, crew, topic, built)
    assert llm.calls == 4, f"{call}: the model received {llm.calls} requests ({', '.join(_labels(llm))}), expected 4"
    writer = llm.requests[2]
    assert _who(writer) == "Writer" and _task_of(writer) == "write", (
        f"{call}: the requests came in the order {', '.join(_labels(llm))}: the research task runs first (with the "
        "tool call and the answer), then the writer's paragraph, then the headline"
    )
    system, user = _role_text(writer, "system"), _role_text(writer, "user")
    assert _fill(WRITER["goal"], topic=topic) in system and WRITER["backstory"] in system, (
        f"{call}: the writer's system message was {system!r:.500}: it should hold the writer's goal (with the topic) "
        "and backstory"
    )
    limit = _fill(WRITE["expected_output"], max_words=max_words)
    assert _fill(WRITE["description"], topic=topic) in user and limit in user, (
        f"{call}: the write task's request had the user message {user!r:.700}: it should hold the task's description "
        f"(with the topic) and the expected output {expected(limit)}"
    )
    context = _context(writer)
    assert context is not None and notes in context, (
        f"{call}: the write task's request carried the context {context!r:.600}: it should be the research task's "
        "output, the researcher's final answer (context=[research])"
    )
    assert not writer.get("tools"), (
        f"{call}: the writer's request offered the tools {_tool_names(writer)}: the writer has no tools, and may not "
        "delegate (allow_delegation=False)"
    )


@shows_expected
@points(1)
def test_the_headline_sees_only_the_paragraph(student, llm):
    rng = submission_rng(f"{SLUG}:headline")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    _, _, notes, paragraph, _ = _script_happy_run(rng, llm, topic, max_words)
    call, _ = _run(student, llm, crew, topic, built)
    assert llm.calls == 4, f"{call}: the model received {llm.calls} requests ({', '.join(_labels(llm))}), expected 4"
    last = llm.requests[3]
    assert _who(last) == "Writer" and _task_of(last) == "headline", (
        f"{call}: the requests came in the order {', '.join(_labels(llm))}: the headline task comes last, for the writer"
    )
    user = _role_text(last, "user")
    want = _fill(HEADLINE["expected_output"])
    assert _fill(HEADLINE["description"], topic=topic) in user and want in user, (
        f"{call}: the headline task's user message was {user!r:.600}: it should hold the task's description (with "
        f"the topic) and expected output {expected(want)}"
    )
    context = _context(last)
    assert context is not None and paragraph in context, (
        f"{call}: the headline task's request carried the context {context!r:.600}: it should be the paragraph the "
        "writer wrote"
    )
    leaked = [line for line in notes.splitlines() if line in context]
    assert not leaked, (
        f"{call}: the headline task's context also carried the research notes ({len(leaked)} line(s), for example "
        f"{leaked[0]!r:.200}): without context=[...], a sequential task gets the outputs of every task before it; "
        "give the headline task the paragraph only"
    )
    assert not last.get("tools"), f"{call}: the headline request offered the tools {_tool_names(last)}"


@shows_expected
@points(1)
def test_run_crew_reports_the_tasks_in_order(student, llm):
    rng = submission_rng(f"{SLUG}:report")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    _, _, notes, paragraph, headline = _script_happy_run(rng, llm, topic, max_words)
    call, got = _run(student, llm, crew, topic, built)
    tasks = [list(t) if isinstance(t, list | tuple) else t for t in got["tasks"]]
    want = [["research", "Researcher", notes], ["write", "Writer", paragraph], ["headline", "Writer", headline]]
    assert tasks == want, (
        f"{call}: 'tasks' was {tasks!r:.900}, expected {expected(want)}: one [name, agent role, output] per task, "
        "in the order they ran"
    )
    assert got["final"] == headline, (
        f"{call}: 'final' was {got['final']!r:.300}: the crew's output is the last task's, the headline "
        f"{expected(headline)}"
    )


@shows_expected
@points(1)
def test_the_guardrail_sends_a_long_paragraph_back(student, llm):
    rng = submission_rng(f"{SLUG}:guardrail")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    notes = _notes_answer(rng, topic)
    too_long = _paragraph(rng, max_words + int(rng.integers(1, 6)))
    paragraph = _paragraph(rng, max_words)
    headline = _headline(rng)
    llm.script(notes, too_long, f"\n {paragraph}  \n", headline)
    call, got = _run(student, llm, crew, topic, built)
    assert llm.calls == 4, (
        f"{call}: the researcher answered, then the writer's first paragraph had {len(too_long.split())} words "
        f"(limit {max_words}), the second {max_words}; the model received {llm.calls} requests "
        f"({', '.join(_labels(llm))}), expected 4: the write task's guardrail should reject the first paragraph once"
    )
    retry = llm.requests[2]
    feedback = f"The paragraph has {len(too_long.split())} words; cut it to at most {max_words}."
    user = _role_text(retry, "user")
    assert _task_of(retry) == "write" and feedback in user, (
        f"{call}: after the long paragraph the next request was for the {_task_of(retry)} task with the user message "
        f"{user!r:.700}: it should be the write task again, with the guardrail's feedback {expected(feedback)}"
    )
    tasks = [list(t) for t in got["tasks"]]
    assert len(tasks) == 3 and tasks[1][2:] == [paragraph], (
        f"{call}: 'tasks' was {tasks!r:.700}: the write task's output is the accepted paragraph, stripped of the "
        f"spaces around it ({expected(paragraph)})"
    )
    context = _context(llm.requests[3])
    assert context is not None and paragraph in context and too_long not in context, (
        f"{call}: the headline task's context was {context!r:.500}: it should be the accepted paragraph"
    )


@shows_expected
@points(1)
def test_the_guardrail_gives_up_after_two_retries(student, llm):
    rng = submission_rng(f"{SLUG}:give-up")
    topic = str(rng.choice(TOPICS))
    max_words = int(rng.integers(20, 41))
    built, crew = _build(student, max_words)
    first = _paragraph(rng, int(rng.integers(5, 10)))
    second = _paragraph(rng, int(rng.integers(5, 10)))
    bad = [_paragraph(rng, max_words + 4), f"{first}\n\n{second}", _paragraph(rng, max_words + 9)]
    llm.script(_notes_answer(rng, topic), *bad, _headline(rng), _headline(rng))
    call = f"run_crew({built}, {topic!r})"
    try:
        got = student.run_crew(crew, topic)
    except StudentError:
        got = None
    assert llm.calls == 4, (
        f"{call}: the writer's three paragraphs were all rejected (too long, two paragraphs, too long); the model "
        f"received {llm.calls} requests ({', '.join(_labels(llm))}), expected 4: the research answer and three "
        "attempts at the paragraph (guardrail_max_retries=2)"
    )
    assert got is None, (
        f"{call} returned {got!r:.300}: when the guardrail rejects the last attempt, the crew fails, and run_crew "
        "lets the exception through"
    )
    assert "without blank lines" in _role_text(llm.requests[3], "user"), (
        f"{call}: after the paragraph with a blank line, the next request lacked the guardrail's feedback; its user "
        f"message was {_role_text(llm.requests[3], 'user')!r:.600}"
    )


@shows_expected
@points(0.25)
@pytest.mark.parametrize("case", ["at-the-limit", "over-the-limit", "empty", "two-paragraphs"])
def test_check_paragraph(student, case):
    rng = submission_rng(f"{SLUG}:check:{case}")
    max_words = int(rng.integers(5, 30))
    if case == "at-the-limit":
        paragraph = _paragraph(rng, max_words)
        text, want = f"  {paragraph}\n", (True, paragraph)
    elif case == "over-the-limit":
        extra = int(rng.integers(1, 4))
        text = _paragraph(rng, max_words + extra)
        want = (False, f"The paragraph has {max_words + extra} words; cut it to at most {max_words}.")
    elif case == "empty":
        text, want = str(rng.choice(["", "   ", "\n \n"])), (False, "The paragraph is empty.")
    else:
        text = f"{_paragraph(rng, 2)}\n\n{_paragraph(rng, 2)}"
        want = (False, "Write a single paragraph, without blank lines.")
    got = student.check_paragraph(text, max_words)
    got = tuple(got) if isinstance(got, list | tuple) else got
    assert got == want, f"check_paragraph({text!r}, {max_words}) returned {got!r}, expected {expected(want)}"
