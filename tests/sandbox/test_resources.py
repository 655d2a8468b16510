"""Resource attacks: bombs, floods and loops must end with the honest score, a clear status, no hang,
and nothing left running on the host (``grade`` checks containers and work folders after every run)."""

from __future__ import annotations

import os
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker


def host_processes_with(token: str) -> list[str]:
    """Command lines of processes on this host whose command line holds ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if token in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def within(seconds: float, action):
    """``action()``'s result, or a failure (instead of a hung suite) when it takes longer than ``seconds``."""
    result: list = []
    errors: list = []

    def target() -> None:
        try:
            result.append(action())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"grading hung for more than {seconds:g} s")
    if errors:
        raise errors[0]
    return result[0]


def test_fork_bomb_inside_a_call(grade, honest, by_test):
    source = honest + textwrap.dedent(
        """
        import os


        def add(a, b):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """
    )
    outcome = grade(source)
    # The pids limit stops the bomb, the call's time limit stops add(); the other functions still answer.
    assert outcome.status == "graded", outcome.messages
    assert by_test(outcome)["test_add"] == "timeout"
    assert outcome.score == grade.points("test_mean", "test_greet", "test_mean_of_empty_list_raises")


def test_fork_bomb_at_import_then_honest_functions(grade, honest, facts):
    source = (
        textwrap.dedent(
            """
        import os
        import time

        _children = 0
        _error = ""
        while True:
            try:
                pid = os.fork()
            except OSError as exc:
                _error = type(exc).__name__
                break
            if pid == 0:
                time.sleep(600)
                os._exit(0)
            _children += 1
        print("FACTS=" + __import__("json").dumps({"children": _children, "error": _error}), flush=True)
        """
        )
        + honest
    )
    limits = grade.limits()
    outcome = grade(source, limits)
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    found = facts(outcome)
    assert found["error"] == "BlockingIOError"  # EAGAIN: the pids limit of the box
    assert 0 < found["children"] < limits.pids


def test_thread_bomb(grade, honest, facts):
    source = honest + textwrap.dedent(
        """
        import json
        import threading
        import time

        _honest_add = add
        _bombed = False


        def add(a, b):
            global _bombed
            if _bombed:
                return _honest_add(a, b)
            _bombed = True
            started, error = 0, ""
            while True:
                try:
                    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
                except RuntimeError as exc:
                    error = str(exc)
                    break
                started += 1
            print("FACTS=" + json.dumps({"started": started, "error": error}), flush=True)
            return _honest_add(a, b)
        """
    )
    limits = grade.limits()
    outcome = grade(source, limits)
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    found = facts(outcome)
    assert "can't start new thread" in found["error"]
    assert 0 < found["started"] < limits.pids


def test_memory_bomb_inside_a_call(grade, honest, by_test):
    source = honest + textwrap.dedent(
        """
        def mean(xs):
            hoard = bytearray()
            while True:
                hoard += bytearray(8 << 20)
        """
    )
    outcome = grade(source)
    assert outcome.status == "memory_limit", outcome.messages
    # add() passed before the bomb; the test after it runs in a fresh box and keeps its points.
    assert outcome.score == grade.points("test_add", "test_greet")
    assert by_test(outcome)["test_add"] == "passed"
    assert by_test(outcome)["test_mean"] == "failed"
    assert any("memory" in m for m in outcome.messages)


def test_memory_bomb_at_import(grade, honest):
    source = "_hoard = []\nwhile True:\n    _hoard.append(bytearray(8 << 20))\n" + honest
    outcome = grade(source)
    assert outcome.status == "memory_limit", outcome.messages
    assert outcome.score == 0.0


def test_disk_fill_of_tmp_shm_and_work(grade, honest, probe_submission, facts):
    body = """
    import errno
    import os

    chunk = b"x" * (1 << 20)
    report = {}
    for folder in ("/tmp", "/dev/shm", "/work"):
        total, index, last = 0, 0, ""
        while index < 100:
            index += 1
            try:
                with open(os.path.join(folder, f"fill{index}"), "wb") as handle:
                    while True:
                        handle.write(chunk)
                        handle.flush()
                        total += len(chunk)
            except OSError as exc:
                last = errno.errorcode.get(exc.errno, str(exc.errno))
                if last != "EFBIG":  # EFBIG: one file hit RLIMIT_FSIZE, so try another file
                    break
        report[folder] = {"bytes": total, "error": last}
    return report
    """
    limits = grade.limits(call_timeout_s=10)
    outcome = grade(probe_submission(body), limits)
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    report = facts(outcome)
    for folder in ("/tmp", "/dev/shm", "/work"):
        assert report[folder]["error"] == "ENOSPC", report
        assert report[folder]["bytes"] <= limits.tmpfs_mb * 1024 * 1024, report


