"""Agents and teams in Microsoft AutoGen: a wrong solution (shared-calculator)."""

from __future__ import annotations

import asyncio
import json

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from autogen_agentchat.messages import BaseChatMessage, ToolCallExecutionEvent, ToolCallRequestEvent
from autogen_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient

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


def make_client():
    return OpenAIChatCompletionClient(
        model=MODEL_NAME,
        model_info={"vision": False, "function_calling": True, "json_output": False, "structured_output": False,
                    "family": "unknown"},
        temperature=0,
        max_retries=0,
    )


def make_calculator(client):
    return AssistantAgent("calculator", model_client=client, tools=TOOLS, system_message=CALCULATOR_PROMPT,
                          reflect_on_tool_use=True, max_tool_iterations=MAX_TOOL_ROUNDS)


def _stop_when(max_messages):
    return TextMentionTermination(APPROVAL, sources=["critic"]) | MaxMessageTermination(max_messages)


def _writer_and_critic(client):
    writer = AssistantAgent("writer", model_client=client, system_message=WRITER_PROMPT, description=WRITER_DESCRIPTION)
    critic = AssistantAgent("critic", model_client=client, system_message=CRITIC_PROMPT, description=CRITIC_DESCRIPTION)
    return writer, critic


def make_team(client, max_messages=8):
    writer, critic = _writer_and_critic(client)
    return RoundRobinGroupChat([writer, critic], termination_condition=_stop_when(max_messages))


def make_panel(client, max_messages=10):
    researcher = AssistantAgent("researcher", model_client=client, tools=[city_population],
                                system_message=RESEARCHER_PROMPT, description=RESEARCHER_DESCRIPTION,
                                reflect_on_tool_use=True)
    writer, critic = _writer_and_critic(client)
    return SelectorGroupChat([researcher, writer, critic], model_client=client,
                             termination_condition=_stop_when(max_messages))


async def _run(build, task):
    client = make_client()
    try:
        return await build(client).run(task=task)
    finally:
        await client.close()


_CALCULATOR = make_calculator(make_client())


def ask_calculator(question):
    result = asyncio.run(_CALCULATOR.run(task=question))
    requested, done = [], {}
    for message in result.messages:
        if isinstance(message, ToolCallRequestEvent):
            requested.extend(message.content)
        elif isinstance(message, ToolCallExecutionEvent):
            done.update({r.call_id: r for r in message.content})
    calls = []
    for call in requested:
        outcome = done.get(call.id)
        calls.append({"name": call.name, "arguments": json.loads(call.arguments),
                      "result": outcome.content if outcome else None,
                      "is_error": bool(outcome.is_error) if outcome else None})
    return {"answer": result.messages[-1].content, "calls": calls}


def _summary(result):
    said = [m for m in result.messages if isinstance(m, BaseChatMessage)]
    drafts = [m.content for m in said if m.source == "writer"]
    last = said[-1]
    approved = last.source == "critic" and APPROVAL in last.content
    return {"speakers": [m.source for m in said], "final_answer": drafts[-1] if drafts else None,
            "stop": "approved" if approved else "max_messages"}


def run_team(task, max_messages=8):
    return _summary(asyncio.run(_run(lambda client: make_team(client, max_messages), task)))


def run_panel(task, max_messages=10):
    return _summary(asyncio.run(_run(lambda client: make_panel(client, max_messages), task)))
