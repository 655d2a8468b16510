"""Hostile output and hostile replies (issue 10): nothing a submission sends may cancel its run, break the
result's commit or reach the next run. Every attack runs cold and warm (the ``grade`` fixture), and the
fixture itself asserts that none of them ends as an uncharged ``infrastructure_error``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import textwrap

import pytest

from sandbox.runners import gradient_wire as wire
from sandbox.text import is_clean
from tests.support.redteam import FIXTURES, HONEST

pytestmark = pytest.mark.docker

# --------------------------------------------------------------------------- 1. texts that leave a box

HOSTILE_TEXT = """
import os
import sys

sys.stdout.write("nul:\\x00| red:\\x1b[31mRED\\x1b[0m| osc52:\\x1b]52;c;ZXZpbA==\\x07| title:\\x1b]0;pwned\\x1b\\\\|"
                 " bell:\\x07| over\\rWRITTEN| bidi:\\u202eevil\\u202c| c1:\\x9b31m|\\n")
sys.stdout.flush()
os.write(1, b"bytes: \\xff\\xfe \\xc3\\x28 surrogate-in-utf8:\\xed\\xa0\\x80 end\\n")
os.write(2, b"stderr: \\x1b[2J\\x1b[H cleared?\\x00\\n")


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("empty \\x00 \\udcff \\ud800 \\x1b]52;c;aGk=\\x07 \\x1b[1mbold\\x1b[0m")
    raise RuntimeError("lone surrogate \\udcff and NUL \\x00 and \\x1b[5mblink\\x1b[0m")


def greet(name):
    return f"Hello, {name}!"
"""


def all_texts(outcome) -> list[str]:
    texts = [outcome.student_output, outcome.grader_output, *outcome.messages]
    texts += [t.message for t in outcome.tests]
    texts += [name for part in outcome.metrics.values() for name in part]
    return texts


def test_nul_surrogates_invalid_utf8_and_escape_sequences_are_cleaned_once_and_store_everywhere(grade, by_test):
    outcome = grade(HOSTILE_TEXT)
    assert outcome.status == "graded", outcome.messages
    # mean([]) raises ValueError (with a hostile message): that test passes; mean([1..4]) raises: it fails.
    assert by_test(outcome) == {
        "test_add": "passed", "test_mean": "failed", "test_greet": "passed", "test_mean_of_empty_list_raises": "passed",
    }
    for text in all_texts(outcome):
        assert is_clean(text), repr(text)
        text.encode("utf-8")  # strict: no lone surrogate left
    out = outcome.student_output
    # What was meant to be read is kept; what was meant to act on a terminal is gone or made visible.
    assert "nul:\u2400|" in out and "red:RED|" in out and "osc52:|" in out and "title:|" in out
    assert "over\nWRITTEN" in out and "ZXZpbA" not in out and "pwned" not in out
    assert "bytes: \ufffd\ufffd \ufffd(" in out and "cleared?\u2400" in out
    mean_message = next(t.message for t in outcome.tests if t.name == "test_mean")
    assert "RuntimeError: lone surrogate \ufffd and NUL \u2400 and blink" in mean_message

    # The texts store as they are in SQLite and in PostgreSQL (which refuses NUL and lone surrogates).
    rows = [(text, json.dumps({"messages": [text]})) for text in all_texts(outcome)]
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE t (body TEXT, doc TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", rows)
        assert db.execute("SELECT count(*) FROM t").fetchone()[0] == len(rows)
    psycopg = pytest.importorskip("psycopg")
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.skip("no DATABASE_URL: scripts/test sets one")
    # The server's maintenance database: the platform's own is made by the Django tests.
    with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname="postgres")) as db:
        db.execute("CREATE TEMP TABLE t (body text, doc jsonb)")
        with db.cursor() as cursor:
            cursor.executemany("INSERT INTO t VALUES (%s, %s)", rows)
        assert db.execute("SELECT count(*) FROM t").fetchone()[0] == len(rows)
        # The test has teeth: the raw text would not have stored.
        with pytest.raises(psycopg.errors.DataError):
            db.execute("INSERT INTO t VALUES (%s, %s)", ("nul \x00", "{}"))


# --------------------------------------------------------------------------- 2. hostile replies

ANSWER_RAW = HONEST + """
import struct
import sys


