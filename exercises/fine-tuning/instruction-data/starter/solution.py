"""Instruction-tuning data: a chat template, loss masks, self-instruct generation and a clean split.

Replace each ``raise NotImplementedError`` with your own code; README.md has the rules and examples.
"""

import math  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401

import openai  # noqa: F401 - create the client inside self_instruct

import chat_tokens  # noqa: F401 - the tokenizer (a support file): chat_tokens.encode(text) -> list of ids

MODEL = "gradient-scripted"
DEFAULT_SYSTEM = "You are a helpful assistant."
IGNORE_INDEX = -100
BLOCKED_WORDS = {"image", "images", "picture", "photo", "video", "draw", "diagram"}


def render_chat(messages, add_generation_prompt=False):
    """The conversation rendered by the chat template of README.md; ValueError for a malformed one."""
    raise NotImplementedError("render_chat is not written yet")


def build_example(messages, only_last=False):
    """{"input_ids": encode(render_chat(messages)), "labels": the ids of the trained tokens, IGNORE_INDEX elsewhere}."""
    raise NotImplementedError("build_example is not written yet")


def normalise(text):
    """Lower case, every run of characters other than a-z and 0-9 made one space, stripped."""
    raise NotImplementedError("normalise is not written yet")


def ngram_similarity(a, b, n=2):
    """Jaccard similarity of the word n-grams of the normalised texts."""
    raise NotImplementedError("ngram_similarity is not written yet")


def check_instruction(text, pool, min_words=3, max_words=30, threshold=0.5):
    """"ok", or why the instruction is filtered out: "too_short", "too_long", "bad_format", "blocked",
    "duplicate" or "near_duplicate"."""
    raise NotImplementedError("check_instruction is not written yet")


def generation_prompt(examples, n):
    """The self-instruct prompt: the examples numbered from 1, then the request for n new tasks."""
    raise NotImplementedError("generation_prompt is not written yet")


def parse_numbered(text):
    """The items of the numbered lines of a reply ("4. ..." or "4) ..."); other lines are skipped."""
    raise NotImplementedError("parse_numbered is not written yet")


def self_instruct(seed_tasks, rounds=3, per_round=5, k=3):
    """Grow the pool with the model; return {"instructions": accepted, "rejected": [{"instruction", "reason"}]}."""
    raise NotImplementedError("self_instruct is not written yet")


def split_train_eval(instructions, eval_fraction=0.2, seed=0, threshold=0.5):
    """(train, eval) with whole groups of near-duplicates on one side; both in the input's order."""
    raise NotImplementedError("split_train_eval is not written yet")
