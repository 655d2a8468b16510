"""What a grader may declare beyond its tests (LLM, SERVICE, milestones), the scripted model's answers as the
API shapes them, and per-submission seeds: unit tests, no Docker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sandbox import GradingJob, declared_tests
from sandbox.manifest import GraderDefinitionError, Manifest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandbox" / "runners"))
import scripted_model  # noqa: E402

import gradient_grader  # noqa: E402

MODEL = {"budget_tokens": 50, "budget_calls": 2, "tokens": "words"}


def grader(tmp_path: Path, header: str) -> Path:
    (tmp_path / "test_x.py").write_text(header + "\n\ndef test_one(student): ...\n", encoding="utf-8")
    return tmp_path


def test_llm_and_service_are_read_from_the_source_and_kept_with_the_version(tmp_path: Path) -> None:
    manifest = declared_tests(grader(tmp_path, f'LLM = {MODEL!r}\nSERVICE = {{"app": "api", "startup_s": 5}}'))
    assert manifest.llm is not None and manifest.llm.budget_calls == 2 and manifest.llm.model == "gradient-scripted"
    assert manifest.service is not None and manifest.service.app == "api" and manifest.service.startup_s == 5.0
    again = Manifest.from_json(json.loads(json.dumps(manifest.to_json())))
    assert again == manifest


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ('LLM = {"budget_tokens": 0}', "positive int"),
        ('LLM = {"tokens": "bytes"}', "must be one of words, chars"),
        ('LLM = {"temperature": 1}', "keys among"),
        ('SERVICE = {"app": "not a name"}', "a name in the submitted module"),
        ('SERVICE = {"startup_s": 500}', "at most 120"),
        ('SERVICE = {"command": "python3 server.py"}', "list of strings"),
    ],
)
def test_a_malformed_offer_is_refused_with_a_reason(tmp_path: Path, header: str, complaint: str) -> None:
    with pytest.raises(GraderDefinitionError, match=complaint):
        declared_tests(grader(tmp_path, header))


def chat(scripted: scripted_model.ScriptedModel, **body: object) -> dict:
    request = {"model": "gradient-scripted", "messages": [{"role": "user", "content": "one two, three"}], **body}
    return scripted.serve({"method": "POST", "path": "/v1/chat/completions", "body": json.dumps(request)})


def test_answers_are_shaped_as_the_api_shapes_them() -> None:
    model = scripted_model.ScriptedModel(MODEL).script(
        "Hello, world!", scripted_model.tool_call("lookup", {"q": "x"})
    )
    first = json.loads(chat(model)["body"])
    assert first["choices"][0]["message"]["content"] == "Hello, world!"
    assert first["choices"][0]["finish_reason"] == "stop"
    assert first["usage"] == {"prompt_tokens": 4, "completion_tokens": 4, "total_tokens": 8}
    second = json.loads(chat(model)["body"])["choices"][0]
    assert second["finish_reason"] == "tool_calls"
    assert second["message"]["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"q": "x"}'}


def test_a_stream_carries_the_text_in_pieces_then_the_finish_and_usage() -> None:
    model = scripted_model.ScriptedModel(MODEL).script("alpha beta gamma")
    events = [json.loads(e) for e in chat(model, stream=True, stream_options={"include_usage": True})["stream"]]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    assert text == "alpha beta gamma"
    assert [e["choices"][0]["finish_reason"] for e in events if e["choices"]][-1] == "stop"
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] == 3


def test_max_tokens_cuts_the_answer_and_says_length() -> None:
    model = scripted_model.ScriptedModel(MODEL).script("a b c d e f")
    choice = json.loads(chat(model, max_tokens=2)["body"])["choices"][0]
    assert choice["message"]["content"] == "a b" and choice["finish_reason"] == "length"


def test_requests_the_api_would_refuse_are_refused_the_same_way() -> None:
    model = scripted_model.ScriptedModel(MODEL).script("x")
    assert chat(model, model="gpt-4o")["status"] == 404
    assert chat(model, messages=[{"role": "robot", "content": "hi"}])["status"] == 400
    assert chat(model, messages=[{"role": "tool", "content": "hi"}])["status"] == 400
    assert model.serve({"method": "POST", "path": "/v1/chat/completions", "body": "{"})["status"] == 400
    assert model.serve({"method": "POST", "path": "/v1/embeddings", "body": "{}"})["status"] == 404
    assert model.calls == 0


def test_past_the_budget_the_model_answers_429_and_the_overrun_is_kept() -> None:
    model = scripted_model.ScriptedModel(MODEL).script("x", "y", "z")
    assert chat(model)["status"] == 200 and chat(model)["status"] == 200
    assert chat(model)["status"] == 429
    assert "more than the 2 times" in model.overrun


def test_an_assertion_in_a_responder_is_kept_for_the_test_and_the_client_gets_500() -> None:
    def responder(request: dict) -> str:
        raise AssertionError("the prompt has no examples")

    model = scripted_model.ScriptedModel(MODEL).respond(responder)
    assert chat(model)["status"] == 500
    assert isinstance(model.failure, AssertionError) and "no examples" in str(model.failure)


def test_the_token_rules() -> None:
    assert scripted_model.count_tokens("Hello, world!", "words") == 4
    assert scripted_model.count_tokens("don't stop_now", "words") == 4
    assert scripted_model.count_tokens("abcdefghi", "chars") == 3


def job(files: dict[str, bytes]) -> GradingJob:
    return GradingJob(run_name="r", image="python", student_files=files, module="solution",
                      grader_dir=Path("."), declared_tests={"test_a": 1})


def test_a_submission_seed_follows_the_files_and_the_secret() -> None:
    one, same, other = job({"solution.py": b"x = 1"}), job({"solution.py": b"x = 1"}), job({"solution.py": b"x = 2"})
    assert one.submission_digest == same.submission_digest != other.submission_digest
    assert job({"a.py": b"bc"}).submission_digest != job({"ab.py": b"c"}).submission_digest  # names are framed
    seeds = {}
    for secret, submission in [("s", one), ("s", other), ("t", one)]:
        gradient_grader.connect(None, secret=secret, submission=submission.submission_digest)  # type: ignore[arg-type]
        seeds[(secret, submission.student_files["solution.py"])] = gradient_grader.submission_seed("ex:test")
    assert len(set(seeds.values())) == 3
    gradient_grader.connect(None, secret="s", submission=one.submission_digest)  # type: ignore[arg-type]
    assert gradient_grader.submission_seed("ex:test") == seeds[("s", b"x = 1")]  # a regrade draws the same


def test_tool_messages_must_answer_the_calls_before_them() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    model = scripted_model.ScriptedModel(MODEL).script("ok", "ok")
    orphan = [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_1", "content": "x"}]
    unanswered = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [call]},
                  {"role": "user", "content": "and?"}]
    answered = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_1", "content": "x"}]
    assert chat(model, messages=orphan)["status"] == 400
    assert "not answered: call_1" in json.loads(chat(model, messages=unanswered)["body"])["error"]["message"]
    assert chat(model, messages=answered)["status"] == 200


def test_a_spent_budget_and_a_failed_script_tell_the_client_not_to_retry() -> None:
    model = scripted_model.ScriptedModel({"budget_calls": 1}).script("x", "y")
    chat(model)
    assert chat(model)["headers"] == {"x-should-retry": "false"}


def test_json_mode_needs_the_word_json_in_the_messages_as_the_api_says() -> None:
    model = scripted_model.ScriptedModel(MODEL).script('{"a": 1}')
    assert chat(model, response_format={"type": "json_object"})["status"] == 400
    asked = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "hi"}]
    assert chat(model, messages=asked, response_format={"type": "json_object"})["status"] == 200
