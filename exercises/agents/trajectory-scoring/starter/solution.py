"""Scoring an agent's trajectory (OpenAI chat format) against an expected plan of tool calls.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
WEIGHTS is given complete: it is the table from the README.
"""

import json  # noqa: F401

WEIGHTS = {"valid": 0.15, "recall": 0.25, "precision": 0.15, "in_order": 0.10, "efficiency": 0.10, "answer": 0.25}


def tool_calls(messages: list[dict]) -> list[dict]:
    """Every tool call in order: {"id", "name", "arguments" (parsed dict or None), "message", "answered"}."""
    raise NotImplementedError("tool_calls is not written yet")


def validate_trajectory(messages: list[dict]) -> list[str]:
    """The structural errors of the trajectory, in the order they are found (README: exact messages)."""
    raise NotImplementedError("validate_trajectory is not written yet")


def arguments_match(got, want, tol: float = 1e-6) -> bool:
    """JSON values equal up to key order, with numbers within tol * max(1, |want|); booleans only match booleans."""
    raise NotImplementedError("arguments_match is not written yet")


def match_calls(messages: list[dict], expected_calls: list[dict], tol: float = 1e-6) -> dict:
    """{"matches": [(call index, expected index), ...], "precision", "recall"}, each expected call matched once."""
    raise NotImplementedError("match_calls is not written yet")


def follows_order(messages: list[dict], required_order: list[str]) -> bool:
    """Whether the names of the answered calls contain required_order as a subsequence."""
    raise NotImplementedError("follows_order is not written yet")


def step_efficiency(messages: list[dict], expected_calls: list[dict], tol: float = 1e-6) -> dict:
    """{"extra": unmatched calls, "repeated": calls equal to an earlier one, "efficiency": ...}."""
    raise NotImplementedError("step_efficiency is not written yet")


def final_answer(messages: list[dict]):
    """The content of the last message if it is an assistant message without tool calls, else None."""
    raise NotImplementedError("final_answer is not written yet")


def answer_matches(messages: list[dict], answer: str) -> bool:
    """Whether the final answer equals `answer`, ignoring case and runs of whitespace."""
    raise NotImplementedError("answer_matches is not written yet")


def score_trajectory(messages: list[dict], task: dict, tol: float = 1e-6) -> dict:
    """All the checks above and the weighted score (README: keys and weights)."""
    raise NotImplementedError("score_trajectory is not written yet")
