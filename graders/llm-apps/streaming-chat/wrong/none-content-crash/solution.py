"""Streaming chat completions: text, callbacks, tool-call deltas and usage. A reference solution."""

import openai

MODEL = "gradient-scripted"
_client = None


def get_client():
    global _client
    if _client is None:
        _client = openai.OpenAI()
    return _client


class PieceCollector:
    """An ``on_token`` callback that keeps every piece it is given."""

    def __init__(self):
        self.pieces = []

    def __call__(self, piece):
        self.pieces.append(piece)

    @property
    def text(self):
        return "".join(self.pieces)


def merge_tool_call_delta(calls, delta):
    """Fold one streamed tool-call delta (a dict) into ``calls``, a dict from index to
    ``{"id", "name", "arguments"}``: the id and name arrive once, the arguments in pieces."""
    call = calls.setdefault(delta["index"], {"id": None, "name": None, "arguments": ""})
    if delta.get("id"):
        call["id"] = delta["id"]
    function = delta.get("function") or {}
    if function.get("name"):
        call["name"] = function["name"]
    if function.get("arguments"):
        call["arguments"] += function["arguments"]
    return calls


def stream_chat(messages, on_token=None, tools=None):
    """Stream one chat completion; call ``on_token`` with each non-empty piece of text as it arrives.

    Returns {"text", "finish_reason", "tool_calls", "usage"}: the assembled text, the finish reason, the tool
    calls in index order (each {"id", "name", "arguments"}), and the usage from the last chunk.
    """
    extra = {"tools": tools} if tools else {}
    stream = get_client().chat.completions.create(
        model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}, **extra,
    )
    pieces, calls = [], {}
    finish_reason, usage = None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = {"prompt_tokens": chunk.usage.prompt_tokens, "completion_tokens": chunk.usage.completion_tokens,
                     "total_tokens": chunk.usage.total_tokens}
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        pieces.append(delta.content)
        if on_token is not None:
            on_token(delta.content)
        for call in delta.tool_calls or []:
            merge_tool_call_delta(calls, call.model_dump(exclude_none=True))
        if choice.finish_reason is not None:
            finish_reason = choice.finish_reason
    return {"text": "".join(pieces), "finish_reason": finish_reason,
            "tool_calls": [calls[index] for index in sorted(calls)], "usage": usage}