def greet(name):
    # Answer with a frame of its own written onto the runner's channel, and keep the runner's real answer
    # from being sent, so that the next call is served as usual.
    frame = sys._getframe(0)
    while "channel" not in frame.f_locals:
        frame = frame.f_back
    channel = frame.f_locals["channel"]
    payload = PAYLOAD
    channel.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def skip_once(reply):
        del channel.send

    channel.send = skip_once
    return "never sent"
"""

HOSTILE_FRAMES = {
    # ~8 MiB of empty lists: grew the grader box past 1 GiB while decoded, before the bounds.
    "wide": 'b\'{"op":"result","ok":true,"value":[\' + b"[]," * 2_700_000 + b"[]]}"',
    # Integers that differ by multiples of 2**61 - 1 share one hash whatever the seed: quadratic set insertion.
    "colliding": (
        'b\'{"op":"result","ok":true,"value":{"$":"set","v":[\' + b",".join('
        'b\'{"$":"bigint","v":"%d"}\' % (k * (2**61 - 1)) for k in range(1, 45_000)) + b"]}}"'
    ),
    "deep": 'b\'{"op":"result","ok":true,"value":\' + b"[" * 300_000 + b"]" * 300_000 + b"}"',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_FRAMES))
def test_a_hostile_frame_under_the_size_cap_costs_only_its_own_test(grade, by_test, kind):
    outcome = grade(ANSWER_RAW.replace("PAYLOAD", HOSTILE_FRAMES[kind]), grade.limits(wall_s=30))
    assert outcome.status == "graded", outcome.messages
    assert by_test(outcome) == {
        "test_add": "passed", "test_mean": "passed", "test_greet": "error", "test_mean_of_empty_list_raises": "passed",
    }
    greet = next(t for t in outcome.tests if t.name == "test_greet")
    assert "could not be read" in greet.message, greet.message
    assert outcome.duration_s < 20


def test_decoding_refuses_frames_over_the_bounds_before_building_them() -> None:
    wide = b'{"op":"result","value":[' + b",".join([b"[]"] * (wire.MAX_VALUES + 10)) + b"]}"
    with pytest.raises(wire.WireError, match="values"):
        wire.parse_message(wide)
    text = json.dumps({"op": "result", "value": "a,b:c[d{" * 200_000}).encode()  # structure inside a string
    assert wire.parse_message(text)["value"].startswith("a,b:c[d{")
    escaped = json.dumps({"op": "x", "value": ['\\",[' * 100_000, "ok"]}).encode()  # escaped quotes too
    assert wire.parse_message(escaped)["value"][1] == "ok"
    colliding = {"$": "set", "v": [{"$": "bigint", "v": str(k * (2**61 - 1))} for k in range(1, 200)]}
    with pytest.raises(wire.WireError, match="share one hash"):
        wire.decode(colliding)
    pairs = {"$": "dict", "v": [[k * (2**61 - 1), 0] for k in range(1, 4)] * 30}
    with pytest.raises(wire.WireError, match="share one hash"):
        wire.decode(pairs)
    honest = {"$": "set", "v": list(range(10_000))}
    assert wire.decode(honest) == set(range(10_000))


def test_an_answer_too_large_for_the_hello_is_refused_unread(grade) -> None:
    # The one student frame the worker parses itself is the hello: 8 MiB of structure in it is not read.
    source = textwrap.dedent(
        """
        import os
        import struct
        import sys

        frame = sys._getframe(0)
        while "channel" not in frame.f_locals:
            frame = frame.f_back
        payload = b'{"op":"load_error","kind":"import","message":[' + b"[]," * 2_700_000 + b"[]]}"
        frame.f_locals["channel"].sock.sendall(struct.pack(">I", len(payload)) + payload)
        os._exit(0)
        """
    )
    outcome = grade(source)
    assert outcome.status == "not_gradable"
    assert any("interfered with the grading channel" in m for m in outcome.messages), outcome.messages


# --------------------------------------------------------------------------- 3. whose failure it is

FRAGILE = FIXTURES / "fragile"
CARELESS = FIXTURES / "careless"

FRAGILE_ANSWERS = """
def add(a, b):
    return a + b


