"""Hidden grader for agents/multi-agent-planner.

Goals, plans (their ids, listed order and dependencies), the critic's verdicts and feedback are drawn per
submission (submission_rng). One scripted model plays the three agents: it tells them apart by the system
prompt (the starter's PLANNER_SYSTEM, WORKER_SYSTEM, CRITIC_SYSTEM), checks each request (JSON mode, the
worker's step message with its dependencies' results, the retry with the critic's feedback) and answers.
"""

import ast
import json

from gradient_grader import StudentError, expected, points, submission_rng, tool_call

LLM = {"budget_tokens": 20000, "budget_calls": 14, "tokens": "words", "model": "gradient-scripted"}

PLANNER_SYSTEM = (
    "You are the planner of a small team. Break the user's goal into steps and reply with a JSON object "
    '{"steps": [{"id": "...", "task": "...", "depends_on": ["..."]}]}. Workers can look facts up and calculate.'
)
WORKER_SYSTEM = (
    "You are a worker. Do exactly the step you are given, using a tool when one helps, and the results of the "
    "steps it depends on."
)
CRITIC_SYSTEM = (
    "You are the critic. Check the result of one step. Reply with a JSON object: "
    '{"verdict": "accept"} or {"verdict": "reject", "feedback": "what is wrong and how to fix it"}.'
)
FACTS = {
    "population of norway": "5500000", "area of norway in km2": "385207",
    "population of portugal": "10400000", "area of portugal in km2": "92212",
    "population of kenya": "55100000", "area of kenya in km2": "580367",
    "population of chile": "19600000", "area of chile in km2": "756102",
    "population of japan": "124500000", "area of japan in km2": "377975",
    "population of ghana": "34100000", "area of ghana in km2": "238533",
    "population of peru": "34400000", "area of peru in km2": "1285216",
    "population of austria": "9100000", "area of austria in km2": "83879",
}
COUNTRIES = sorted({key.split(" of ", 1)[1].split(" in ")[0] for key in FACTS})
WORDS = ["collect", "clean", "measure", "compare", "verify", "chart", "draft", "review", "count", "merge", "check",
         "fetch", "sum", "split", "rank", "label"]


def _calculate(expression):
    value = eval(compile(ast.parse(expression, mode="eval"), "<calc>", "eval"), {"__builtins__": {}})  # noqa: S307
    return str(int(value)) if float(value).is_integer() else str(round(value, 4))


def _order(steps):
    done, order = set(), []
    while len(order) < len(steps):
        ready = next((s for s in steps if s["id"] not in done and all(d in done for d in s["depends_on"])), None)
        if ready is None:
            return None
        done.add(ready["id"])
        order.append(ready["id"])
    return order


def _is_topological(ids, steps):
    position = {step_id: i for i, step_id in enumerate(ids)}
    return all(position[d] < position[s["id"]] for s in steps for d in s["depends_on"])


def _scenario(rng):
    """(goal, steps in listed order): each step has an id, a task, depends_on and `act`, the worker's action
    ("tool", name, arguments) or ("text", reply); `result` is what that action yields."""
    kind = int(rng.integers(2))
    names = [str(c) for c in rng.choice(COUNTRIES, size=3, replace=False)]
    title = [n.title() for n in names]
    ids = [f"{WORDS[int(i)]}_{int(j)}" for i, j in zip(rng.permutation(len(WORDS))[:5], rng.integers(1, 10, size=5))]
    pops = [FACTS[f"population of {n}"] for n in names]
    if kind == 0:
        area = FACTS[f"area of {names[0]} in km2"]
        ratio = _calculate(f"{pops[0]} / {area}")
        goal = f"What is the population density of {title[0]} in people per km2?"
        steps = [(f"Look up the population of {title[0]}.", [], ("tool", "lookup", {"topic": f"population of {names[0]}"})),
                 (f"Look up the area of {title[0]} in km2.", [], ("tool", "lookup", {"topic": f"area of {names[0]} in km2"})),
                 ("Divide the population by the area.", [0, 1], ("tool", "calculate", {"expression": f"{pops[0]} / {area}"})),
                 ("Write the answer in one sentence.", [2], ("text", f"{title[0]} has about {ratio} people per km2."))]
    else:
        big, small = sorted(names[:2], key=lambda n: -int(FACTS[f"population of {n}"]))
        pb, ps = FACTS[f"population of {big}"], FACTS[f"population of {small}"]
        goal = f"How many more people live in {big.title()} than in {small.title()}?"
        steps = [(f"Look up the population of {big.title()}.", [], ("tool", "lookup", {"topic": f"population of {big}"})),
                 (f"Look up the population of {small.title()}.", [], ("tool", "lookup", {"topic": f"population of {small}"})),
                 ("Subtract the second population from the first.", [0, 1], ("tool", "calculate", {"expression": f"{pb} - {ps}"})),
                 ("Write the answer in one sentence.", [2],
                  ("text", f"{big.title()} has {_calculate(f'{pb} - {ps}')} more people than {small.title()}."))]
    built = []
    for index, (task, deps, act) in enumerate(steps):
        built.append({"id": ids[index], "task": task, "depends_on": [ids[d] for d in deps], "act": act})
    while True:
        listed = [built[int(i)] for i in rng.permutation(len(built))]
        if not _is_topological([s["id"] for s in listed], listed):
            return goal, listed