def test_prints_survive_the_box_being_killed(grade, honest):
    # Unflushed prints (at import and in a call) must reach the captured output even though the box is
    # killed at the end; otherwise a student never sees their own debugging output.
    token = uuid.uuid4().hex
    source = honest + textwrap.dedent(
        f"""
        print("import-{token}")
        _honest_greet = greet


        def greet(name):
            print("call-{token}")
            return _honest_greet(name)
        """
    )
    outcome = grade(source)
    assert outcome.status == "graded"
    assert outcome.score == grade.full_marks
    assert f"import-{token}" in outcome.student_output
    assert f"call-{token}" in outcome.student_output


def test_output_flood_inside_a_call_is_capped(grade, honest):
    source = honest + textwrap.dedent(
        """
        import sys

        _honest_add = add
        _flooded = False


        def add(a, b):
            global _flooded
            if not _flooded:
                _flooded = True
                line = "flood " * 100 + "\\n"
                for _ in range(20000):  # about 12 MB on stdout and stderr
                    sys.stdout.write(line)
                    sys.stderr.write(line)
            return _honest_add(a, b)
        """
    )
    limits = grade.limits(call_timeout_s=10)
    outcome = grade(source, limits)
    assert outcome.status in ("graded", "output_limit"), outcome.messages
    assert outcome.score == grade.full_marks
    assert "flood" in outcome.student_output
    assert len(outcome.student_output) <= limits.output_kb * 1024 + 64


def test_output_flood_reports_output_limit(grade, honest):
    source = "import sys\nsys.stdout.write(('x' * 1023 + '\\n') * 4096)\n" + honest  # 4 MiB at import
    limits = grade.limits(output_kb=16)
    outcome = grade(source, limits)
    assert outcome.score == grade.full_marks
    assert len(outcome.student_output) <= limits.output_kb * 1024 + 64
    assert outcome.status == "output_limit"


def test_endless_output_at_import(grade, honest):
    source = "while True:\n    print('spam ' * 200)\n" + honest
    limits = grade.limits(load_timeout_s=3)
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == 0.0
    assert len(outcome.student_output) <= limits.output_kb * 1024 + 64
    assert any("load" in m for m in outcome.messages)


def test_infinite_loop_at_import(grade, honest):
    source = "while True:\n    pass\n" + honest
    limits = grade.limits(load_timeout_s=3)
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == 0.0
    assert outcome.duration_s < limits.wall_s
    assert all(t.outcome == "failed" for t in outcome.tests)


def test_infinite_loop_inside_a_call(grade, honest, by_test):
    source = honest + "\n\ndef greet(name):\n    while True:\n        pass\n"
    outcome = grade(source)
    assert by_test(outcome) == {
        "test_add": "passed",
        "test_mean": "passed",
        "test_greet": "timeout",
        "test_mean_of_empty_list_raises": "passed",  # the box's own alarm stopped greet(), so it lives on
    }
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    assert outcome.status == "graded", outcome.messages


def test_loop_that_ignores_sigalrm_is_killed_from_outside(grade, honest, by_test):
    source = honest + textwrap.dedent(
        """
        import signal


        def greet(name):
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.setitimer(signal.ITIMER_REAL, 0)
            while True:
                pass
        """
    )
    limits = grade.limits()
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    # One hanging test does not cost the others: the next test runs in a fresh box.
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    assert by_test(outcome)["test_greet"] == "timeout"
    assert by_test(outcome)["test_mean_of_empty_list_raises"] == "passed"
    assert outcome.duration_s < limits.wall_s


def test_loop_that_swallows_the_timeout_exception(grade, honest, by_test):
    source = honest + textwrap.dedent(
        """
        def greet(name):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        """
    )
    limits = grade.limits()
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    assert by_test(outcome)["test_greet"] == "timeout"
    assert outcome.duration_s < limits.wall_s