def size():
    return {size}


def kind():
    return {kind!r}
"""


def test_a_fragile_grader_gives_full_marks_to_honest_answers(grade) -> None:
    outcome = grade(FRAGILE_ANSWERS.format(size=16, kind="fine"), grader_dir=FRAGILE)
    assert outcome.status == "graded" and outcome.score == outcome.max_score == 5.0, outcome.messages


def test_an_answer_that_exhausts_the_graders_memory_is_a_memory_limit(grade, by_test) -> None:
    outcome = grade(FRAGILE_ANSWERS.format(size=3 * 2**30, kind="fine"), grader_dir=FRAGILE)
    assert outcome.status == "memory_limit", outcome.messages
    assert not outcome.retryable
    assert outcome.score == 2.0  # test_add finished before and keeps its points
    assert by_test(outcome)["test_buffer_of_the_size_asked_for"] == "failed"


def test_an_answer_that_crashes_the_grader_fails_the_rest_and_is_charged(grade, by_test) -> None:
    outcome = grade(FRAGILE_ANSWERS.format(size=16, kind="crash"), grader_dir=FRAGILE)
    assert outcome.status == "graded", outcome.messages
    assert not outcome.retryable
    assert outcome.score == 3.0
    assert by_test(outcome)["test_kind"] == "failed" and by_test(outcome)["test_add_again"] == "failed"
    assert any("reading an answer from your code" in m for m in outcome.messages), outcome.messages


def test_an_answer_that_hangs_the_grader_is_a_timeout(grade) -> None:
    outcome = grade(FRAGILE_ANSWERS.format(size=16, kind="hang"), grade.limits(wall_s=5), grader_dir=FRAGILE)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == 3.0


def test_a_grader_that_dies_with_no_answer_in_hand_is_our_failure(grade, honest) -> None:
    outcome = grade(honest, grader_dir=CARELESS, ours=True)
    assert outcome.status == "infrastructure_error", outcome.messages
    assert any("grader box stopped unexpectedly" in m for m in outcome.messages), outcome.messages


def test_an_exception_named_timeout_is_not_a_timeout(grade, honest, by_test) -> None:
    source = honest + textwrap.dedent(
        """

        class Timeout(Exception):
            pass


        def mean(xs):
            raise Timeout("a failure dressed up as a timeout")
        """
    )
    outcome = grade(source)
    assert outcome.status == "graded", outcome.messages
    assert by_test(outcome)["test_mean"] == "failed"
    message = next(t.message for t in outcome.tests if t.name == "test_mean")
    assert "Timeout: a failure dressed up as a timeout" in message


# --------------------------------------------------------------------------- 4. the run's network namespace


def test_privileged_ports_cannot_be_bound(grade, probe_submission, facts) -> None:
    outcome = grade(probe_submission(
        """
        import errno
        import socket

        results = {}
        for port in (80, 443, 1023, 1024):
            server = socket.socket()
            try:
                server.bind(("127.0.0.1", port))
                results[port] = "bound"
            except OSError as exc:
                results[port] = errno.errorcode.get(exc.errno, str(exc.errno))
            finally:
                server.close()
        return results
        """
    ))
    assert outcome.status == "graded"
    assert facts(outcome) == {"80": "EACCES", "443": "EACCES", "1023": "EACCES", "1024": "bound"}
