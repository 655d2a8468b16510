"""A tool-calling agent in LangGraph: see README.md."""

from __future__ import annotations

import json  # noqa: F401
from typing import Annotated, TypedDict  # noqa: F401

from langchain_core.messages import AnyMessage, SystemMessage  # noqa: F401
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI  # noqa: F401
from langgraph.graph import END, START, StateGraph  # noqa: F401
from langgraph.graph.message import add_messages  # noqa: F401
from langgraph.prebuilt import ToolNode  # noqa: F401

MODEL_NAME = "gradient-scripted"

AGENT_PROMPT = "You are a careful assistant. Use the tools for arithmetic and for city populations. Answer briefly."
TRIAGE_PROMPT = (
    "Does answering the user's message need a tool (arithmetic or a city's population)? "
    "Answer with one word: tools or chat."
)
CHAT_PROMPT = "You are a friendly assistant. Answer briefly, without tools."

POPULATIONS = {
    "oslo": 709037, "lima": 10092000, "cairo": 10100166, "hanoi": 8435700, "quito": 2800388, "perth": 2309338,
    "lagos": 15388000, "porto": 231800, "turin": 841600, "busan": 3349016, "tbilisi": 1202731, "dakar": 1438725,
}


# ---------------------------------------------------------------- the tools (given: keep them as they are)
def _number(value: float) -> str:
    """A number as the tools write it: no ".0" on whole numbers, at most 6 decimals otherwise."""
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))


@tool
def add(a: float, b: float) -> str:
    """Add two numbers."""
    return _number(a + b)


@tool
def multiply(a: float, b: float) -> str:
    """Multiply two numbers."""
    return _number(a * b)


@tool
def city_population(city: str) -> str:
    """The number of people living in a city."""
    key = city.strip().lower()
    if key not in POPULATIONS:
        raise ValueError(f"no population known for {city!r}")
    return str(POPULATIONS[key])


TOOLS = [add, multiply, city_population]


# ---------------------------------------------------------------- your part
class AgentState(TypedDict):
    """The graph's state: `messages` (with the add_messages reducer), `agent_calls` and `route` (README)."""


def make_model():
    """ChatOpenAI for MODEL_NAME, temperature 0, no retries."""
    raise NotImplementedError


def build_agent(model, max_agent_calls=4):
    """START -> agent -> (tools -> agent)* -> END, at most max_agent_calls model calls per run; compiled."""
    raise NotImplementedError


def build_assistant(model, max_agent_calls=4):
    """START -> triage -> chat -> END, or triage -> the agent loop of build_agent; compiled."""
    raise NotImplementedError


def run_graph(graph, question):
    """Stream the graph on {"messages": [("user", question)], "agent_calls": 0}: answer, stopped, path, trace."""
    raise NotImplementedError


if __name__ == "__main__":
    # Try it against a real OpenAI-compatible server of your own (set OPENAI_BASE_URL / OPENAI_API_KEY, and a
    # model name it knows), or run the public tests: pytest public_tests/
    pass
