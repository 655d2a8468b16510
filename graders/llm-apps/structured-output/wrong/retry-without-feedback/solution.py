"""Structured output from a chat model: JSON mode, validation and retries. A reference solution."""

import json

import openai

MODEL = "gradient-scripted"
CATEGORIES = ("billing", "technical", "account", "other")
FIELDS = ("category", "priority", "summary", "needs_human")
SYSTEM_PROMPT = (
    "You turn customer support messages into tickets. Reply with a JSON object only, with exactly these keys: "
    '"category" (one of "billing", "technical", "account", "other"), "priority" (an integer from 1 to 5), '
    '"summary" (a non-empty string of at most 200 characters) and "needs_human" (true or false).'
)
_client = None


class InvalidOutput(ValueError):
    """The model's reply is not a valid ticket; ``problems`` lists what is wrong."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class ExtractionError(RuntimeError):
    """The model gave no valid ticket within the allowed attempts."""


def get_client():
    global _client
    if _client is None:
        _client = openai.OpenAI()
    return _client


def validate_ticket(data):
    """Every problem of ``data`` as a ticket, one string each naming its key; [] when it is valid."""
    if not isinstance(data, dict):
        return [f"the reply must be a JSON object, not {type(data).__name__}"]
    problems = [f"missing key '{key}'" for key in FIELDS if key not in data]
    problems += [f"unexpected key '{key}'" for key in data if key not in FIELDS]
    if "category" in data and data["category"] not in CATEGORIES:
        problems.append(f"'category' must be one of {', '.join(CATEGORIES)}, not {data['category']!r}")
    if "priority" in data:
        priority = data["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool):
            problems.append(f"'priority' must be an integer, not {type(priority).__name__}")
        elif not 1 <= priority <= 5:
            problems.append(f"'priority' must be between 1 and 5, not {priority}")
    if "summary" in data:
        summary = data["summary"]
        if not isinstance(summary, str):
            problems.append(f"'summary' must be a string, not {type(summary).__name__}")
        elif not summary.strip():
            problems.append("'summary' must not be empty")
        elif len(summary) > 200:
            problems.append(f"'summary' must be at most 200 characters, not {len(summary)}")
    if "needs_human" in data and not isinstance(data["needs_human"], bool):
        problems.append(f"'needs_human' must be true or false, not {type(data['needs_human']).__name__}")
    return problems


def parse_ticket(text):
    """The ticket in a reply's text, or InvalidOutput saying what is wrong with it."""
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as error:
        raise InvalidOutput([f"the reply is not valid JSON ({error.msg} at position {error.pos})"]) from None
    problems = validate_ticket(data)
    if problems:
        raise InvalidOutput(problems)
    return data


def extract_ticket(message, max_retries=2):
    """Ask the model for the ticket of ``message``; retry at most ``max_retries`` times, each time telling it
    what was wrong, then raise ExtractionError."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": message}]
    last = None
    for _ in range(max_retries + 1):
        response = get_client().chat.completions.create(
            model=MODEL, messages=messages, response_format={"type": "json_object"}, temperature=0,
        )
        reply = response.choices[0].message.content or ""
        try:
            return parse_ticket(reply)
        except InvalidOutput as error:
            last = error
    raise ExtractionError(f"no valid ticket after {max_retries + 1} attempts; last problem: {last}")
