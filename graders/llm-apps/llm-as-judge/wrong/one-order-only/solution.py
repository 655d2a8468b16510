"""An LLM-as-judge for pairwise comparison, with position-bias mitigation and agreement statistics."""

import re

import openai

MODEL = "gradient-scripted"
JUDGE_SYSTEM = ("You are an impartial judge. Compare two answers to a question using the criteria given. "
                "End your reply with a line 'Verdict: A', 'Verdict: B' or 'Verdict: tie'.")
VERDICT_LINE = re.compile(r"verdict\s*:\s*\**\s*(A|B|tie)\b", re.IGNORECASE)
FIRST_LABEL = re.compile(r"\b(A|B)\b|\b(tie)\b", re.IGNORECASE)
SWAP = {"A": "B", "B": "A", "tie": "tie"}


def build_judge_prompt(question, answer_a, answer_b, criteria):
    """The judge's messages: the fixed system prompt, then the criteria, question and both answers."""
    user = (f"Criteria: {criteria}\n\nQuestion: {question}\n\n[Answer A]\n{answer_a}\n\n[Answer B]\n{answer_b}\n\n"
            "Which answer is better? Reply with A, B or tie.")
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


def parse_verdict(text):
    """'A', 'B' or 'tie' from a judge's reply; ValueError when it holds none."""
    found = VERDICT_LINE.findall(text)
    if found:
        label = found[-1]
    else:
        match = re.search(r"\b(A|B)\b|\b(?i:tie)\b", text)
        if not match:
            raise ValueError(f"no verdict in {text[:80]!r}")
        label = match.group(0)
    return "tie" if label.lower() == "tie" else label.upper()


def judge_once(client, question, answer_a, answer_b, criteria):
    response = client.chat.completions.create(
        model=MODEL, messages=build_judge_prompt(question, answer_a, answer_b, criteria), temperature=0)
    return parse_verdict(response.choices[0].message.content or "")


def judge_pair(question, answer_a, answer_b, criteria):
    """Judge in both orders; a verdict that flips with the order becomes a tie."""
    client = openai.OpenAI()
    return judge_once(client, question, answer_a, answer_b, criteria)  # one order only


def verbosity_bias(records, threshold=0.6):
    """How often a decisive verdict picks the longer answer (in words), and whether that exceeds threshold."""
    longer = decisive = 0
    for record in records:
        len_a, len_b = len(record["answer_a"].split()), len(record["answer_b"].split())
        if record["verdict"] == "tie" or len_a == len_b:
            continue
        decisive += 1
        longer += (record["verdict"] == "A") == (len_a > len_b)
    rate = longer / decisive if decisive else 0.0
    return {"longer_win_rate": rate, "biased": rate > threshold}


def agreement(judge_labels, human_labels):
    """Accuracy and Cohen's kappa between the judge's labels and the humans'."""
    if len(judge_labels) != len(human_labels) or not judge_labels:
        raise ValueError("need two non-empty label lists of the same length")
    n = len(judge_labels)
    observed = sum(j == h for j, h in zip(judge_labels, human_labels)) / n
    labels = set(judge_labels) | set(human_labels)
    chance = sum((judge_labels.count(k) / n) * (human_labels.count(k) / n) for k in labels)
    if chance == 1:
        kappa = 1.0 if observed == 1 else 0.0
    else:
        kappa = (observed - chance) / (1 - chance)
    return {"accuracy": observed, "kappa": kappa}
