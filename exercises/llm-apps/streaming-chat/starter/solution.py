"""Streaming chat completions: text, callbacks, tool-call deltas and usage.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import openai  # noqa: F401 - you will need it

MODEL = "gradient-scripted"


class PieceCollector:
    """An ``on_token`` callback that keeps every piece it is given (``pieces``, and ``text`` joined)."""

    def __init__(self):
        raise NotImplementedError("PieceCollector is not written yet")

    def __call__(self, piece):
        raise NotImplementedError("PieceCollector is not written yet")

    @property
    def text(self):
        raise NotImplementedError("PieceCollector.text is not written yet")


def merge_tool_call_delta(calls, delta):
    """Fold one tool-call delta (a dict with "index", maybe "id" and "function": {"name", "arguments"}) into
    ``calls`` (index -> {"id", "name", "arguments"}) and return ``calls``."""
    raise NotImplementedError("merge_tool_call_delta is not written yet")


def stream_chat(messages, on_token=None, tools=None):
    """One streamed call (stream=True, stream_options={"include_usage": True}); returns
    {"text", "finish_reason", "tool_calls", "usage"}."""
    raise NotImplementedError("stream_chat is not written yet")
