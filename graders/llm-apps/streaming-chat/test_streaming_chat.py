"""Hidden grader for llm-apps/streaming-chat.

Answers, tool calls and the interleaving of deltas are drawn per submission (submission_rng). The scripted
model (`llm` fixture) streams each answer as the API does (scripted_model.stream_events: content a word at a
time, tool-call arguments 8 characters at a time, the usage in a last chunk with no choices).
"""

import json

from scripted_model import stream_events

from gradient_grader import StudentError, expected, points, submission_rng, tool_call

LLM = {"budget_tokens": 3000, "budget_calls": 3, "tokens": "words", "model": "gradient-scripted"}

WORDS = ["the", "model", "streams", "tokens", "quickly", "Oslo", "is", "sunny", "today", "and", "tomorrow", "rain",
         "expected", "42", "degrees", "(roughly)", "well,", "yes!", "no.", "maybe?", "snake_case", "naïve", "café"]
CITIES = ["Oslo", "Lima", "Hanoi", "Nairobi", "Reykjavík", "Montevideo", "Ulaanbaatar", "Wellington"]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                                                      "unit": {"type": "string"}},
                                                     "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "Local time in a city",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"]}}},
]


def _text(rng, n_min=6, n_max=14):
    words = [WORDS[int(rng.integers(len(WORDS)))] for _ in range(int(rng.integers(n_min, n_max)))]
    text = ""
    for word in words:
        text += word + ("\n" if rng.integers(6) == 0 else " ")
    return text.rstrip(" ")


def _arguments(rng):
    args = {"city": CITIES[int(rng.integers(len(CITIES)))]}
    if rng.integers(2):
        args["unit"] = ["celsius", "fahrenheit"][int(rng.integers(2))]
    args["note"] = _text(rng, 3, 7)
    return args


def _content_pieces(text):
    """The non-empty content deltas the scripted model sends for `text`."""
    pieces = []
    for event in stream_events(1, "gradient-scripted", {"content": text}, "stop", None):
        for choice in json.loads(event)["choices"]:
            content = choice["delta"].get("content")
            if content:
                pieces.append(content)
    return pieces


def _stream(student, messages, **kwargs):
    call = f"stream_chat({messages!r:.200}{''.join(f', {k}=...' for k in kwargs)})"
    try:
        got = student.stream_chat(messages, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, dict), f"{call} returned {type(got).__name__}: {got!r:.200}; expected a dict"
    missing = [k for k in ("text", "finish_reason", "tool_calls", "usage") if k not in got]
    assert not missing, f"{call} returned a dict without {missing}: {got!r:.300}"
    return call, got


