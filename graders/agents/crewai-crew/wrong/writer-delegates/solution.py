"""A research crew in CrewAI: the reference."""

from __future__ import annotations

import logging
import os

# CrewAI sends anonymous telemetry unless told not to; the boxes have no network, so switch it off first.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
# CrewAI warns on every call that it estimates token counts for a model it does not know: keep that quiet.
logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)

from crewai import LLM, Agent, Crew, Process, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402

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


@tool("search_notes")
def search_notes(query: str) -> str:
    """Search the research notes. Returns the facts of every topic named in the query, one per line."""
    wanted = query.lower()
    facts = [fact for topic, lines in NOTES.items() if topic in wanted for fact in lines]
    return "\n".join(facts) if facts else f"No notes found for: {query}"


def make_llm():
    return LLM(model=MODEL_NAME, provider="openai", temperature=0, max_retries=0)


def check_paragraph(text, max_words):
    paragraph = text.strip()
    if not paragraph:
        return False, "The paragraph is empty."
    if "\n\n" in paragraph:
        return False, "Write a single paragraph, without blank lines."
    words = len(paragraph.split())
    if words > max_words:
        return False, f"The paragraph has {words} words; cut it to at most {max_words}."
    return True, paragraph


def build_crew(llm, max_words=60):
    researcher = Agent(**RESEARCHER, llm=llm, tools=[search_notes], allow_delegation=False, max_iter=4)
    writer = Agent(**WRITER, llm=llm, allow_delegation=True)
    research = Task(name="research", **RESEARCH_TASK, agent=researcher)
    write = Task(
        name="write",
        **WRITE_TASK,
        expected_output=f"One paragraph of at most {max_words} words.",
        agent=writer,
        context=[research],
        guardrail=lambda output: check_paragraph(output.raw, max_words),
        guardrail_max_retries=2,
    )
    headline = Task(name="headline", **HEADLINE_TASK, agent=writer, context=[write])
    return Crew(agents=[researcher, writer], tasks=[research, write, headline], process=Process.sequential)


def run_crew(crew, topic):
    result = crew.kickoff(inputs={"topic": topic})
    return {
        "final": result.raw,
        "tasks": [[output.name, output.agent, output.raw] for output in result.tasks_output],
    }
