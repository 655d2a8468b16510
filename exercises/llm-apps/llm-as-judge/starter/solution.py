"""An LLM-as-judge for pairwise comparison. See README.md."""

import re  # noqa: F401 - useful for parse_verdict

import openai  # noqa: F401

MODEL = "gradient-scripted"
JUDGE_SYSTEM = ("You are an impartial judge. Compare two answers to a question using the criteria given. "
                "End your reply with a line 'Verdict: A', 'Verdict: B' or 'Verdict: tie'.")


def build_judge_prompt(question, answer_a, answer_b, criteria):
    """[system message JUDGE_SYSTEM, user message in the README's layout]."""
    raise NotImplementedError


def parse_verdict(text):
    """'A', 'B' or 'tie' from a judge's reply, by the README's rules; ValueError when there is none."""
    raise NotImplementedError


def judge_pair(question, answer_a, answer_b, criteria):
    """Judge in the given order and swapped; return the verdict if both agree (in the original labels), else 'tie'."""
    raise NotImplementedError


def verbosity_bias(records, threshold=0.6):
    """{"longer_win_rate": ..., "biased": ...} over the decisive verdicts between answers of different lengths."""
    raise NotImplementedError


def agreement(judge_labels, human_labels):
    """{"accuracy": ..., "kappa": ...}: observed agreement and Cohen's kappa."""
    raise NotImplementedError