@points(1)
def test_sends_a_streamed_request(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:request")
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": _text(rng, 3, 6)}]
    llm.script(_text(rng))
    call, _ = _stream(student, messages)
    assert llm.calls == 1, f"{call} called the model {llm.calls} times; one streamed call is enough"
    request = llm.last_request
    assert request.get("stream") is True, f"{call} sent stream={request.get('stream')!r}: ask for a stream (stream=True)"
    assert request.get("stream_options") == {"include_usage": True}, (
        f"{call} sent stream_options={request.get('stream_options')!r}: without include_usage the stream has no usage"
    )
    assert request.get("model") == "gradient-scripted", f"{call} asked for model {request.get('model')!r}"
    assert request["messages"] == messages, f"{call} sent messages {request['messages']!r:.300}: send them unchanged"
    assert "tools" not in request, f"{call} sent tools={request.get('tools')!r:.100} although none were given"


@points(2)
def test_assembles_the_text(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:text")
    for _ in range(2):
        answer = _text(rng)
        llm.script(answer)
        call, got = _stream(student, [{"role": "user", "content": "Tell me something."}])
        text = got["text"]
        assert text == answer, (
            f"{call} returned text {text!r}, which is not the streamed answer {expected(answer)}: join every "
            "content piece, in order"
        )
        assert got["finish_reason"] == "stop", f"{call} returned finish_reason {got['finish_reason']!r}; the stream said 'stop'"
        assert got["tool_calls"] == [], f"{call} returned tool_calls {got['tool_calls']!r} for an answer without tool calls"


@points(2)
def test_on_token_gets_each_piece(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:on-token")
    answer = _text(rng)
    llm.script(answer)
    collector = student.PieceCollector()
    call, got = _stream(student, [{"role": "user", "content": "Go on."}], on_token=collector)
    pieces = collector.pieces
    assert isinstance(pieces, list) and all(isinstance(p, str) and p for p in pieces), (
        f"{call} with on_token=PieceCollector() collected {pieces!r:.300}: on_token gets each non-empty piece (a str)"
    )
    assert "".join(pieces) == answer, (
        f"{call}: the pieces passed to on_token join to {''.join(pieces)!r}, not to the streamed answer "
        f"{expected(answer)}"
    )
    want = _content_pieces(answer)
    assert len(pieces) == len(want), (
        f"{call} called on_token {len(pieces)} times; the stream had {expected(len(want))} non-empty content "
        "chunks: one call per piece, as it arrives"
    )
    assert got["text"] == answer, f"{call} returned text {got['text']!r} though on_token saw the whole answer"


@points(1)
def test_reports_the_usage(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:usage")
    llm.script(_text(rng))
    call, got = _stream(student, [{"role": "user", "content": _text(rng, 2, 8)}])
    want = {"prompt_tokens": llm.prompt_tokens, "completion_tokens": llm.completion_tokens, "total_tokens": llm.tokens}
    assert got["usage"] == want, (
        f"{call} returned usage {got['usage']!r}; expected {expected(want)}, the numbers of the last chunk "
        "(the one with no choices)"
    )


@points(1)
def test_rebuilds_one_tool_call(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:one-tool")
    args = _arguments(rng)
    call_id = f"call_{int(rng.integers(10**6)):06d}"
    llm.script(tool_call("get_weather", args, id=call_id))
    messages = [{"role": "user", "content": f"Weather in {args['city']}?"}]
    call, got = _stream(student, messages, tools=TOOLS)
    request = llm.last_request
    assert request.get("tools") == TOOLS, f"{call} sent tools={request.get('tools')!r:.200}: pass the tools given"
    want = [{"id": call_id, "name": "get_weather", "arguments": json.dumps(args)}]
    assert got["tool_calls"] == want, (
        f"{call} returned tool_calls {got['tool_calls']!r:.400}; expected {expected(want)}: the id and name from the "
        "first delta, and the arguments joined from every piece"
    )
    assert got["finish_reason"] == "tool_calls", f"{call} returned finish_reason {got['finish_reason']!r}"
    assert got["text"] == "", f"{call} returned text {got['text']!r}; the model sent no content"


@points(2)
def test_keeps_parallel_tool_calls_apart(student, llm):
    rng = submission_rng("llm-apps/streaming-chat:parallel")
    n = int(rng.integers(2, 4))
    calls = []
    for index in range(n):
        name = ["get_weather", "get_time"][int(rng.integers(2))]
        calls.append(tool_call(name, _arguments(rng), id=f"call_{index}_{int(rng.integers(10**4))}"))
    preamble = _text(rng, 2, 5)
    llm.script({"content": preamble, "tool_calls": calls})
    call, got = _stream(student, [{"role": "user", "content": "Weather and time, please."}], tools=TOOLS)
    want = [{"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in calls]
    got_calls = got["tool_calls"]
    assert isinstance(got_calls, list) and len(got_calls) == n, (
        f"{call} returned {len(got_calls) if isinstance(got_calls, list) else got_calls!r} tool calls; the stream "
        f"had {expected(n)}, each with its own index: keep one entry per index"
    )
    for index, (one, right) in enumerate(zip(got_calls, want)):
        assert one == right, (
            f"{call}: tool call {index} is {one!r:.300}; expected {expected(right)}: join the argument pieces of "
            "each index separately"
        )
    assert got["text"] == preamble, f"{call} returned text {got['text']!r}; the content before the tool calls is lost"
    assert got["finish_reason"] == "tool_calls", f"{call} returned finish_reason {got['finish_reason']!r}"


@points(1)
def test_merges_interleaved_deltas(student):
    rng = submission_rng("llm-apps/streaming-chat:merge")
    streams = []
    for index in range(3):
        arguments = json.dumps(_arguments(rng))
        cuts = sorted({int(c) for c in rng.integers(1, len(arguments), size=4)})
        pieces = [arguments[a:b] for a, b in zip([0, *cuts], [*cuts, len(arguments)])]
        first = {"index": index, "id": f"call_{index}", "type": "function",
                 "function": {"name": ["get_weather", "get_time"][index % 2], "arguments": ""}}
        streams.append([first] + [{"index": index, "function": {"arguments": p}} for p in pieces])
    deltas = []
    while any(streams):
        open_ = [s for s in streams if s]
        deltas.append(open_[int(rng.integers(len(open_)))].pop(0))
    calls = {}
    for delta in deltas:
        calls = student.merge_tool_call_delta(calls, delta)
    want = {}
    for delta in deltas:
        entry = want.setdefault(delta["index"], {"id": None, "name": None, "arguments": ""})
        entry["id"] = delta.get("id") or entry["id"]
        entry["name"] = delta["function"].get("name") or entry["name"]
        entry["arguments"] += delta["function"].get("arguments") or ""
    assert calls == want, (
        f"merge_tool_call_delta over the deltas {deltas!r:.600} gave {calls!r:.400}; expected {expected(want)}: "
        "each index keeps its own id, name and arguments"
    )
