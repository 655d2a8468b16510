"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They pass LangChain's fake chat models to your functions (no server needed) and check the statement's
examples. The hidden grader uses the real ChatOpenAI against a scripted model and checks every request.
"""

import os
import sys

from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import SYSTEM_PROMPTS, extract_contact, make_model, route, summary_chain, translate_all  # noqa: E402


def test_make_model_is_a_chat_openai_for_the_exercise_model():
    os.environ.setdefault("OPENAI_API_KEY", "not-used")
    model = make_model()
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gradient-scripted"
    assert model.temperature == 0 and model.max_retries == 0


def test_summary_chain_example_returns_the_stripped_text():
    chain = summary_chain(FakeListChatModel(responses=["  Cats nap.\n"]))
    assert chain.invoke({"text": "Cats sleep a lot.", "words": 5}) == "Cats nap."


def test_summary_prompt_of_the_example():
    chain = summary_chain(FakeListChatModel(responses=["x"]))
    prompt = chain.first.invoke({"text": "Cats sleep a lot.", "words": 5})
    messages = prompt.to_messages()
    assert [m.type for m in messages] == ["system", "human"]
    assert messages[1].content == "Summarise in at most 5 words:\n\nCats sleep a lot."


def test_translate_all_keeps_the_order():
    model = FakeListChatModel(responses=[" un ", " deux "])
    assert translate_all(model, ["one", "two"], "French") == ["un", "deux"]
    assert translate_all(model, [], "French") == []


def test_route_example_normalises_the_label():
    model = FakeListChatModel(responses=[" History.\n", " In 1066. "])
    assert route(model, "When was the battle of Hastings?") == {"topic": "history", "answer": "In 1066."}
    assert set(SYSTEM_PROMPTS) == {"math", "history", "other"}


class ToolModel(GenericFakeChatModel):
    """A fake chat model that accepts tools and answers with a tool call."""

    def bind_tools(self, tools, **kwargs):
        return self


def test_extract_contact_reads_the_tool_call():
    answer = AIMessage(content="", tool_calls=[{"name": "Contact", "args": {"name": "Ada", "email": "ada@example.org"},
                                                 "id": "call_1"}])
    got = extract_contact(ToolModel(messages=iter([answer])), "Ada, ada@example.org")
    assert got == {"name": "Ada", "email": "ada@example.org", "company": None}
