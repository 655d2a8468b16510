"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

A tiny OpenAI-compatible server (below) runs on your own machine, on 127.0.0.1: it replays scripted answers
and records each request, the way the hidden grader's scripted model does. The hidden tests use other topics,
word limits, answers and call ids, and check every request.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

REQUESTS = []
ANSWERS = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        REQUESTS.append(body)
        answer = ANSWERS.pop(0) if ANSWERS else "(no answer scripted)"
        message = {"role": "assistant", "content": answer} if isinstance(answer, str) else answer
        reply = json.dumps({
            "id": f"chatcmpl-{len(REQUESTS)}", "object": "chat.completion", "created": 0, "model": body.get("model"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


_server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
threading.Thread(target=_server.serve_forever, daemon=True).start()
os.environ["OPENAI_BASE_URL"] = f"http://127.0.0.1:{_server.server_address[1]}/v1"
os.environ["OPENAI_API_KEY"] = "not-used"

import solution  # noqa: E402
from solution import build_crew, check_paragraph, make_llm, run_crew, search_notes  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def _fresh_script():
    REQUESTS.clear()
    ANSWERS.clear()


def script(*answers):
    ANSWERS[:] = answers


def calls_tool(name, arguments, call_id):
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def text(request, role):
    return "\n".join(m.get("content") or "" for m in request["messages"] if m["role"] == role)


def tool_names(request):
    return [t["function"]["name"] for t in request.get("tools") or []]


def test_check_paragraph_statement_examples():
    assert check_paragraph("  Owls turn their heads.\n", 4) == (True, "Owls turn their heads.")
    assert check_paragraph("Owls turn their heads.", 3) == (False, "The paragraph has 4 words; cut it to at most 3.")
    assert check_paragraph(" \n ", 10) == (False, "The paragraph is empty.")
    assert check_paragraph("One.\n\nTwo.", 10) == (False, "Write a single paragraph, without blank lines.")


def test_search_notes_is_a_tool():
    assert search_notes.name == "search_notes"
    owls, tides = solution.NOTES["owls"], solution.NOTES["tides"]
    assert search_notes.run(query="Owls and TIDES") == "\n".join(owls + tides)
    assert search_notes.run(query="Tides, then owls") == "\n".join(owls + tides), "topics in the order of NOTES"
    assert search_notes.run(query="unicorns") == "No notes found for: unicorns"


def test_make_llm():
    llm = make_llm()
    assert llm.model == "gradient-scripted"
    assert llm.temperature == 0 and llm.max_retries == 0


def test_statement_example():
    script(calls_tool("search_notes", {"query": "owls"}, "call_1"),
           "- Owls turn their heads.\n- About 270 degrees.",
           "Owls cannot move their eyes, so they swivel their heads instead, about 270 degrees.",
           "Owls cannot move their eyes, so they turn their heads.",
           "Why Owls Turn Their Heads")
    got = run_crew(build_crew(make_llm(), 12), "owls")
    assert got == {"final": "Why Owls Turn Their Heads",
                   "tasks": [["research", "Researcher", "- Owls turn their heads.\n- About 270 degrees."],
                             ["write", "Writer", "Owls cannot move their eyes, so they turn their heads."],
                             ["headline", "Writer", "Why Owls Turn Their Heads"]]}
    assert len(REQUESTS) == 5
    first, second, write, retry, headline = REQUESTS
    assert "You are Researcher" in text(first, "system")
    assert "Collect accurate facts about owls from the notes" in text(first, "system")
    assert "Find the key facts about owls." in text(first, "user")
    assert tool_names(first) == ["search_notes"]
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert tool_message["content"] == "\n".join(solution.NOTES["owls"])
    assert "You are Writer" in text(write, "system") and tool_names(write) == []
    assert "One paragraph of at most 12 words." in text(write, "user")
    assert "- Owls turn their heads.\n- About 270 degrees." in text(write, "user"), "the research is the context"
    assert "The paragraph has 14 words; cut it to at most 12." in text(retry, "user"), "the guardrail's feedback"
    assert "Write a headline for the paragraph about owls." in text(headline, "user")
    assert "Owls cannot move their eyes, so they turn their heads." in text(headline, "user")
    assert "About 270 degrees" not in text(headline, "user"), "the headline gets the paragraph only"


def test_the_same_crew_serves_another_topic():
    crew = build_crew(make_llm(), 30)
    script("- a", "Bees dance.", "Dancing Bees")
    assert run_crew(crew, "honeybees")["final"] == "Dancing Bees"
    script("- b", "Comets have tails.", "Tails In The Sky")
    got = run_crew(crew, "comets")
    assert got["final"] == "Tails In The Sky"
    assert "Find the key facts about comets." in text(REQUESTS[3], "user")
    assert "honeybees" not in json.dumps(REQUESTS[3:])
