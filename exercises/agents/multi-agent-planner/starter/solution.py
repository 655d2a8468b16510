"""A planner, workers and a critic over the OpenAI chat-completions API. See README.md.

Replace each ``raise NotImplementedError`` with your own code. Keep the three system prompts as they are:
the grader's model tells the agents apart by them.
"""

import json  # noqa: F401 - plans, tool arguments and verdicts are JSON

import openai  # noqa: F401 - create the client inside run_team

import toolbox  # noqa: F401 - keep this import: the workers' tools (toolbox.TOOLS, toolbox.SCHEMAS)

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
    raise NotImplementedError("parse_plan is not written yet")


def execution_order(steps):
    """The step ids in the order to run them: each time, the first listed step whose dependencies have run.
    PlanError on a cycle."""
    raise NotImplementedError("execution_order is not written yet")


def run_team(goal, max_calls=20):
    """Plan, work and review until done, failed or out of calls. Return {"status", "answer", "plan",
    "results", "transcript", "calls"}."""
    raise NotImplementedError("run_team is not written yet")
