"""A tool-calling agent in LangGraph (a wrong solution: see WHY.md)."""

from __future__ import annotations

import json
from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage, SystemMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode

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


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    agent_calls: int
    route: str


def make_model():
    return ChatOpenAI(model=MODEL_NAME, temperature=0, max_retries=0)


def normalise_route(label: str) -> str:
    word = label.strip().lower().rstrip(".").strip()
    return "tools" if word == "tools" else "chat"


def _add_agent_loop(graph: StateGraph, model, max_agent_calls: int) -> None:
    if max_agent_calls < 1:
        raise ValueError(f"max_agent_calls must be at least 1, got {max_agent_calls}")
    with_tools = model.bind_tools(TOOLS)

    def agent(state: AgentState) -> dict:
        reply = with_tools.invoke([SystemMessage(AGENT_PROMPT), *state["messages"]])
        return {"messages": [reply], "agent_calls": state["agent_calls"] + 1}

    def after_agent(state: AgentState) -> str:
        last = state["messages"][-1]
        if getattr(last, "tool_calls", None) and state["agent_calls"] < max_agent_calls:
            return "tools"
        return END

    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(TOOLS))
    graph.add_conditional_edges("agent", after_agent, ["tools", END])
    graph.add_edge("tools", "agent")


def build_agent(model, max_agent_calls=4):
    graph = StateGraph(AgentState)
    _add_agent_loop(graph, model, max_agent_calls)
    graph.add_edge(START, "agent")
    return graph.compile()


def build_assistant(model, max_agent_calls=4):
    graph = StateGraph(AgentState)

    def triage(state: AgentState) -> dict:
        label = model.invoke([SystemMessage(TRIAGE_PROMPT), *state["messages"]]).content
        return {"route": normalise_route(label if isinstance(label, str) else "")}

    def chat(state: AgentState) -> dict:
        return {"messages": [model.invoke([SystemMessage(CHAT_PROMPT), *state["messages"]])]}

    graph.add_node("triage", triage)
    graph.add_node("chat", chat)
    _add_agent_loop(graph, model, max_agent_calls)
    graph.add_edge(START, "triage")
    graph.add_conditional_edges("triage", lambda state: "agent" if state["route"] == "tools" else "chat",
                                ["agent", "chat"])
    graph.add_edge("chat", END)
    return graph.compile()


def _call_text(call: dict) -> str:
    arguments = ", ".join(f"{name}={json.dumps(value)}" for name, value in call["args"].items())
    return f"{call['name']}({arguments})"


def _trace_lines(node: str, update: dict) -> list[str]:
    if node == "triage":
        return [f"triage: {update['route']}"]
    lines = []
    for message in update.get("messages", []):
        if message.type == "tool":
            lines.append(f"{node}: {message.name} -> {message.content}")
        elif message.tool_calls:
            lines.append(f"{node}: calls " + ", ".join(_call_text(call) for call in message.tool_calls))
        else:
            lines.append(f"{node}: answers {message.content}")
    return lines


def run_graph(graph, question):
    inputs = {"messages": [("user", question)], "agent_calls": 0}
    path, trace, final = [], [], inputs
    for mode, chunk in graph.stream(inputs, stream_mode=["updates", "values"]):
        if mode == "values":
            final = chunk
            continue
        for node, update in chunk.items():
            path.append(node)
            trace.extend(_trace_lines(node, update or {}))
    last = final["messages"][-1]
    if last.type == "ai" and not last.tool_calls:
        return {"answer": last.content, "stopped": "answer", "path": path, "trace": trace}
    return {"answer": None, "stopped": "step_limit", "path": path, "trace": trace}
