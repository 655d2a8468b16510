"""Prompt templates, chat messages and few-shot classification.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import openai

MODEL = "gradient-scripted"


class PromptTemplate:
    """A text with named ``{variables}``; ``{{`` and ``}}`` stand for literal braces."""

    def __init__(self, template):
        """Parse ``template``; set ``self.variables`` (names in order of first appearance, each once).
        Raise ValueError for a lone brace or a ``{...}`` that is not an identifier."""
        raise NotImplementedError("PromptTemplate is not written yet")

    def format(self, **values):
        """Return the filled-in text; ValueError naming missing or unexpected variables."""
        raise NotImplementedError("PromptTemplate.format is not written yet")


def build_messages(system, user, history=()):
    """[system message if any] + a user and an assistant message per (question, answer) + the user message."""
    raise NotImplementedError("build_messages is not written yet")


def few_shot_messages(instructions, examples, query, user_template="{text}"):
    """Instructions as the system message, each (text, label) example as a user/assistant pair, then the query."""
    raise NotImplementedError("few_shot_messages is not written yet")


def normalise_label(answer, labels):
    """Strip whitespace, quotes and periods, lower-case; a label of ``labels`` or "unknown"."""
    raise NotImplementedError("normalise_label is not written yet")


def classify(text, examples, labels):
    """One call to the model (openai.OpenAI(), model "gradient-scripted") with the few-shot prompt; the
    normalised label of its answer."""
    raise NotImplementedError("classify is not written yet")
