"""Chains with LangChain: the reference."""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

MODEL_NAME = "gradient-scripted"

SYSTEM_PROMPTS = {
    "math": "You are a careful mathematician. Show the key step, then the result.",
    "history": "You are a historian. Give dates and name your sources.",
    "other": "You are a helpful assistant. Answer briefly.",
}
TOPICS = ("math", "history", "other")

SUMMARY_PROMPT = ChatPromptTemplate.from_messages([
    ("system", "You summarise texts for busy readers. Answer with the summary only."),
    ("human", "Summarise in at most {words} words:\n\n{text}"),
])
TRANSLATE_PROMPT = ChatPromptTemplate.from_messages([
    ("system", "Translate the user's text into {language}. Answer with the translation only."),
    ("human", "{text}"),
])
CLASSIFY_SYSTEM = "Classify the question into exactly one of: math, history, other. Answer with the word only."


class Contact(BaseModel):
    name: str
    email: str
    company: str | None = None


def make_model():
    return ChatOpenAI(model=MODEL_NAME, temperature=0, max_retries=0)


def _strip(text: str) -> str:
    return text.strip()


def summary_chain(model):
    return SUMMARY_PROMPT | model | StrOutputParser() | RunnableLambda(_strip)


def translate_all(model, texts, language):
    if not texts:
        return []
    chain = TRANSLATE_PROMPT | model | StrOutputParser() | RunnableLambda(_strip)
    return chain.batch([{"text": text, "language": language} for text in texts], config={"max_concurrency": 1})


def extract_contact(model, text):
    extractor = model.with_structured_output(Contact, method="function_calling")
    contact = extractor.invoke([("system", "Extract the contact details from the text."), ("human", text)])
    return contact.model_dump()


def normalise_topic(label: str) -> str:
    word = label.strip().lower().rstrip(".").strip()
    return word if word in TOPICS else "other"


def route(model, question):
    label = (model | StrOutputParser()).invoke([("system", CLASSIFY_SYSTEM), ("human", question)])
    topic = normalise_topic(label)
    answer = (model | StrOutputParser()).invoke([("system", SYSTEM_PROMPTS[topic]), ("human", question)])
    return {"topic": topic, "answer": answer.strip()}