def _result(act):
    if act[0] == "text":
        return act[1]
    arguments = act[2]
    if act[1] == "lookup":
        key = " ".join(arguments["topic"].lower().split())
        return FACTS[key] if key in FACTS else f"Error: LookupError: no fact about {arguments['topic']!r}"
    return _calculate(arguments["expression"])


def _plan_text(rng, steps):
    listed = []
    for step in steps:
        entry = {"id": step["id"], "task": step["task"]}
        if step["depends_on"] or rng.integers(2):
            entry["depends_on"] = step["depends_on"]
        listed.append(entry)
    return json.dumps({"steps": listed})


class Team:
    """The scripted model as planner, workers and critic. `acts[id]` and `verdicts[id]` give, per attempt,
    the worker's action and the critic's (verdict, feedback)."""

    def __init__(self, rng, goal, steps):
        self.rng, self.goal, self.steps = rng, goal, steps
        self.by_id = {s["id"]: s for s in steps}
        self.plan = _plan_text(rng, steps)
        self.acts = {s["id"]: [s["act"]] for s in steps}
        self.verdicts = {s["id"]: [("accept", "")] for s in steps}
        self.worker_calls, self.critic_calls, self.accepted = {}, {}, {}
        self.last_messages = {}

    def respond(self, request):
        messages = request["messages"]
        system = messages[0].get("content") if messages else None
        if system == PLANNER_SYSTEM:
            return self._planner(request)
        if system == WORKER_SYSTEM:
            return self._worker(request)
        if system == CRITIC_SYSTEM:
            return self._critic(request)
        raise AssertionError(
            f"a request began with the system message {system!r:.120}, which is none of PLANNER_SYSTEM, WORKER_SYSTEM "
            "and CRITIC_SYSTEM (the starter's constants): each agent's request starts with its own"
        )

    def _planner(self, request):
        assert request.get("response_format") == {"type": "json_object"}, (
            "the planner's request did not switch JSON mode on (response_format={'type': 'json_object'})"
        )
        sent = [(m.get("role"), m.get("content")) for m in request["messages"]]
        assert sent == [("system", PLANNER_SYSTEM), ("user", f"Goal: {self.goal}")], (
            f"the planner's messages were {sent!r:.300}: expected PLANNER_SYSTEM and the user message 'Goal: <goal>'"
        )
        return self.plan

    def _step_of(self, request, who):
        first = str(request["messages"][1].get("content") if len(request["messages"]) > 1 else "")
        step_id = first.split("\n", 1)[0].removeprefix("Step ").split(":", 1)[0]
        assert first.startswith("Step ") and step_id in self.by_id, (
            f"the {who}'s user message {first[:120]!r} does not start with 'Step <id>: ' naming a step of the plan"
        )
        return step_id, first

    def _worker(self, request):
        step_id, first = self._step_of(request, "worker")
        step = self.by_id[step_id]
        attempt = self.worker_calls.get(step_id, 0)
        self.worker_calls[step_id] = attempt + 1
        names = sorted(t.get("function", {}).get("name") for t in request.get("tools") or [])
        assert names == ["calculate", "lookup"], f"the worker's request offered the tools {names}: send tools=toolbox.SCHEMAS"
        missing = [d for d in step["depends_on"] if d not in self.accepted]
        assert not missing, (
            f"the worker of step {step_id!r} was called before the steps it depends on, {missing}, had a result: run "
            "the steps in dependency order, not in the order the plan lists them"
        )
        lines = [f"Step {step_id}: {step['task']}"] + [f"Result of {d}: {self.accepted[d]}" for d in step["depends_on"]]
        assert first == "\n".join(lines), (
            f"the worker's user message for step {step_id!r} was {first!r:.400}: expected 'Step <id>: <task>', then one "
            "line 'Result of <id>: <result>' per dependency, in depends_on order"
        )
        assert attempt < 2, (
            f"the worker of step {step_id!r} was called a third time: after the critic rejects the retried result, "
            "the step has failed and the run stops (one retry, never more)"
        )
        if attempt == 1:
            feedback = self.verdicts[step_id][0][1]
            before = self.last_messages[step_id]
            messages = request["messages"]
            assert messages[: len(before)] == before and len(messages) > len(before) + 1, (
                f"the retry of step {step_id!r} did not continue the worker's conversation: keep its messages, the "
                "assistant reply (with its tool calls and their tool results), then add the critic's feedback"
            )
            last = messages[-1]
            assert last.get("role") == "user" and feedback in str(last.get("content")), (
                f"the retry of step {step_id!r} ended with {last!r:.300}, which does not carry the critic's feedback: "
                "append a user message with it, so that the worker knows what to fix"
            )
        self.last_messages[step_id] = request["messages"]
        act = self.acts[step_id][min(attempt, len(self.acts[step_id]) - 1)]
        if act[0] == "text":
            return act[1]
        return tool_call(act[1], act[2], id=f"call_{int(self.rng.integers(16 ** 6, 16 ** 7)):x}")

    def _critic(self, request):
        step_id, first = self._step_of(request, "critic")
        assert request.get("response_format") == {"type": "json_object"}, (
            "the critic's request did not switch JSON mode on (response_format={'type': 'json_object'})"
        )
        attempt = self.critic_calls.get(step_id, 0)
        self.critic_calls[step_id] = attempt + 1
        step = self.by_id[step_id]
        act = self.acts[step_id][min(attempt, len(self.acts[step_id]) - 1)]
        result = _result(act)
        sent = [(m.get("role"), m.get("content")) for m in request["messages"]]
        assert sent == [("system", CRITIC_SYSTEM), ("user", f"Step {step_id}: {step['task']}\nResult: {result}")], (
            f"the critic's messages for step {step_id!r} were {sent!r:.400}: expected CRITIC_SYSTEM and the user "
            "message 'Step <id>: <task>\\nResult: <result>', the result being the tool's output (several joined by "
            "newlines) or the worker's text"
        )
        verdict, feedback = self.verdicts[step_id][min(attempt, len(self.verdicts[step_id]) - 1)]
        if verdict == "accept":
            self.accepted[step_id] = result
            return json.dumps({"verdict": "accept"})
        return json.dumps({"verdict": "reject", "feedback": feedback})


