"""Runs inside the grader box: the scripted model that answers a submission's OpenAI-compatible requests.

A grader declares ``LLM = {...}`` (sandbox.manifest.ModelSpec); each test then gets a fresh
:class:`ScriptedModel` (the ``llm`` fixture) and scripts its answers::

    def test_classifies(student, llm):
        llm.script("positive")                                   # the answers, in order
        assert student.classify("I loved it") == "positive"
        assert "I loved it" in llm.requests[0]["messages"][-1]["content"]

    def test_calls_a_tool(student, llm):
        llm.respond(lambda request: tool_call("get_weather", {"city": "Oslo"}) if len(request["messages"]) < 3
                    else "It is sunny in Oslo.")

The requests arrive here after the worker has checked their frame; their bodies are the submission's and are
read as untrusted JSON. Each answer is built as the OpenAI chat-completions API builds it (``choices``,
``message``, ``tool_calls``, ``finish_reason``, ``usage``; chunks for ``"stream": true``), so the real
``openai`` client and LangChain's OpenAI integration parse it as they would a provider's. Tokens are counted
by the exercise's rule (``LLM["tokens"]``), and a test's calls and tokens are held to the budget: past it,
the model answers 429 and the test fails with what was used.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

CREATED = 1_767_225_600  # a fixed "created" time: answers are the same on every run
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
WORD = re.compile(r"\w+|[^\w\s]")
PIECE = re.compile(r"\s*\S+\s*|\s+")


class ModelError(Exception):
    """A scripted HTTP error (``llm.script(ModelError(500, "overloaded"))``): the client sees that status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def tool_call(name: str, arguments: dict[str, Any] | str, *, id: str | None = None) -> dict[str, Any]:  # noqa: A002
    """One tool call for a scripted answer (``{"tool_calls": [tool_call(...)]}``, or a tool call alone)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": id, "type": "function", "function": {"name": name, "arguments": text}}


def count_tokens(text: str, rule: str) -> int:
    """Tokens of a text by the exercise's rule: "words" counts each run of letters, digits and underscores
    and each other non-space character; "chars" counts one per 4 characters, rounded up."""
    if rule == "chars":
        return math.ceil(len(text) / 4)
    return len(WORD.findall(text))


def message_text(message: dict[str, Any]) -> str:
    """The text of a message as tokens are counted: its content (text parts of a list), and the names and
    arguments of an assistant's tool calls."""
    parts: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        parts += [p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            parts += [str(function.get("name", "")), str(function.get("arguments", ""))]
    return "\n".join(parts)


class ScriptedModel:
    """One test's model: its script, every request it received, and what they used."""

    def __init__(self, spec: dict[str, Any] | None) -> None:
        spec = spec or {}
        self.offered = bool(spec)
        self.name = str(spec.get("model", "gradient-scripted"))
        self.rule = "chars" if spec.get("tokens") == "chars" else "words"
        self.budget_tokens: int | None = spec.get("budget_tokens")
        self.budget_calls: int | None = spec.get("budget_calls")
        self.requests: list[dict[str, Any]] = []  # the bodies of the chat requests, as parsed here
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.overrun = ""  # set once the test went past its budget: the test fails with it
        self.failure: BaseException | None = None  # an assertion of the script itself, raised in the test
        self._queue: list[Any] = []
        self._responder: Callable[[dict[str, Any]], Any] | None = None

    # ------------------------------------------------------------------ what a test says

    def script(self, *answers: Any) -> ScriptedModel:
        """Answers in order, one per request: a text, a dict (``{"content": ..., "tool_calls": [...]}``), a
        :func:`tool_call`, or a :class:`ModelError`. A request past the last one gets an error."""
        self._queue.extend(answers)
        return self

    def respond(self, responder: Callable[[dict[str, Any]], Any]) -> ScriptedModel:
        """Answer each request with ``responder(request_body)`` (any answer :meth:`script` takes). An
        AssertionError it raises fails the test, with its message; the submission gets a 500."""
        self._responder = responder
        return self

    def budget(self, *, tokens: int | None = None, calls: int | None = None) -> ScriptedModel:
        """This test's budget instead of the exercise's."""
        self.budget_tokens, self.budget_calls = tokens, calls
        return self

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def last_request(self) -> dict[str, Any]:
        if not self.requests:
            raise AssertionError("Your code did not call the model.")
        return self.requests[-1]

    def count(self, text: str) -> int:
        return count_tokens(text, self.rule)

    # ------------------------------------------------------------------ a request

    def serve(self, request: Any) -> dict[str, Any]:
        """The ``llm_reply`` frame for one request (never raises: a grader's own error is kept in ``failure``)."""
        try:
            return self._serve(request)
        except ModelError as exc:
            return error_reply(exc.status, exc.message, retry=exc.status not in (404, 500))
        except RecursionError:  # the submission's request nests deeper than the checks go
            return error_reply(400, "The request is nested too deeply.", retry=False)
        except BaseException as exc:  # noqa: BLE001 - the script's own failure: the test reports it
            if self.failure is None:
                self.failure = exc
            # No retry: the client's retries would only repeat the request that failed the test.
            return error_reply(500, "The model failed on this request.", retry=False)

    def _serve(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            return error_reply(400, "The request could not be read.")
        method, path = request.get("method"), str(request.get("path", "")).split("?")[0].rstrip("/")
        if method == "GET" and path == "/v1/models":
            return {"op": "llm_reply", "status": 200, "body": json.dumps(
                {"object": "list", "data": [{"id": self.name, "object": "model", "created": CREATED, "owned_by": "gradient"}]})}
        if path != "/v1/chat/completions":
            return error_reply(404, f"{method} {path or '/'} is not offered here: only POST /v1/chat/completions "
                               "and GET /v1/models.")
        if method != "POST":
            return error_reply(405, "Use POST for /v1/chat/completions.")
        try:
            body = json.loads(str(request.get("body", "")))
        except (ValueError, RecursionError):
            return error_reply(400, "The request body is not valid JSON.")
        problem = check_chat_request(body, self.name)
        if problem:
            return error_reply(400 if not problem.startswith("The model") else 404, problem)
        if self.budget_calls is not None and self.calls >= self.budget_calls:
            self._over(f"Your code called the model more than the {self.budget_calls} times this test allows.")
            return error_reply(429, "Call budget exhausted for this test.", retry=False)
        if self.budget_tokens is not None and self.tokens >= self.budget_tokens:
            self._over(f"Your code used more than the {self.budget_tokens} tokens this test allows.")
            return error_reply(429, "Token budget exhausted for this test.", retry=False)
        self.requests.append(body)
        prompt = sum(self.count(message_text(m)) for m in body["messages"])
        if body.get("tools"):
            prompt += self.count(json.dumps(body["tools"], sort_keys=True))
        self.prompt_tokens += prompt
        answer = self._next(body)
        if isinstance(answer, ModelError):
            return error_reply(answer.status, answer.message)
        message = as_message(answer)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        content = message.get("content")
        if type(limit) is int and isinstance(content, str) and self.count(content) > limit > 0:
            message["content"] = truncate(content, limit, self.rule)
            finish = "length"
        completion = self.count(message_text(message))
        self.completion_tokens += completion
        if self.budget_tokens is not None and self.tokens > self.budget_tokens:
            self._over(f"Your code used {self.tokens} tokens; this test allows {self.budget_tokens}.")
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        number = self.calls
        if body.get("stream") is True:
            include_usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage") is True
            return {"op": "llm_reply", "status": 200,
                    "stream": stream_events(number, self.name, message, finish, usage if include_usage else None)}
        completion_object = {
            "id": f"chatcmpl-gradient-{number}", "object": "chat.completion", "created": CREATED, "model": self.name,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        }
        return {"op": "llm_reply", "status": 200, "body": json.dumps(completion_object)}

    def _next(self, body: dict[str, Any]) -> Any:
        if self._responder is not None:
            return self._responder(body)
        if self._queue:
            return self._queue.pop(0)
        if not self.offered:
            raise ModelError(404, "This exercise offers no model.")
        raise ModelError(500, f"The scripted model has no answer for call {self.calls}: this test expected fewer "
                         "calls.")

    def _over(self, text: str) -> None:
        if not self.overrun:
            self.overrun = text + f" (calls: {self.calls}, tokens: {self.tokens})"


def check_chat_request(body: Any, model: str) -> str:
    """What is wrong with a chat-completions body, in the API's words; "" when nothing is."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if body.get("model") != model:
        return f"The model `{str(body.get('model'))[:100]}` does not exist; this exercise's model is `{model}`."
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array."
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"messages[{index}] must be an object with a role among {', '.join(sorted(ROLES))}."
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            return f"messages[{index}].content must be a string or an array of parts."
        if message.get("role") == "tool" and not isinstance(message.get("tool_call_id"), str):
            return f"messages[{index}] is a tool message without a tool_call_id."
    problem = check_tool_turns(messages)
    if problem:
        return problem
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_object" and not any(
        "json" in message_text(m).lower() for m in messages
    ):
        return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
    tools = body.get("tools")
    if tools is not None and (not isinstance(tools, list) or not all(
        isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)
        and isinstance(t["function"].get("name"), str) for t in tools
    )):
        return "'tools' must be an array of {\"type\": \"function\", \"function\": {\"name\": ...}} objects."
    return ""


def check_tool_turns(messages: list[dict[str, Any]]) -> str:
    """As the API checks them: a tool message answers a call of the assistant message before it (by
    ``tool_call_id``), and every call of an assistant message is answered before the conversation goes on."""
    pending: set[str] = set()
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return (f"messages[{index}]: a message with role 'tool' must be a response to a preceding message "
                        f"with 'tool_calls' (no call has the id {str(call_id)[:100]!r}).")
            pending.discard(call_id)
            continue
        if pending:
            return (f"messages[{index}]: an assistant message with 'tool_calls' must be followed by tool messages "
                    f"responding to each 'tool_call_id' (not answered: {', '.join(sorted(pending))[:300]}).")
        calls = message.get("tool_calls") if role == "assistant" else None
        if isinstance(calls, list):
            pending = {c["id"] for c in calls if isinstance(c, dict) and isinstance(c.get("id"), str)}
    return ""


def as_message(answer: Any) -> dict[str, Any]:
    """A scripted answer as the assistant message of a completion."""
    if isinstance(answer, str):
        return {"role": "assistant", "content": answer, "refusal": None}
    if isinstance(answer, dict) and answer.get("type") == "function":  # a tool_call(...) alone
        answer = {"content": None, "tool_calls": [answer]}
    if not isinstance(answer, dict):
        raise TypeError(f"a scripted answer must be a str or a dict, not {type(answer).__name__}")
    message: dict[str, Any] = {"role": "assistant", "content": answer.get("content"), "refusal": None}
    calls = answer.get("tool_calls")
    if calls:
        message["tool_calls"] = [
            {"id": call.get("id") or f"call_{index}", "type": "function", "function": dict(call["function"])}
            for index, call in enumerate(calls, 1)
        ]
    return message


def truncate(text: str, limit: int, rule: str) -> str:
    """The start of ``text`` holding ``limit`` tokens (a reply cut by max_tokens)."""
    if rule == "chars":
        return text[: limit * 4]
    matches = list(WORD.finditer(text))
    return text[: matches[limit - 1].end()] if len(matches) >= limit else text


def stream_events(number: int, model: str, message: dict[str, Any], finish: str,
                  usage: dict[str, int] | None) -> list[str]:
    """The server-sent events of a streamed completion, as the API sends them: the role first, the content a
    word at a time, tool calls (name, then their arguments in pieces), the finish reason, and the usage
    where the request asked for it (``stream_options.include_usage``)."""
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
        event: dict[str, Any] = {
            "id": f"chatcmpl-gradient-{number}", "object": "chat.completion.chunk", "created": CREATED,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
        }
        if usage is not None:
            event["usage"] = None
        return json.dumps(event)

    events = [chunk({"role": "assistant", "content": ""})]
    content = message.get("content")
    if isinstance(content, str):
        events += [chunk({"content": piece}) for piece in PIECE.findall(content)]
    for index, call in enumerate(message.get("tool_calls") or []):
        events.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                             "function": {"name": call["function"]["name"], "arguments": ""}}]}))
        arguments = str(call["function"].get("arguments", ""))
        for start in range(0, len(arguments), 8):
            events.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[start:start + 8]}}]}))
    events.append(chunk({}, finish))
    if usage is not None:
        events.append(json.dumps({"id": f"chatcmpl-gradient-{number}", "object": "chat.completion.chunk",
                                  "created": CREATED, "model": model, "choices": [], "usage": usage}))
    return events


def error_reply(status: int, message: str, *, retry: bool = True) -> dict[str, Any]:
    """An error as the API answers it. ``retry=False`` adds ``x-should-retry: false``, which the openai client
    honours: a budget that is spent, or the script's own failure, must not be asked again."""
    kind = {400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error"}.get(status, "api_error")
    reply: dict[str, Any] = {
        "op": "llm_reply", "status": status,
        "body": json.dumps({"error": {"message": message, "type": kind, "param": None, "code": str(status)}}),
    }
    if not retry:
        reply["headers"] = {"x-should-retry": "false"}
    return reply
