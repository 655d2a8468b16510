"""Chain-of-thought prompting, few-shot examples and self-consistency.

Replace each ``raise NotImplementedError`` with your own code; README.md has the rules and an example.
"""

import re  # noqa: F401 - useful for words, markers and numbers

import openai  # noqa: F401 - create the client inside a function

MODEL = "gradient-scripted"
SYSTEM_PROMPT = (
    "Solve the problem step by step. End your reply with a last line of the form 'Final answer: <number>'."
)


def select_examples(pool, question, k):
    """The k examples whose questions share the most distinct words with ``question``, least similar first."""
    raise NotImplementedError("select_examples is not written yet")


def build_messages(examples, question):
    """The system prompt, a user/assistant turn pair per example, then ``"Question: <question>"``."""
    raise NotImplementedError("build_messages is not written yet")


def parse_final_answer(text):
    """The number after the last 'Final answer:' marker, in canonical form; None if there is none."""
    raise NotImplementedError("parse_final_answer is not written yet")


def majority_vote(answers):
    """The most frequent answer (None is no vote); a tie goes to the tied answer that came first."""
    raise NotImplementedError("majority_vote is not written yet")


def self_consistency(question, pool, k=3, n=5, temperature=0.7, max_tokens=200, budget_tokens=None):
    """Sample up to n chains of thought, stop early at a majority or at the token budget, and vote.
    Return {"answer", "answers", "calls", "stopped", "prompt_tokens", "completion_tokens", "total_tokens"}."""
    raise NotImplementedError("self_consistency is not written yet")