def _run(student, goal, **kwargs):
    call = f"run_team({goal!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    try:
        got = student.run_team(goal, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:400]}") from None
    keys = {"status", "answer", "plan", "results", "transcript", "calls"}
    assert isinstance(got, dict) and keys <= set(got), f"{call} returned {got!r:.300}; expected a dict with keys {sorted(keys)}"
    return call, got


def _feedback(rng, text):
    return f"{text} (review {int(rng.integers(1000, 10000))})"


@points(1)
def test_parse_plan_normalises_steps(student):
    rng = submission_rng("agents/multi-agent-planner:parse")
    goal, steps = _scenario(rng)
    text = json.dumps({"steps": [
        {"id": s["id"], "task": s["task"], **({"depends_on": s["depends_on"]} if s["depends_on"] else {}),
         **({"tool": "lookup"} if rng.integers(2) else {})} for s in steps]})
    got = student.parse_plan(text)
    want = [{"id": s["id"], "task": s["task"], "depends_on": s["depends_on"]} for s in steps]
    assert got == want, (
        f"parse_plan({text!r:.600}) returned {got!r:.600}: expected the steps in the listed order, each exactly "
        "{'id', 'task', 'depends_on'} (depends_on [] when the plan leaves it out, other keys dropped)"
    )


@points(1.5)
def test_parse_plan_rejects_bad_plans(student):
    rng = submission_rng("agents/multi-agent-planner:invalid")
    _, steps = _scenario(rng)
    plain = [{"id": s["id"], "task": s["task"], "depends_on": list(s["depends_on"])} for s in steps]
    a, b, c = (s["id"] for s in plain[:3])

    def variant(change):
        copy = json.loads(json.dumps(plain))
        change(copy)
        return json.dumps({"steps": copy})

    cases = [
        ("not JSON", "Plan: first " + plain[0]["task"]),
        ("no 'steps' list", json.dumps({"plan": plain})),
        ("an empty plan", json.dumps({"steps": []})),
        ("a step that is not an object", json.dumps({"steps": plain[:1] + ["look it up"]})),
        ("two steps with one id", variant(lambda p: p[1].update(id=a))),
        ("a step without a task", variant(lambda p: p[2].pop("task"))),
        ("depends_on that is not a list", variant(lambda p: p[0].update(depends_on=b))),
        ("a dependency on an unknown step", variant(lambda p: p[0]["depends_on"].append(f"{a}_{int(rng.integers(10, 99))}"))),
        ("a step that depends on itself", variant(lambda p: p[1]["depends_on"].append(b))),
        ("a cycle", variant(lambda p: (p[0].update(depends_on=[c]), p[1].update(depends_on=[a]), p[2].update(depends_on=[b])))),
    ]
    for what, text in [cases[int(i)] for i in rng.permutation(len(cases))]:
        try:
            got = student.parse_plan(text)
        except StudentError as error:
            assert error.type_name == "PlanError", (
                f"parse_plan({text!r:.400}) ({what}) raised {error.type_name}: {error.message[:150]}; expected PlanError"
            )
        else:
            raise AssertionError(f"parse_plan({text!r:.400}) returned {got!r:.200}, but the plan has {what}: raise PlanError")


