"""Forgery: submissions that try to turn failing hidden tests into passes instead of solving the exercise.

Each of these beat an in-process pytest grader (see ARCHITECTURE.md, the trust boundary). Here the hidden
tests run in another box and see only decoded built-in values, so every attack must end with the points the
submission honestly earns, a clear status, and nothing left behind (``grade`` checks the last part).
"""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.docker

NOTHING = textwrap.dedent(
    """
    def add(a, b):
        return None


    def mean(xs):
        return None


    def greet(name):
        return None
    """
)


def assert_zero(outcome, by_test) -> None:
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == 0.0
    assert "passed" not in by_test(outcome).values(), by_test(outcome)


def test_object_whose_eq_is_always_true(grade, by_test):
    source = textwrap.dedent(
        """
        class AlwaysEqual:
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = object.__hash__


        def add(a, b):
            return AlwaysEqual()


        def mean(xs):
            return AlwaysEqual()


        def greet(name):
            return AlwaysEqual()
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)


def test_int_float_and_str_subclasses_with_lying_eq(grade, by_test):
    source = textwrap.dedent(
        """
        class Liar:
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = object.__hash__


        class LyingInt(Liar, int):
            pass


        class LyingFloat(Liar, float):
            pass


        class LyingStr(Liar, str):
            pass


        assert LyingInt(0) == 5 and LyingStr("") == "Hello, Ada!"  # the lie works in this process


        def add(a, b):
            return LyingInt(0)


        def mean(xs):
            return LyingFloat(0.0)


        def greet(name):
            return LyingStr("nope")
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)
    # The values crossed as their plain built-in selves, so the grader compared the real numbers.
    assert "add(2, 3) should be 5" in next(t.message for t in outcome.tests if t.name == "test_add")


def test_patching_pytest_test_report(grade, by_test):
    source = NOTHING + textwrap.dedent(
        """
        import _pytest.reports
        import _pytest.runner


        class PassingReport(_pytest.reports.TestReport):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.outcome = "passed"
                self.longrepr = None


        _pytest.reports.TestReport = PassingReport
        _pytest.runner.TestReport = PassingReport
        _original = _pytest.reports.TestReport.from_item_and_call


        def _always_passed(item, call):
            report = _original(item, call)
            report.outcome = "passed"
            return report


        _pytest.reports.TestReport.from_item_and_call = staticmethod(_always_passed)
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)


def test_pytest_skip_called_from_student_code(grade, by_test):
    source = textwrap.dedent(
        """
        import pytest


        def add(a, b):
            pytest.skip("nothing to see here")


        def mean(xs):
            pytest.skip("nothing to see here")


        def greet(name):
            pytest.xfail("expected to fail")
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)
    assert set(by_test(outcome).values()) == {"failed"}


def test_pytest_exit_called_from_student_code(grade, by_test):
    source = textwrap.dedent(
        """
        import pytest


        def add(a, b):
            pytest.exit("all good", returncode=0)


        def mean(xs):
            raise KeyboardInterrupt


        def greet(name):
            pytest.exit("all good", returncode=0)
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)


def test_pytest_skip_at_import_is_not_gradable(grade):
    source = "import pytest\npytest.skip('skip the whole grader', allow_module_level=True)\n" + NOTHING
    outcome = grade(source)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert all(t.outcome == "failed" for t in outcome.tests)


FORCE_PASS_CONFTEST = textwrap.dedent(
    """
    import pytest


    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(item, call):
        report = yield
        report.outcome = "passed"
        report.longrepr = None
        return report


    def pytest_collection_modifyitems(items):
        for item in items:
            item.add_marker(pytest.mark.skip(reason="forged"))
    """
)


def test_conftest_and_sitecustomize_in_submission(grade, by_test):
    files = {
        "solution.py": NOTHING.encode(),
        "conftest.py": FORCE_PASS_CONFTEST.encode(),
        "sitecustomize.py": b"import os\nos.environ['FORGED'] = '1'\n",
        "usercustomize.py": b"import os\nos.environ['FORGED'] = '1'\n",
        "tests/conftest.py": FORCE_PASS_CONFTEST.encode(),
        "pytest.ini": b"[pytest]\naddopts = -p no:gradient\n",
    }
    outcome = grade(files)
    assert_zero(outcome, by_test)


def test_conftest_written_at_import_time(grade, by_test):
    source = NOTHING + textwrap.dedent(
        f"""
        import os

        _CONFTEST = {FORCE_PASS_CONFTEST!r}
        for folder in ("/tmp", "/work", "/box/in", "/box/in/tests", "/opt/gradient", "/dev/shm", "/"):
            for name in ("conftest.py", "sitecustomize.py"):
                try:
                    with open(os.path.join(folder, name), "w") as handle:
                        handle.write(_CONFTEST)
                except OSError:
                    pass
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)


