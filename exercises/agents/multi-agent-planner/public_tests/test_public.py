"""Public tests: run them next to your solution.py (and toolbox.py) with plain pytest:

    pytest public_tests/

They check parse_plan and execution_order on the statement's plan, and run run_team against a fake client
that plays the statement's example. The hidden grader uses other goals and plans, and a scripted model that
checks every request as the API does.
"""

import json
import os
import sys
from types import SimpleNamespace as NS

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402
from solution import CRITIC_SYSTEM, PLANNER_SYSTEM, WORKER_SYSTEM, PlanError, execution_order, parse_plan  # noqa: E402

PLAN = json.dumps({"steps": [
    {"id": "report", "task": "Write the answer in one sentence.", "depends_on": ["ratio"]},
    {"id": "pop", "task": "Look up the population of Norway."},
    {"id": "ratio", "task": "Divide the population by the area.", "depends_on": ["pop", "area"]},
    {"id": "area", "task": "Look up the area of Norway in km2."},
]})
GOAL = "What is the population density of Norway in people per km2?"


def test_parse_plan_fills_depends_on():
    steps = parse_plan(PLAN)
    assert [s["id"] for s in steps] == ["report", "pop", "ratio", "area"]
    assert steps[1] == {"id": "pop", "task": "Look up the population of Norway.", "depends_on": []}


@pytest.mark.parametrize("text", [
    "Step 1: look it up",
    json.dumps({"steps": []}),
    json.dumps({"steps": [{"id": "a", "task": "x"}, {"id": "a", "task": "y"}]}),
    json.dumps({"steps": [{"id": "a", "task": "x", "depends_on": ["b"]}]}),
    json.dumps({"steps": [{"id": "a", "task": "x", "depends_on": ["b"]}, {"id": "b", "task": "y", "depends_on": ["a"]}]}),
], ids=["not-json", "empty", "duplicate-id", "unknown-dependency", "cycle"])
def test_parse_plan_rejects(text):
    with pytest.raises(PlanError):
        parse_plan(text)


def test_execution_order_of_the_example():
    assert execution_order(parse_plan(PLAN)) == ["pop", "area", "ratio", "report"]


def call(call_id, name, arguments):
    return NS(id=call_id, type="function", function=NS(name=name, arguments=json.dumps(arguments)))


class FakeTeam:
    """Plays the README's example: answers by the request's system message."""

    def __init__(self):
        self.requests = []
        self.workers = [NS(content=None, tool_calls=[call("c1", "lookup", {"topic": "population of norway now"})]),
                        NS(content=None, tool_calls=[call("c2", "lookup", {"topic": "population of norway"})]),
                        NS(content=None, tool_calls=[call("c3", "lookup", {"topic": "area of norway in km2"})]),
                        NS(content=None, tool_calls=[call("c4", "calculate", {"expression": "5500000 / 385207"})]),
                        NS(content="Norway has about 14.278 people per km2.", tool_calls=None)]
        self.verdicts = [{"verdict": "reject", "feedback": "The key is 'population of norway'."}] + [{"verdict": "accept"}] * 4
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.requests.append(json.loads(json.dumps(kwargs)))
        system = kwargs["messages"][0]["content"]
        if system == PLANNER_SYSTEM:
            message = NS(content=PLAN, tool_calls=None)
        elif system == WORKER_SYSTEM:
            message = self.workers.pop(0)
        else:
            assert system == CRITIC_SYSTEM
            message = NS(content=json.dumps(self.verdicts.pop(0)), tool_calls=None)
        return NS(choices=[NS(message=message, finish_reason="stop")])


def test_run_team_statement_example(monkeypatch):
    team = FakeTeam()
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: team)
    got = solution.run_team(GOAL)
    assert got["status"] == "done" and got["answer"] == "Norway has about 14.278 people per km2.", got
    assert got["results"] == {"pop": "5500000", "area": "385207", "ratio": "14.278",
                              "report": "Norway has about 14.278 people per km2."}
    assert got["calls"] == 11 == len(team.requests)
    first = team.requests[0]
    assert first["response_format"] == {"type": "json_object"}
    assert first["messages"][1] == {"role": "user", "content": f"Goal: {GOAL}"}
    critic = team.requests[2]["messages"][1]["content"]
    assert critic == ("Step pop: Look up the population of Norway.\n"
                      "Result: Error: LookupError: no fact about 'population of norway now'")
    retry = team.requests[3]["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "tool", "user"]
    assert retry[2]["tool_calls"][0]["id"] == "c1" and retry[3]["tool_call_id"] == "c1"
    assert retry[4]["content"] == ("The critic rejected your result: The key is 'population of norway'.\n"
                                   "Do the step again.")
    ratio = [r for r in team.requests if r["messages"][0]["content"] == WORKER_SYSTEM][3]
    assert ratio["messages"][1]["content"] == ("Step ratio: Divide the population by the area.\n"
                                               "Result of pop: 5500000\nResult of area: 385207")
    assert [(e["agent"], e["step"]) for e in got["transcript"]][:5] == [
        ("planner", None), ("worker", "pop"), ("critic", "pop"), ("worker", "pop"), ("critic", "pop")]


def test_run_team_stops_at_max_calls(monkeypatch):
    team = FakeTeam()
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: team)
    got = solution.run_team(GOAL, max_calls=4)
    assert got["status"] == "budget" and got["answer"] is None and got["calls"] == 4 == len(team.requests), got
