"""Chains with LangChain: see README.md."""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser  # noqa: F401
from langchain_core.prompts import ChatPromptTemplate  # noqa: F401
from langchain_openai import ChatOpenAI  # noqa: F401
from pydantic import BaseModel

MODEL_NAME = "gradient-scripted"

SYSTEM_PROMPTS = {
    "math": "You are a careful mathematician. Show the key step, then the result.",
    "history": "You are a historian. Give dates and name your sources.",
    "other": "You are a helpful assistant. Answer briefly.",
}


class Contact(BaseModel):
    name: str
    email: str
    company: str | None = None


def make_model():
    """A ChatOpenAI for MODEL_NAME, temperature 0, no retries."""
    raise NotImplementedError


def summary_chain(model):
    """{"text", "words"} -> the stripped summary."""
    raise NotImplementedError


def translate_all(model, texts, language):
    """One call per text, translations in the order of texts."""
    raise NotImplementedError


def extract_contact(model, text):
    """The Contact in the text, through tool calling, as a dict."""
    raise NotImplementedError


def route(model, question):
    """Classify into math/history/other, then answer with that topic's system prompt."""
    raise NotImplementedError
