"""A chatbot with memory that fits its prompt into a token budget."""

import re

import openai

MODEL = "gradient-scripted"
SUMMARY_INSTRUCTION = "Summarise the conversation below in a few sentences."
WORD = re.compile(r"\w+|[^\w\s]")


def count_tokens(text):
    """Tokens by the exercise's rule: each run of letters/digits/underscores, each other non-space char."""
    return len(WORD.findall(text or ""))


def prompt_tokens(messages):
    """The tokens of a list of messages: the sum over their contents."""
    return sum(count_tokens(m["content"]) for m in messages)


class Chat:
    def __init__(self, system_prompt, max_prompt_tokens, summarize=False, summary_tokens=40):
        self.system_prompt = system_prompt
        self.max_prompt_tokens = max_prompt_tokens
        self.summarize = summarize
        self.summary_tokens = summary_tokens
        self.client = openai.OpenAI()
        self.reset()

    def reset(self):
        """Forget the turns and the summary; keep the system prompt."""
        self.turns = []  # (user_text, assistant_text) pairs, oldest first
        self.summary = None

    @property
    def messages(self):
        """The conversation as it stands: system prompt, summary (if any), then the turns."""
        out = [{"role": "system", "content": self.system_prompt}]
        if self.summary:
            out.append({"role": "system", "content": self.summary})
        for user, assistant in self.turns:
            out += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
        return out

    def _fits(self, turns, new):
        used = count_tokens(self.system_prompt) + count_tokens(new)
        used += sum(count_tokens(u) + count_tokens(a) for u, a in turns)
        if self.summarize:
            used += self.summary_tokens
        return used <= self.max_prompt_tokens

    def send(self, text):
        if not self._fits([], text):
            raise ValueError("the system prompt and this message alone exceed the token budget")
        dropped = []
        while not self._fits(self.turns, text):
            dropped.append(self.turns.pop(0))
        if dropped and self.summarize:
            self._summarise(dropped)
        request = self.messages + [{"role": "user", "content": text}]
        response = self.client.chat.completions.create(model=MODEL, messages=request)
        answer = response.choices[0].message.content or ""
        self.turns.append((text, answer))
        return answer

    def _summarise(self, dropped):
        lines = [f"summary: {self.summary}"] if self.summary else []
        for user, assistant in dropped:
            lines += [f"user: {user}", f"assistant: {assistant}"]
        response = self.client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "system", "content": SUMMARY_INSTRUCTION}, {"role": "user", "content": "\n".join(lines)}],
            max_tokens=self.summary_tokens,
        )
        self.summary = response.choices[0].message.content or ""
