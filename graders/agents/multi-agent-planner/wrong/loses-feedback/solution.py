"""A planner, workers and a critic over the OpenAI client. A known-wrong solution."""

import json

import openai

import toolbox

MODEL = "gradient-scripted"
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


class PlanError(ValueError):
    """The planner's reply is not a usable plan."""


def parse_plan(text):
    """The steps of a plan reply, as [{"id", "task", "depends_on"}] in the listed order; PlanError if invalid."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise PlanError(f"the plan is not valid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise PlanError("the plan must be a JSON object with a non-empty list 'steps'")
    steps = []
    for number, step in enumerate(data["steps"]):
        if not isinstance(step, dict):
            raise PlanError(f"step {number} is not an object")
        step_id, task = step.get("id"), step.get("task")
        depends_on = step.get("depends_on", [])
        if not isinstance(step_id, str) or not step_id.strip():
            raise PlanError(f"step {number} has no id")
        if not isinstance(task, str) or not task.strip():
            raise PlanError(f"step {step_id!r} has no task")
        if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
            raise PlanError(f"step {step_id!r}: depends_on must be a list of step ids")
        steps.append({"id": step_id, "task": task, "depends_on": list(depends_on)})
    ids = [step["id"] for step in steps]
    if len(set(ids)) != len(ids):
        raise PlanError("two steps share an id")
    for step in steps:
        for dependency in step["depends_on"]:
            if dependency == step["id"]:
                raise PlanError(f"step {step['id']!r} depends on itself")
            if dependency not in ids:
                raise PlanError(f"step {step['id']!r} depends on an unknown step {dependency!r}")
    execution_order(steps)  # raises PlanError on a cycle
    return steps


def execution_order(steps):
    """Step ids in an order that runs each step after its dependencies: repeatedly the first listed step
    whose dependencies have all run. PlanError when the dependencies form a cycle."""
    done, order = set(), []
    while len(order) < len(steps):
        ready = next((s for s in steps if s["id"] not in done and all(d in done for d in s["depends_on"])), None)
        if ready is None:
            raise PlanError("the steps' dependencies form a cycle")
        done.add(ready["id"])
        order.append(ready["id"])
    return order


def _run_tools(message):
    """Run the tool calls of a worker's reply: (the assistant and tool messages to keep, the step's result)."""
    calls = [{"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
             for c in message.tool_calls]
    kept = [{"role": "assistant", "content": message.content, "tool_calls": calls}]
    outputs = []
    for call in calls:
        name = call["function"]["name"]
        try:
            arguments = json.loads(call["function"]["arguments"] or "{}")
            if name not in toolbox.TOOLS:
                raise LookupError(f"unknown tool {name!r}")
            output = str(toolbox.TOOLS[name](**arguments))
        except Exception as error:  # noqa: BLE001 - a failed tool is a result the critic judges
            output = f"Error: {type(error).__name__}: {error}"
        kept.append({"role": "tool", "tool_call_id": call["id"], "content": output})
        outputs.append(output)
    return kept, "\n".join(outputs)


class _Team:
    def __init__(self, max_calls):
        self.client = openai.OpenAI()
        self.max_calls = max_calls
        self.calls = 0
        self.transcript = []

    def ask(self, **kwargs):
        """One model call, or None when the call budget is spent."""
        if self.calls >= self.max_calls:
            return None
        self.calls += 1
        return self.client.chat.completions.create(model=MODEL, **kwargs).choices[0].message

    def work(self, messages):
        """A worker call on ``messages`` (extended in place): the step's result, or None at the budget."""
        reply = self.ask(messages=messages, tools=toolbox.SCHEMAS)
        if reply is None:
            return None
        if reply.tool_calls:
            kept, result = _run_tools(reply)
            messages.extend(kept)
            return result
        messages.append({"role": "assistant", "content": reply.content})
        return reply.content or ""

    def review(self, step, result):
        """The critic's (verdict, feedback), or None at the budget."""
        reply = self.ask(messages=[{"role": "system", "content": CRITIC_SYSTEM},
                                   {"role": "user", "content": f"Step {step['id']}: {step['task']}\nResult: {result}"}],
                         response_format={"type": "json_object"})
        if reply is None:
            return None
        self.transcript.append({"agent": "critic", "step": step["id"], "content": reply.content})
        try:
            data = json.loads(reply.content or "")
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        rejected = str(data.get("verdict", "")).strip().lower() == "reject"
        return ("reject" if rejected else "accept"), str(data.get("feedback", ""))


def run_team(goal, max_calls=20):
    """Plan the goal, run each step with a worker in dependency order, let the critic check each result
    (one retry with its feedback), and stop when done, failed or out of calls."""
    team = _Team(max_calls)
    results = {}

    def finish(status, steps, answer=None):
        return {"status": status, "answer": answer, "plan": steps, "results": results,
                "transcript": team.transcript, "calls": team.calls}

    reply = team.ask(messages=[{"role": "system", "content": PLANNER_SYSTEM}, {"role": "user", "content": f"Goal: {goal}"}],
                     response_format={"type": "json_object"})
    if reply is None:
        return finish("budget", None)
    team.transcript.append({"agent": "planner", "step": None, "content": reply.content})
    steps = parse_plan(reply.content)
    by_id = {step["id"]: step for step in steps}
    order = execution_order(steps)
    for step_id in order:
        step = by_id[step_id]
        lines = [f"Step {step_id}: {step['task']}"] + [f"Result of {d}: {results[d]}" for d in step["depends_on"]]
        messages = [{"role": "system", "content": WORKER_SYSTEM}, {"role": "user", "content": "\n".join(lines)}]
        for attempt in range(2):
            result = team.work(messages)
            if result is None:
                return finish("budget", steps)
            team.transcript.append({"agent": "worker", "step": step_id, "content": result})
            review = team.review(step, result)
            if review is None:
                return finish("budget", steps)
            verdict, feedback = review
            if verdict == "accept":
                results[step_id] = result
                break
            if attempt == 1:
                return finish("failed", steps)
            messages = messages[:2]  # start the step afresh
    return finish("done", steps, results[order[-1]])
