"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check `PieceCollector` and `merge_tool_call_delta` without calling a model. The hidden grader also
streams scripted answers through `stream_chat`.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import PieceCollector, merge_tool_call_delta  # noqa: E402


def test_piece_collector():
    collector = PieceCollector()
    assert collector.pieces == []
    for piece in ["It ", "is ", "sunny."]:
        collector(piece)
    assert collector.pieces == ["It ", "is ", "sunny."], collector.pieces
    assert collector.text == "It is sunny.", collector.text


def test_statement_merge_example():
    calls = {}
    merge_tool_call_delta(calls, {"index": 0, "id": "call_1", "function": {"name": "add", "arguments": ""}})
    merge_tool_call_delta(calls, {"index": 0, "function": {"arguments": '{"a": 1, '}})
    got = merge_tool_call_delta(calls, {"index": 0, "function": {"arguments": '"b": 2}'}})
    assert got is calls, "merge_tool_call_delta should return the dict it was given"
    assert calls == {0: {"id": "call_1", "name": "add", "arguments": '{"a": 1, "b": 2}'}}, calls


def test_two_calls_stay_apart():
    calls = {}
    merge_tool_call_delta(calls, {"index": 0, "id": "a", "function": {"name": "f", "arguments": None}})
    merge_tool_call_delta(calls, {"index": 1, "id": "b", "function": {"name": "g"}})
    merge_tool_call_delta(calls, {"index": 1, "function": {"arguments": "[2"}})
    merge_tool_call_delta(calls, {"index": 0, "function": {"arguments": "[1]"}})
    merge_tool_call_delta(calls, {"index": 1, "id": None, "function": {"arguments": "]"}})
    assert calls == {0: {"id": "a", "name": "f", "arguments": "[1]"}, 1: {"id": "b", "name": "g", "arguments": "[2]"}}, calls
