"""Chat messages and prompt templates: a reference solution."""

import re

import openai

MODEL = "gradient-scripted"
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_client = None


def get_client():
    """One client for the module, created on first use (base URL and key come from the environment)."""
    global _client
    if _client is None:
        _client = openai.OpenAI()
    return _client


class PromptTemplate:
    """A text with named ``{variables}``; ``{{`` and ``}}`` stand for literal braces."""

    def __init__(self, template):
        self.template = template
        self._parts = []  # literal strings and ("var", name) pairs, in order
        names = []
        for match in _FIELD.finditer(template):
            token, name = match.group(0), match.group(1)
            if token in ("{{", "}}"):
                continue
            if name is None:
                raise ValueError(f"unmatched {token!r} at position {match.start()} in template {template!r}")
            if not name.isidentifier():
                raise ValueError(f"{{{name}}} in template {template!r} is not a valid variable name")
            if name not in names:
                names.append(name)
        self.variables = names

    def format(self, **values):
        text = self.template
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text.replace("{{", "{").replace("}}", "}")

    def _strict_format(self, **values):
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ValueError(f"missing value for variable(s): {', '.join(missing)}")
        extra = sorted(set(values) - set(self.variables))
        if extra:
            raise ValueError(f"unexpected variable(s): {', '.join(extra)} (the template uses: {', '.join(self.variables) or 'none'})")

        def fill(match):
            token = match.group(0)
            if token == "{{":
                return "{"
            if token == "}}":
                return "}"
            return str(values[match.group(1)])

        return _FIELD.sub(fill, self.template)


def build_messages(system, user, history=()):
    """[system?] + alternating user/assistant turns of ``history`` + the new user message."""
    messages = []
    if system:
        messages.append({"role": "system", "content": system})
    for question, answer in history:
        messages.append({"role": "user", "content": question})
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": user})
    return messages


def few_shot_messages(instructions, examples, query, user_template="{text}"):
    """The instructions as the system message, each example as a user turn and its label as the assistant's
    answer, then the query as the last user turn (the same template for examples and query)."""
    template = PromptTemplate(user_template)
    history = [(template.format(text=text), label) for text, label in examples]
    return build_messages(instructions, template.format(text=query), history)


def normalise_label(answer, labels):
    """The label a model's answer names, or "unknown"."""
    if answer is None:
        return "unknown"
    cleaned = answer.strip().strip("\"'.").strip().lower()
    allowed = {label.lower() for label in labels}
    return cleaned if cleaned in allowed else "unknown"


def classify(text, examples, labels):
    """Ask the model for the label of ``text`` with a few-shot prompt, and return it normalised."""
    instructions = f"Classify the text into one of these labels: {', '.join(labels)}. Answer with the label only."
    messages = few_shot_messages(instructions, examples, text, user_template="Text: {text}")
    response = get_client().chat.completions.create(model=MODEL, messages=messages, temperature=0)
    return normalise_label(response.choices[0].message.content, labels)