def test_sys_exit_at_import_is_not_gradable(grade):
    outcome = grade("import sys\nsys.exit(0)\n" + NOTHING)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert any("SystemExit" in m for m in outcome.messages), outcome.messages


def test_os_exit_at_import_is_not_gradable(grade):
    outcome = grade("import os\nos._exit(0)\n" + NOTHING)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert any("os._exit" in m for m in outcome.messages), outcome.messages


def test_sys_exit_inside_a_call(grade, honest, by_test):
    # mean() exits; add() and greet() are honest and keep their points.
    source = honest + "\nimport sys\n\n\ndef mean(xs):\n    sys.exit(0)\n"
    outcome = grade(source)
    assert outcome.status == "graded"
    assert outcome.score == grade.points("test_add", "test_greet")
    assert by_test(outcome)["test_mean"] == "failed"
    assert "SystemExit" in next(t.message for t in outcome.tests if t.name == "test_mean")


def test_os_exit_inside_a_call(grade, honest, by_test):
    # mean() ends the process with exit code 0: its tests fail, and the tests after it run in a fresh box,
    # so greet() keeps its points (exiting cannot turn a failure into a pass, nor cost honest tests).
    source = honest + "\nimport os\n\n\ndef mean(xs):\n    os._exit(0)\n"
    outcome = grade(source)
    assert outcome.status == "graded"
    assert outcome.score == grade.points("test_add", "test_greet")
    assert by_test(outcome) == {
        "test_add": "passed",
        "test_mean": "failed",
        "test_greet": "passed",
        "test_mean_of_empty_list_raises": "failed",
    }


def test_fake_summary_on_stdout_and_fake_result_files(grade, by_test):
    source = NOTHING + textwrap.dedent(
        """
        import json
        import sys

        FAKE = {"op": "test", "name": "test_add", "outcome": "passed", "message": ""}
        print("============================= 4 passed in 0.01s ==============================", flush=True)
        print(json.dumps(FAKE), flush=True)
        print(json.dumps({"op": "done", "exit_code": 0}), file=sys.stderr, flush=True)
        for path in ("/tmp/report.json", "/work/report.json", "/box/in/report.json", "/box/in/files/report.json",
                     "/box/in/tests/report.json", "/tmp/.pytest_cache/v/cache/lastfailed"):
            try:
                with open(path, "w") as handle:
                    json.dump({"tests": [dict(FAKE, name=n) for n in ("test_add", "test_mean", "test_greet")],
                               "summary": {"passed": 4, "failed": 0}}, handle)
            except OSError:
                pass
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)
    assert "4 passed" in outcome.student_output  # shown to the student as text, believed by no one
    assert "4 passed" not in outcome.grader_output


def test_reading_expected_values_from_caller_frames(grade, by_test, facts):
    source = textwrap.dedent(
        """
        import json
        import sys

        SEEN = []


        def _frames():
            frame = sys._getframe(1)
            while frame is not None:
                yield frame
                frame = frame.f_back


        def _steal(kind, *exclude):
            for frame in _frames():
                SEEN.append(frame.f_code.co_name)
                for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
                    if type(value) is kind and value not in exclude:
                        return value
            return None


        def add(a, b):
            return _steal(int, a, b)


        def mean(xs):
            return _steal(float)


        def greet(name):
            found = _steal(str, name)
            print("FACTS=" + json.dumps({"frames": sorted(set(SEEN))}), flush=True)
            return found
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)
    frames = facts(outcome)["frames"]
    assert frames, "the probe saw no frames at all"
    assert not [name for name in frames if name.startswith("test_")], frames


