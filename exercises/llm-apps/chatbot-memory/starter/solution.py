"""A chatbot with memory that fits its prompt into a token budget. See README.md."""

import re

import openai

MODEL = "gradient-scripted"
SUMMARY_INSTRUCTION = "Summarise the conversation below in a few sentences."
WORD = re.compile(r"\w+|[^\w\s]")


def count_tokens(text):
    """The tokens of `text`: each run of letters/digits/underscores, and each other non-space character."""
    raise NotImplementedError


class Chat:
    def __init__(self, system_prompt, max_prompt_tokens, summarize=False, summary_tokens=40):
        """Keep the settings, create the client with openai.OpenAI(), and start with no turns."""
        self.system_prompt = system_prompt
        self.max_prompt_tokens = max_prompt_tokens
        self.summarize = summarize
        self.summary_tokens = summary_tokens
        self.client = openai.OpenAI()
        raise NotImplementedError

    def send(self, text):
        """Trim the oldest whole turns until the prompt fits, call the model once, store the turn, return the
        answer. Raise ValueError if the system prompt and `text` alone exceed the budget."""
        raise NotImplementedError

    def reset(self):
        """Forget every turn and the summary; keep the system prompt."""
        raise NotImplementedError
