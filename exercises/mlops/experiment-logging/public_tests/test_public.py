"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example from the statement and a few of its rules on small made-up runs. The hidden grader
checks more (every validation rule, statuses, ties, import errors).
"""

import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import ExperimentLogger  # noqa: E402


def test_statement_example():
    log = ExperimentLogger()
    a = log.start_run("baseline", {"lr": 0.1})
    assert a == "run-1", f"the first run id should be 'run-1', got {a!r}"
    assert (log.log_metric(a, "accuracy", 0.80), log.log_metric(a, "accuracy", 0.86)) == (0, 1), "automatic steps are 0, then 1"
    log.end_run(a)
    b = log.start_run("bigger-lr", {"lr": 0.5})
    assert b == "run-2", f"the second run id should be 'run-2', got {b!r}"
    assert log.log_metric(b, "accuracy", 0.91, step=10) == 10, "an explicit step is returned as given"
    log.end_run(b, "failed")
    assert log.best_run("accuracy") == "run-1", "run-2 failed, so only run-1 takes part in best_run"
    first = log.to_jsonl().splitlines()[0]
    assert first == (
        '{"metrics": {"accuracy": [[0, 0.8], [1, 0.86]]}, "name": "baseline", "params": {"lr": 0.1}, '
        '"run_id": "run-1", "status": "finished"}'
    ), f"to_jsonl's first line is {first}"


def test_get_run_keeps_a_copy_of_the_params():
    log = ExperimentLogger()
    params = {"batch": 32, "optimizer": "adam"}
    run = log.start_run("copy", params)
    params["batch"] = 64  # the caller changes its dict afterwards
    log.log_metric(run, "loss", 2.5)
    got = log.get_run(run)
    assert got == {"run_id": "run-1", "name": "copy", "params": {"batch": 32, "optimizer": "adam"},
                   "status": "running", "metrics": {"loss": [[0, 2.5]]}}, f"get_run returned {got}"
    got["params"]["batch"] = 1  # changing the returned dict must not change the run either
    assert log.get_run(run)["params"]["batch"] == 32, "get_run should return a fresh dict, not the stored one"


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")], ids=["bool", "nan", "inf"])
def test_bools_and_non_finite_values_are_rejected(value):
    log = ExperimentLogger()
    run = log.start_run("strict")
    with pytest.raises(ValueError):
        log.log_metric(run, "loss", value)


def test_best_run_compares_final_values_of_finished_runs():
    log = ExperimentLogger()
    peaked = log.start_run("peaked")
    for value in (0.5, 0.95, 0.6):  # its best value is 0.95, but it ended at 0.6
        log.log_metric(peaked, "f1", value)
    log.end_run(peaked)
    steady = log.start_run("steady")
    log.log_metric(steady, "f1", 0.7)
    log.end_run(steady)
    assert log.best_run("f1") == "run-2", "best_run compares the FINAL values: 0.6 for run-1, 0.7 for run-2"
    assert log.best_run("f1", direction="min") == "run-1", "with direction='min' the smaller final value wins"
    assert log.best_run("never-logged") is None, "with no candidate, best_run returns None"


def test_jsonl_round_trip_and_numbering_after_import():
    log = ExperimentLogger()
    for name in ("one", "two"):
        run = log.start_run(name, {"seed": 7})
        log.log_metric(run, "loss", 1.25)
        log.end_run(run)
    text = log.to_jsonl()
    assert text.endswith("\n") and len(text.splitlines()) == 2, "to_jsonl: one line per run, each ending with a newline"
    again = ExperimentLogger.from_jsonl(text)
    assert again.to_jsonl() == text, "from_jsonl(to_jsonl()) should give the same runs back"
    assert math.isclose(again.final_metric("run-2", "loss"), 1.25)
    assert again.start_run("three") == "run-3", "after importing run-1 and run-2, the next run should be run-3"
    bad = text.splitlines()[0] + "\n" + json.dumps({"run_id": "run-9", "name": "x"}) + "\n"
    with pytest.raises(ValueError, match=r"^line 2"):
        ExperimentLogger.from_jsonl(bad)  # line 2 lacks keys: the message starts with "line 2"