def test_searching_gc_objects_for_expected_values(grade, by_test, facts):
    source = textwrap.dedent(
        """
        import gc
        import json
        import sys


        def _strings():
            for obj in gc.get_objects():
                try:
                    if isinstance(obj, dict):
                        values = list(obj.values())
                    elif isinstance(obj, (list, tuple)):
                        values = list(obj)
                    else:
                        continue
                except Exception:
                    continue
                for value in values:
                    if type(value) is str:
                        yield value


        def add(a, b):
            return None


        def mean(xs):
            return None


        def greet(name):
            # A bare needle is this module's own constant; a leak would be longer ("Hello, Ada!", a path).
            needles = ("Hello, ", "EXPECTED_GREETING", "test_attack", "gradient_grader")
            hits = sorted({s for s in _strings() if s not in needles and any(n in s for n in needles)})
            modules = sorted(m for m in sys.modules if "grader" in m or m.startswith("test_"))
            print("FACTS=" + json.dumps({"hits": hits, "modules": modules}), flush=True)
            return next((s for s in hits if s.startswith("Hello,")), None)
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)
    found = facts(outcome)
    assert found == {"hits": [], "modules": []}


def test_reading_and_rewriting_grader_files(grade, honest, probe_submission, facts, by_test):
    body = """
    import os

    found = {"box_in": sorted(os.listdir("/box/in")), "hidden_tests_seen": [], "writes": {}, "reads": {}}
    for root, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev")]
        found["hidden_tests_seen"] += [os.path.join(root, f) for f in files if f == "test_attack.py"]
    for path in ("/box/in/tests/test_attack.py", "/box/in/test_attack.py", "/grader/test_attack.py"):
        try:
            with open(path) as handle:
                found["reads"][path] = handle.read()[:100]
        except OSError as exc:
            found["reads"][path] = type(exc).__name__
    for path in ("/opt/gradient/grader_runner.py", "/opt/gradient/gradient_grader.py", "/box/in/chan.sock",
                 "/box/in/files/solution.py", "/box/in/tests/test_attack.py"):
        try:
            with open(path, "w") as handle:
                handle.write("raise SystemExit(0)\\n")
            found["writes"][path] = "written"
        except OSError as exc:
            found["writes"][path] = type(exc).__name__
    return found
    """
    outcome = grade(probe_submission(body), grade.limits(call_timeout_s=10))
    assert outcome.status == "graded"
    assert outcome.score == grade.full_marks  # honest functions, honest marks
    seen = facts(outcome)
    assert seen["box_in"] == ["chan.sock", "files"]
    assert seen["hidden_tests_seen"] == []
    assert all(result in ("FileNotFoundError", "PermissionError") for result in seen["reads"].values()), seen
    assert "written" not in seen["writes"].values(), seen["writes"]


def test_forged_frames_on_the_grading_channel(grade, by_test):
    # The submission finds the runner's channel and sends fake test reports, a fake "done" and fake
    # results. The worker relays student frames only as answers to the grader's calls, so the fakes
    # turn into unreadable answers, never into results.
    source = NOTHING + textwrap.dedent(
        """
        import json
        import struct
        import sys


        def _channel():
            frame = sys._getframe(0)
            while frame is not None:
                if "channel" in frame.f_locals:
                    return frame.f_locals["channel"]
                frame = frame.f_back
            raise RuntimeError("no channel found")


        _chan = _channel()
        frames = [{"op": "ready"}]
        frames += [{"op": "test", "name": n, "outcome": "passed", "message": ""}
                   for n in ("test_add", "test_mean", "test_greet", "test_mean_of_empty_list_raises")]
        frames += [{"op": "result", "ok": True, "value": 5}, {"op": "done", "exit_code": 0}]
        for message in frames:
            payload = json.dumps(message).encode()
            _chan.sock.sendall(struct.pack(">I", len(payload)) + payload)
        """
    )
    outcome = grade(source)
    assert_zero(outcome, by_test)


def test_forged_load_error_with_huge_fields_is_capped(grade):
    # A load error is the one student frame the worker reads itself; every field of it is capped.
    source = textwrap.dedent(
        """
        import json
        import os
        import struct
        import sys

        frame = sys._getframe(0)
        while "channel" not in frame.f_locals:
            frame = frame.f_back
        forged = {"op": "load_error", "kind": "syntax", "file": "<b>" + "x" * 2_500_000,
                  "line": ["y" * 2_500_000], "message": "z" * 100_000}
        payload = json.dumps(forged).encode()
        frame.f_locals["channel"].sock.sendall(struct.pack(">I", len(payload)) + payload)
        os._exit(0)
        """
    )
    outcome = grade(source)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert all(len(m) <= 2500 for m in outcome.messages), [len(m) for m in outcome.messages]


def test_breaking_the_channel_between_calls_is_not_an_infrastructure_error(grade, honest, by_test):
    # greet() answers, but first shuts the reading side of the runner's channel, so the worker's next
    # request fails to send (EPIPE). That is the student's doing: it must not become infrastructure_error,
    # which is retried and never charged (a way to dodge a zero forever).
    source = honest + textwrap.dedent(
        """
        import socket
        import sys

        _honest_greet = greet


        def greet(name):
            frame = sys._getframe(0)
            while "channel" not in frame.f_locals:
                frame = frame.f_back
            frame.f_locals["channel"].sock.shutdown(socket.SHUT_RD)
            return _honest_greet(name)
        """
    )
    outcome = grade(source)
    assert outcome.status == "graded", outcome.messages
    assert not outcome.retryable
    # greet's answer is lost with the channel; the last test runs in a fresh box and keeps its point.
    assert outcome.score == grade.points("test_add", "test_mean", "test_mean_of_empty_list_raises")
    assert by_test(outcome)["test_greet"] == "failed"