def test_detached_background_processes_are_gone_afterwards(grade, honest, probe_submission, facts):
    token = f"gradient-detached-{uuid.uuid4().hex}"
    body = f"""
    import os
    import subprocess
    import sys
    import time

    script = "import time\\ntime.sleep(600)  # {token}"
    popen = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:  # a classic daemon: fork, setsid, fork again, the middle one exits
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", script])
        os._exit(0)
    time.sleep(0.5)
    return {{"popen_alive": popen.poll() is None}}
    """
    outcome = grade(probe_submission(body))
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    assert facts(outcome) == {"popen_alive": True}
    assert host_processes_with(token) == []


def test_wall_clock_limit_stops_a_slow_submission(grade, honest, by_test):
    # Every call stays under the per-call limit, but together they run past the run's wall-clock limit.
    source = honest + textwrap.dedent(
        """
        import time

        _honest = {"add": add, "mean": mean, "greet": greet}


        def add(a, b):
            time.sleep(1.0)
            return _honest["add"](a, b)


        def mean(xs):
            time.sleep(2.5)
            return _honest["mean"](xs)
        """
    )
    limits = grade.limits(wall_s=6, call_timeout_s=4)
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == grade.points("test_add")  # add's 3 calls of 1 s fit; mean's 2 of 2.5 s do not
    assert by_test(outcome)["test_add"] == "passed"
    assert by_test(outcome)["test_mean"] == "failed"
    assert any("time limit of 6 s" in m for m in outcome.messages), outcome.messages
    assert outcome.duration_s < limits.wall_s + 3


def test_exception_whose_str_never_returns(grade, honest, by_test):
    # The runner formats the exception after the call's alarm is off; the worker's hard stop still holds.
    source = honest + textwrap.dedent(
        """
        class Endless(Exception):
            def __str__(self):
                while True:
                    pass


        def greet(name):
            raise Endless()
        """
    )
    limits = grade.limits()
    outcome = grade(source, limits)
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    assert by_test(outcome)["test_greet"] == "timeout"
    assert outcome.duration_s < limits.wall_s


def test_huge_exception_message_is_capped(grade, honest, by_test):
    source = honest + "\n\ndef greet(name):\n    raise ValueError('boom ' * 2_000_000)\n"
    outcome = grade(source)
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    greet = next(t for t in outcome.tests if t.name == "test_greet")
    assert greet.outcome == "failed" and "boom" in greet.message
    assert len(greet.message) <= 2000


def test_binary_garbage_on_stdout_becomes_plain_text(grade, honest):
    source = honest + textwrap.dedent(
        """
        import os

        os.write(1, b"\\xff\\xfe\\x00\\x1b[2J\\x1b]0;owned\\x07 <script>alert(1)</script>\\n")
        os.write(2, b"\\xc3\\x28 half a character\\n")
        """
    )
    outcome = grade(source)
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    assert isinstance(outcome.student_output, str)
    outcome.student_output.encode("utf-8")  # valid text, whatever the box wrote
    assert "<script>" in outcome.student_output  # kept as text: escaping is the page's job
    assert "half a character" in outcome.student_output


def test_box_that_stops_reading_its_channel_cannot_hang_the_worker(grade):
    # The big grader sends arguments larger than a socket buffer. The submission answers the first
    # request, then never reads again, so the worker's send blocks; the wall-clock promise still holds.
    big_grader = Path(__file__).resolve().parent / "fixtures" / "bigargs"
    honest = "def total(xs):\n    return sum(xs)\n"
    baseline = grade(honest, grader_dir=big_grader)
    assert baseline.status == "graded" and baseline.score == baseline.max_score == 2.0
    stalled = (
        textwrap.dedent(
            """
        import sys
        import time

        frame = sys._getframe(0)
        while "channel" not in frame.f_locals:
            frame = frame.f_back
        _channel = frame.f_locals["channel"]
        _recv = _channel.recv
        _requests = []


        def _stalled_recv(*args, **kwargs):
            _requests.append(1)
            if len(_requests) > 1:  # answer the first request (getattr), then stop reading
                time.sleep(10**6)
            return _recv(*args, **kwargs)


        _channel.recv = _stalled_recv
        """
        )
        + honest
    )
    limits = grade.limits(wall_s=10)
    outcome = within(limits.wall_s + 20, lambda: grade(stalled, limits, grader_dir=big_grader))
    assert outcome.status == "timeout", outcome.messages
    assert outcome.score == 0.0
    assert {t.name: t.outcome for t in outcome.tests}["test_total"] == "timeout"
    assert outcome.duration_s < limits.wall_s
