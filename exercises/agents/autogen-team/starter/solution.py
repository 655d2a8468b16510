"""Agents and teams in Microsoft AutoGen: see README.md."""

from __future__ import annotations

import asyncio  # noqa: F401
import json  # noqa: F401

from autogen_agentchat.agents import AssistantAgent  # noqa: F401
from autogen_agentchat.conditions import MaxMessageTermination, TextMentionTermination  # noqa: F401
from autogen_agentchat.messages import BaseChatMessage, ToolCallExecutionEvent, ToolCallRequestEvent  # noqa: F401
from autogen_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat  # noqa: F401
from autogen_ext.models.openai import OpenAIChatCompletionClient  # noqa: F401

MODEL_NAME = "gradient-scripted"
MAX_TOOL_ROUNDS = 3
APPROVAL = "APPROVE"

CALCULATOR_PROMPT = "You are a careful calculator. Use the tools for arithmetic and for city populations. Answer briefly."
WRITER_PROMPT = "You are a writer. Write a short text for the task. When the critic gives feedback, rewrite your text."
CRITIC_PROMPT = (
    "You are a critic. Review the writer's latest text. Reply APPROVE if it is good; otherwise say briefly what "
    "to improve."
)
RESEARCHER_PROMPT = "You are a researcher. Look up the facts the task needs with your tool and report them briefly."

WRITER_DESCRIPTION = "Writes the text, and rewrites it after feedback."
CRITIC_DESCRIPTION = "Reviews the latest text and approves it or asks for changes."
RESEARCHER_DESCRIPTION = "Looks up city populations with a tool."

POPULATIONS = {
    "oslo": 709037, "lima": 10092000, "cairo": 10100166, "hanoi": 8435700, "quito": 2800388, "perth": 2309338,
    "lagos": 15388000, "porto": 231800, "turin": 841600, "busan": 3349016, "tbilisi": 1202731, "dakar": 1438725,
}


# ---------------------------------------------------------------- the tools (given: keep them as they are)
def _number(value: float) -> str:
    """A number as the tools write it: no ".0" on whole numbers, at most 6 decimals otherwise."""
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))


def add(a: float, b: float) -> str:
    """Add two numbers."""
    return _number(a + b)


def multiply(a: float, b: float) -> str:
    """Multiply two numbers."""
    return _number(a * b)


def city_population(city: str) -> str:
    """The number of people living in a city."""
    key = city.strip().lower()
    if key not in POPULATIONS:
        raise ValueError(f"no population known for {city!r}")
    return str(POPULATIONS[key])


TOOLS = [add, multiply, city_population]


# ---------------------------------------------------------------- your part
def make_client():
    """OpenAIChatCompletionClient for MODEL_NAME with an explicit model_info, temperature 0, no retries."""
    raise NotImplementedError


def make_calculator(client):
    """The AssistantAgent "calculator": CALCULATOR_PROMPT, TOOLS, reflection on, MAX_TOOL_ROUNDS tool rounds."""
    raise NotImplementedError


def make_team(client, max_messages=8):
    """RoundRobinGroupChat of "writer" then "critic", ending on the critic's APPROVE or at max_messages."""
    raise NotImplementedError


def make_panel(client, max_messages=10):
    """SelectorGroupChat of "researcher", "writer" and "critic", the same stop rule as make_team."""
    raise NotImplementedError


def ask_calculator(question):
    """Run a fresh calculator on the question: {"answer": ..., "calls": [...]}."""
    raise NotImplementedError


def run_team(task, max_messages=8):
    """Run a fresh team on the task: {"speakers": [...], "final_answer": ..., "stop": ...}."""
    raise NotImplementedError


def run_panel(task, max_messages=10):
    """Run a fresh panel on the task: the same summary as run_team."""
    raise NotImplementedError


if __name__ == "__main__":
    # Try it against an OpenAI-compatible server of your own (set OPENAI_BASE_URL / OPENAI_API_KEY, and a model
    # name it knows), or run the public tests: pytest public_tests/
    pass