@points(2)
def test_execution_order_follows_dependencies(student):
    rng = submission_rng("agents/multi-agent-planner:order")
    for _ in range(4):
        steps = []
        while not any(s["depends_on"] for s in steps):  # at least one dependency, so that order matters
            n = int(rng.integers(5, 8))
            names = [WORDS[int(i)] for i in rng.permutation(len(WORDS))[:n]]
            steps = [{"id": names[i], "task": f"Task {i}", "depends_on": [names[j] for j in range(i) if rng.random() < 0.35]}
                     for i in range(n)]
        while True:
            listed = [steps[int(i)] for i in rng.permutation(n)]
            if not _is_topological([s["id"] for s in listed], listed):
                break
        got = student.execution_order(listed)
        want = _order(listed)
        shown = [(s["id"], s["depends_on"]) for s in listed]
        assert isinstance(got, list) and sorted(map(str, got)) == sorted(names), (
            f"execution_order(<steps (id, depends_on): {shown}>) returned {got!r}: expected every step id once"
        )
        assert _is_topological(got, listed), (
            f"execution_order(<steps (id, depends_on): {shown}>) returned {got!r}, which runs a step before one of "
            "its dependencies"
        )
        assert got == want, (
            f"execution_order(<steps (id, depends_on): {shown}>) returned {got!r}: a valid order, but not the one the "
            f"rule gives ({expected(want)}): each time, take the first LISTED step whose dependencies have all run"
        )


@points(2.5)
def test_run_team_in_dependency_order(student, llm):
    rng = submission_rng("agents/multi-agent-planner:run")
    goal, steps = _scenario(rng)
    team = Team(rng, goal, steps)
    llm.respond(team.respond)
    call, got = _run(student, goal)
    order = _order(steps)
    assert llm.calls == 1 + 2 * len(steps), (
        f"{call} made {llm.calls} model calls; expected one for the plan, then one worker and one critic call for "
        "each step of the plan"
    )
    results = {step_id: _result(team.by_id[step_id]["act"]) for step_id in order}
    assert got["status"] == "done", f"{call} returned status {got['status']!r}; every step was accepted, so 'done'"
    assert got["results"] == results, (
        f"{call} returned results {got['results']!r:.500}: expected each step's result (its tool output, or the "
        "worker's text), keyed by step id"
    )
    final = results[order[-1]]
    assert got["answer"] == final, (
        f"{call} returned answer {got['answer']!r}; the answer is the result of the last step run ({order[-1]!r})"
    )
    assert got["calls"] == llm.calls, f"{call} reported calls={got['calls']!r}, which is not the number of calls it made"
    plan = [{"id": s["id"], "task": s["task"], "depends_on": s["depends_on"]} for s in steps]
    assert got["plan"] == plan, f"{call} returned plan {got['plan']!r:.300}: expected parse_plan's steps"


