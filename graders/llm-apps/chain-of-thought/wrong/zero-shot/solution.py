"""Chain-of-thought prompting, few-shot examples and self-consistency. A known-wrong solution."""

import re
from collections import Counter
from decimal import Decimal

import openai

MODEL = "gradient-scripted"
SYSTEM_PROMPT = (
    "Solve the problem step by step. End your reply with a last line of the form 'Final answer: <number>'."
)
WORD = re.compile(r"[a-z0-9]+")
MARKER = re.compile(r"final answer[\s*_]*:", re.IGNORECASE)
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def _words(text):
    return set(WORD.findall(text.lower()))


def select_examples(pool, question, k):
    """The k examples of ``pool`` whose questions share the most words with ``question``, least similar
    first and most similar last (equal overlaps keep the pool's order)."""
    if k < 0:
        raise ValueError(f"k must be at least 0, got {k}")
    target = _words(question)
    scored = [(len(_words(example["question"]) & target), index) for index, example in enumerate(pool)]
    chosen = sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:k]
    return [pool[index] for _, index in sorted(chosen)]


def build_messages(examples, question):
    """The system prompt, one user/assistant turn pair per example, then the question."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages.append({"role": "user", "content": f"Question: {question}"})
    return messages


def parse_final_answer(text):
    """The number on the line of the last 'Final answer:' marker, in canonical form; None if there is none."""
    if not text:
        return None
    markers = list(MARKER.finditer(text))
    if not markers:
        return None
    rest = text[markers[-1].end():].split("\n", 1)[0]
    match = NUMBER.search(rest)
    if not match:
        return None
    value = Decimal(match.group().replace(",", ""))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def majority_vote(answers):
    """The most frequent answer (None ignored); a tie goes to the tied answer seen first; None if no answer."""
    counts = Counter(answer for answer in answers if answer is not None)
    if not counts:
        return None
    best = max(counts.values())
    return next(answer for answer in answers if answer is not None and counts[answer] == best)


def self_consistency(question, pool, k=3, n=5, temperature=0.7, max_tokens=200, budget_tokens=None):
    """Sample up to n chains of thought, parse each final answer and take a majority vote."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if temperature <= 0:
        raise ValueError(f"self-consistency needs a temperature above 0, got {temperature}")
    messages = build_messages(select_examples(pool, question, k), question)
    client = openai.OpenAI()
    answers, prompt_tokens, completion_tokens, last_total = [], 0, 0, None
    stopped = "all_samples"
    for _ in range(n):
        if budget_tokens is not None and last_total is not None:
            if prompt_tokens + completion_tokens + last_total > budget_tokens:
                stopped = "budget"
                break
        response = client.chat.completions.create(model=MODEL, messages=messages, temperature=temperature,
                                                  max_tokens=max_tokens)
        prompt_tokens += response.usage.prompt_tokens
        completion_tokens += response.usage.completion_tokens
        last_total = response.usage.total_tokens
        choice = response.choices[0]
        answer = None if choice.finish_reason == "length" else parse_final_answer(choice.message.content)
        answers.append(answer)
        if answer is not None and answers.count(answer) > n // 2:
            stopped = "majority"
            break
    return {
        "answer": majority_vote(answers),
        "answers": answers,
        "calls": len(answers),
        "stopped": stopped,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
