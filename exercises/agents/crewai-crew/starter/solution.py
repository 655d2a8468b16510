"""A research crew in CrewAI: see README.md."""

from __future__ import annotations

import logging
import os

# CrewAI sends anonymous telemetry unless told not to; the boxes have no network, so switch it off first.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
# CrewAI warns on every call that it estimates token counts for a model it does not know: keep that quiet.
logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)

from crewai import LLM, Agent, Crew, Process, Task  # noqa: E402, F401
from crewai.tools import tool  # noqa: E402, F401

# ---------------------------------------------------------------- given: keep these as they are
MODEL_NAME = "gradient-scripted"

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
RESEARCH_TASK = {
    "description": "Find the key facts about {topic}. Search the notes with the search_notes tool.",
    "expected_output": "A bullet list of facts about {topic}, taken from the notes.",
}
WRITE_TASK = {
    "description": "Write one paragraph about {topic} for a general reader, using only the research.",
}
HEADLINE_TASK = {
    "description": "Write a headline for the paragraph about {topic}.",
    "expected_output": "One headline of at most 10 words, without a full stop.",
}


# ---------------------------------------------------------------- your part
# The tool: decorate it with @tool("search_notes") and keep its docstring (it becomes the tool's description).
def search_notes(query: str) -> str:
    """Search the research notes. Returns the facts of every topic named in the query, one per line."""
    raise NotImplementedError


def make_llm():
    """LLM(model=MODEL_NAME, provider="openai", temperature=0, max_retries=0): no base URL, no key."""
    raise NotImplementedError


def check_paragraph(text, max_words):
    """(True, the stripped paragraph) or (False, the feedback), as README.md says."""
    raise NotImplementedError


def build_crew(llm, max_words=60):
    """The researcher and the writer, the tasks research -> write -> headline, a sequential Crew."""
    raise NotImplementedError


def run_crew(crew, topic):
    """Kick the crew off for `topic`: {"final": ..., "tasks": [[name, agent role, output], ...]}."""
    raise NotImplementedError


if __name__ == "__main__":
    # Run the public tests (pytest public_tests/), or try it against an OpenAI-compatible server of your own:
    # set OPENAI_BASE_URL and OPENAI_API_KEY, and a model name that server knows in MODEL_NAME.
    pass