@points(2.5)
def test_critic_rejection_gets_one_retry_with_feedback(student, llm):
    rng = submission_rng("agents/multi-agent-planner:retry")
    goal, steps = _scenario(rng)
    team = Team(rng, goal, steps)
    lookups = [s for s in steps if s["act"][1] == "lookup"]
    step = lookups[int(rng.integers(len(lookups)))]
    topic = step["act"][2]["topic"]
    wrong = {"topic": f"{topic} {['today', 'now', 'in 2024', 'estimate'][int(rng.integers(4))]}"}
    feedback = _feedback(rng, f"The lookup failed. The knowledge base key is '{topic}'; look that up.")
    team.acts[step["id"]] = [("tool", "lookup", wrong), step["act"]]
    team.verdicts[step["id"]] = [("reject", feedback), ("accept", "")]
    llm.respond(team.respond)
    call, got = _run(student, goal)
    retried = step["id"]
    assert team.worker_calls.get(retried) == 2, (
        f"{call}: the critic rejected step {retried!r} (its lookup failed), and its worker was called "
        f"{team.worker_calls.get(retried, 0)} time(s): a rejection gets exactly one retry"
    )
    assert got["status"] == "done" and got["results"].get(retried) == _result(step["act"]), (
        f"{call} returned status {got['status']!r} and results[{retried!r}] = {got['results'].get(retried)!r}: the "
        "retried result was accepted, so it replaces the rejected one and the run goes on to 'done'"
    )
    assert llm.calls == 3 + 2 * len(steps), f"{call} made {llm.calls} calls; one retry adds a worker and a critic call"
    entries = got["transcript"]
    assert isinstance(entries, list) and all(isinstance(e, dict) for e in entries), (
        f"{call} returned transcript {entries!r:.300}: expected a list of dicts"
    )
    seen = [(e.get("agent"), e.get("step")) for e in entries]
    want = [("planner", None)]
    for step_id in _order(steps):
        want += [("worker", step_id), ("critic", step_id)] * (2 if step_id == retried else 1)
    assert seen == want, (
        f"{call} returned a transcript with (agent, step) {seen}: expected the planner's message, then for each step "
        "in the order run its worker's result and the critic's reply (twice for a retried step)"
    )
    first = entries[0].get("content")
    assert first == team.plan, f"{call}: the planner's transcript entry has content {first!r:.200}, not the plan it sent"


@points(1.5)
def test_second_rejection_fails_the_run(student, llm):
    rng = submission_rng("agents/multi-agent-planner:fail")
    goal, steps = _scenario(rng)
    team = Team(rng, goal, steps)
    order = _order(steps)
    index = int(rng.integers(1, len(order)))
    failing = order[index]
    team.verdicts[failing] = [("reject", _feedback(rng, "This result does not answer the step.")),
                              ("reject", _feedback(rng, "Still wrong."))]
    llm.respond(team.respond)
    call, got = _run(student, goal)
    assert got["status"] == "failed" and got["answer"] is None, (
        f"{call} returned status {got['status']!r}, answer {got['answer']!r}: the critic rejected step {failing!r} "
        "twice (the first result and the retry), so the run stops with status 'failed' and answer None"
    )
    later = [s for s in order[index + 1:] if team.worker_calls.get(s)]
    assert not later, f"{call} went on to run the steps {later} after step {failing!r} had failed: stop the run there"
    made = llm.calls
    assert made == 1 + 2 * index + 4, (
        f"{call} made {made} model calls; the plan, a worker and a critic per accepted step, then two workers and "
        f"two critics for the failing step {failing!r}"
    )
    kept = {s: _result(team.by_id[s]["act"]) for s in order[:index]}
    assert got["results"] == kept, f"{call} returned results {got['results']!r:.400}: keep only the accepted results"


@points(1)
def test_stops_at_max_calls(student, llm):
    rng = submission_rng("agents/multi-agent-planner:budget")
    goal, steps = _scenario(rng)
    team = Team(rng, goal, steps)
    max_calls = int(rng.integers(2, 6))
    llm.respond(team.respond)
    call, got = _run(student, goal, max_calls=max_calls)
    assert llm.calls == max_calls, (
        f"{call} made {llm.calls} model calls: max_calls counts every call (planner, workers, critics) and the run "
        "stops before a call that would go past it"
    )
    assert got["status"] == "budget" and got["answer"] is None and got["calls"] == max_calls, (
        f"{call} returned status {got['status']!r}, answer {got['answer']!r}, calls {got['calls']!r}; a run out of "
        "calls has status 'budget' and no answer"
    )
