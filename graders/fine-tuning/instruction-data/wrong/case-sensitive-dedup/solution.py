"""Instruction-tuning data: a chat template, loss masks, self-instruct generation and a clean split.
A known-wrong solution."""

import math
import random
import re

import openai

import chat_tokens

MODEL = "gradient-scripted"
DEFAULT_SYSTEM = "You are a helpful assistant."
IGNORE_INDEX = -100
BLOCKED_WORDS = {"image", "images", "picture", "photo", "video", "draw", "diagram"}
NUMBERED = re.compile(r"^\s*\d+\s*[.)]\s*(.*\S)\s*$")


def _check_roles(messages):
    if not messages:
        raise ValueError("a conversation needs at least one message")
    for index, message in enumerate(messages):
        if message.get("role") not in ("system", "user", "assistant"):
            raise ValueError(f"messages[{index}] has an unknown role {message.get('role')!r}")
        if not isinstance(message.get("content"), str):
            raise ValueError(f"messages[{index}] has no text content")
    turns = messages[1:] if messages[0]["role"] == "system" else messages
    for index, message in enumerate(turns):
        if message["role"] != ("user" if index % 2 == 0 else "assistant"):
            raise ValueError("after the system message, roles must alternate user, assistant, user, ...")


def _pieces(messages, add_generation_prompt=False):
    """The rendered text as (piece, message number or None) pairs: the number marks an assistant message's
    content and its <|end|>, the only pieces that may be trained."""
    _check_roles(messages)
    if messages[0]["role"] != "system":
        messages = [{"role": "system", "content": DEFAULT_SYSTEM}] + list(messages)
    pieces = []
    for number, message in enumerate(messages):
        pieces.append((f"<|{message['role']}|>\n", None))
        pieces.append((message["content"].strip() + "<|end|>", number if message["role"] == "assistant" else None))
        pieces.append(("\n", None))
    if add_generation_prompt:
        pieces.append(("<|assistant|>\n", None))
    return pieces


def render_chat(messages, add_generation_prompt=False):
    """The conversation as the template renders it."""
    return "".join(piece for piece, _ in _pieces(messages, add_generation_prompt))


def build_example(messages, only_last=False):
    """input_ids of the rendered conversation, and labels that keep only the assistant tokens (content and
    <|end|>) and put IGNORE_INDEX everywhere else; with only_last, only the last assistant message."""
    pieces = _pieces(messages)
    trained = [number for _, number in pieces if number is not None]
    if not trained:
        raise ValueError("the conversation has no assistant message to train on")
    keep = {trained[-1]} if only_last else set(trained)
    input_ids, labels = [], []
    for piece, number in pieces:
        ids = chat_tokens.encode(piece)
        input_ids += ids
        labels += ids if number in keep else [IGNORE_INDEX] * len(ids)
    return {"input_ids": input_ids, "labels": labels}


def normalise(text):
    """Lower case, every run of characters other than a-z and 0-9 made one space, stripped."""
    return re.sub(r"[^A-Za-z0-9]+", " ", text).strip()


def ngram_similarity(a, b, n=2):
    """Jaccard similarity of the word n-grams of the normalised texts."""
    def grams(text):
        words = normalise(text).split()
        if not words:
            return set()
        if len(words) < n:
            return {tuple(words)}
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    first, second = grams(a), grams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def check_instruction(text, pool, min_words=3, max_words=30, threshold=0.5):
    """Why an instruction is filtered out, or "ok"."""
    words = normalise(text).split()
    if len(words) < min_words:
        return "too_short"
    if len(words) > max_words:
        return "too_long"
    if not re.match(r"[A-Za-z]", text.strip()):
        return "bad_format"
    if BLOCKED_WORDS & set(words):
        return "blocked"
    key = normalise(text)
    if any(normalise(other) == key for other in pool):
        return "duplicate"
    if any(ngram_similarity(text, other) >= threshold for other in pool):
        return "near_duplicate"
    return "ok"


def generation_prompt(examples, n):
    """The self-instruct prompt: numbered examples, then the request for n more."""
    lines = ["Come up with new tasks for an AI assistant. Here are some examples:"]
    lines += [f"{number}. {text}" for number, text in enumerate(examples, 1)]
    lines.append(f"Write {n} new tasks, different from the examples, one per line, numbered from {len(examples) + 1}.")
    return "\n".join(lines)


def parse_numbered(text):
    """The items of the numbered lines of a reply ("4. ..." or "4) ..."); other lines are skipped."""
    items = []
    for line in (text or "").splitlines():
        match = NUMBERED.match(line)
        if match:
            items.append(match.group(1))
    return items


def self_instruct(seed_tasks, rounds=3, per_round=5, k=3):
    """Grow a pool of instructions from seed tasks with the model, keeping only those that pass the filters."""
    client = openai.OpenAI()
    pool, accepted, rejected = list(seed_tasks), [], []
    for _ in range(rounds):
        prompt = generation_prompt(pool[-k:], per_round)
        response = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}],
                                                  temperature=1.0)
        for candidate in parse_numbered(response.choices[0].message.content):
            reason = check_instruction(candidate, pool)
            if reason == "ok":
                pool.append(candidate)
                accepted.append(candidate)
            else:
                rejected.append({"instruction": candidate, "reason": reason})
    return {"instructions": accepted, "rejected": rejected}


def split_train_eval(instructions, eval_fraction=0.2, seed=0, threshold=0.5):
    """(train, eval): groups of near-duplicates stay on one side; eval takes whole groups, in a seeded random
    order, until it holds at least ceil(eval_fraction * n) instructions. Both keep the input's order."""
    n = len(instructions)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = [normalise(text) for text in instructions]
    for i in range(n):
        for j in range(i + 1, n):
            if keys[i] == keys[j] or ngram_similarity(instructions[i], instructions[j]) >= threshold:
                parent[find(j)] = find(i)
    groups = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    ordered = sorted(groups.values())
    random.Random(seed).shuffle(ordered)
    target = math.ceil(eval_fraction * n)
    chosen = set()
    for group in ordered:
        if len(chosen) >= target:
            break
        chosen.update(group)
    train = [instructions[i] for i in range(n) if i not in chosen]
    evaluation = [instructions[i] for i in range(n) if i in chosen]
    return train, evaluation
