"""Hidden grader for mlops/experiment-logging."""

import json

from gradient_grader import StudentError, points, shows_expected


def _expect(kind, call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == kind, f"{call} raised {error.type_name}: {error.message}, expected {kind}"
        return error
    raise AssertionError(f"{call} returned {got!r:.200}, expected {kind}")


def _sweep(student):
    """Four runs: r1 finished (acc ends 0.84 after peaking 0.95), r2 finished (0.90), r3 failed (0.99), r4 running."""
    log = student.ExperimentLogger()
    r1 = log.start_run("peaked", {"lr": 0.3})
    for value in (0.70, 0.95, 0.84):
        log.log_metric(r1, "accuracy", value)
    log.log_metric(r1, "loss", 0.35)
    log.end_run(r1)
    r2 = log.start_run("steady", {"lr": 0.1})
    for value in (0.60, 0.80, 0.90):
        log.log_metric(r2, "accuracy", value)
    log.log_metric(r2, "loss", 0.30)
    log.end_run(r2, "finished")
    r3 = log.start_run("crashed", {"lr": 1.0})
    log.log_metric(r3, "accuracy", 0.99)
    log.log_metric(r3, "loss", 0.01)
    log.end_run(r3, "failed")
    r4 = log.start_run("still going", {"lr": 0.05})
    log.log_metric(r4, "accuracy", 0.97)
    log.log_metric(r4, "loss", 0.02)
    return log, (r1, r2, r3, r4)


@shows_expected
@points(2)
def test_runs_and_params(student):
    log = student.ExperimentLogger()
    params = {"lr": 0.01, "batch_size": 32, "optimizer": "adam", "augment": True, "seed": None}
    ids = [log.start_run("baseline", params), log.start_run("no params")]
    assert ids == ["run-1", "run-2"], f"start_run returned the ids {ids}, expected ['run-1', 'run-2']"
    got = log.get_run("run-1")
    want = {"run_id": "run-1", "name": "baseline", "params": params, "status": "running", "metrics": {}}
    assert got == want, f"get_run('run-1') returned {got!r}, expected {want!r}"
    got = log.get_run("run-2")
    assert got.get("params") == {} and got.get("status") == "running", (
        f"get_run('run-2') returned {got!r}, expected params {{}} and status 'running'"
    )
    log.end_run("run-2", "failed")
    assert log.get_run("run-2")["status"] == "failed", "after end_run('run-2', 'failed') the status should be 'failed'"
    log.end_run("run-1")
    assert log.get_run("run-1")["status"] == "finished", "after end_run('run-1') the status should be 'finished'"


@shows_expected
@points(2)
def test_metric_steps(student):
    log = student.ExperimentLogger()
    run = log.start_run("steps")
    steps = [log.log_metric(run, "loss", v) for v in (1.0, 0.8, 0.7)]
    assert steps == [0, 1, 2], f"log_metric without a step returned {steps}, expected [0, 1, 2]"
    assert log.log_metric(run, "loss", 0.5, 10) == 10, "log_metric(run, 'loss', 0.5, step=10) should return 10"
    assert log.log_metric(run, "loss", 0.45) == 11, "after step 10, log_metric without a step should use step 11"
    assert log.log_metric(run, "lr", 0.1, 5) == 5, "a new key accepts any first step (5 here)"
    assert log.log_metric(run, "acc", 1) == 0, "log_metric(run, 'acc', 1): an int value is fine, first step 0"
    _expect("ValueError", "log_metric(run, 'loss', 0.4, step=11) (not after the last step 11)", log.log_metric, run, "loss", 0.4, 11)
    _expect("ValueError", "log_metric(run, 'loss', 0.4, step=3)", log.log_metric, run, "loss", 0.4, 3)
    got = log.get_run(run)["metrics"]
    want = {"loss": [[0, 1.0], [1, 0.8], [2, 0.7], [10, 0.5], [11, 0.45]], "lr": [[5, 0.1]], "acc": [[0, 1]]}
    got = {k: [list(p) for p in v] for k, v in got.items()}
    assert got == want, f"get_run(run)['metrics'] is {got!r}, expected {want!r} (rejected values must not be stored)"
    assert log.final_metric(run, "loss") == 0.45, f"final_metric(run, 'loss') is {log.final_metric(run, 'loss')!r}, expected 0.45"


@shows_expected
@points(2)
def test_validation(student):
    log = student.ExperimentLogger()
    run = log.start_run("v")
    for value, why in ((True, "a bool"), (float("nan"), "nan"), (float("inf"), "inf"), ("0.9", "a string"), (None, "None")):
        _expect("ValueError", f"log_metric(run, 'acc', {value!r}) ({why})", log.log_metric, run, "acc", value)
    _expect("ValueError", "log_metric(run, 'acc', 0.5, step=True)", log.log_metric, run, "acc", 0.5, True)
    _expect("ValueError", "log_metric(run, 'acc', 0.5, step=-1)", log.log_metric, run, "acc", 0.5, -1)
    _expect("ValueError", "log_metric(run, 'acc', 0.5, step=1.5)", log.log_metric, run, "acc", 0.5, 1.5)
    _expect("ValueError", "start_run('')", log.start_run, "")
    _expect("ValueError", "start_run('x', {'layers': [64, 32]})", log.start_run, "x", {"layers": [64, 32]})
    _expect("ValueError", "start_run('x', {1: 'a'})", log.start_run, "x", {1: "a"})
    _expect("ValueError", "start_run('x', {'lr': float('nan')})", log.start_run, "x", {"lr": float("nan")})
    _expect("KeyError", "log_metric('run-99', 'acc', 0.5)", log.log_metric, "run-99", "acc", 0.5)
    _expect("KeyError", "get_run('run-99')", log.get_run, "run-99")
    _expect("KeyError", "final_metric(run, 'never-logged')", log.final_metric, run, "never-logged")
    _expect("ValueError", "end_run(run, 'done')", log.end_run, run, "done")
    log.end_run(run)
    _expect("ValueError", "log_metric on a finished run", log.log_metric, run, "acc", 0.5)
    _expect("ValueError", "end_run on a finished run", log.end_run, run)
    assert log.get_run(run)["metrics"] == {}, f"rejected values were stored: {log.get_run(run)['metrics']!r}"


@shows_expected
@points(2)
def test_best_run(student):
    log, (r1, r2, r3, r4) = _sweep(student)
    got = log.best_run("accuracy", "max")
    assert got == r2, (
        f"best_run('accuracy', 'max') returned {got!r}, expected {r2!r}: compare final values (run-1 ended at 0.84 "
        "after peaking at 0.95), and only finished runs count (run-3 failed, run-4 is still running)"
    )
    got = log.best_run("loss", "min")
    assert got == r2, f"best_run('loss', 'min') returned {got!r}, expected {r2!r} (0.30 < 0.35; failed/running runs excluded)"
    got = log.best_run("accuracy", "min")
    assert got == r1, f"best_run('accuracy', 'min') returned {got!r}, expected {r1!r}"
    assert log.best_run("f1") is None, f"best_run('f1') returned {log.best_run('f1')!r}, expected None (nobody logged it)"
    _expect("ValueError", "best_run('accuracy', 'maximum')", log.best_run, "accuracy", "maximum")
    tie = student.ExperimentLogger()
    for name in ("first", "second"):
        run = tie.start_run(name)
        tie.log_metric(run, "score", 3)
        tie.end_run(run)
    assert tie.best_run("score") == "run-1", f"with equal final values best_run returned {tie.best_run('score')!r}, expected 'run-1'"
    assert tie.best_run("score", "min") == "run-1", "with equal final values, the run started first wins for 'min' too"


@shows_expected
@points(1)
def test_jsonl_export(student):
    log, ids = _sweep(student)
    text = log.to_jsonl()
    assert isinstance(text, str) and text.endswith("\n"), f"to_jsonl() should return text ending with a newline, got {text[-40:]!r}"
    lines = text.split("\n")[:-1]
    assert len(lines) == 4, f"to_jsonl() has {len(lines)} lines, expected 4 (one per run)"
    for line, run_id in zip(lines, ids):
        want = json.dumps(log.get_run(run_id), sort_keys=True)
        assert line == want, f"the line for {run_id} is {line!r:.300}, expected {want!r:.300}"
    assert student.ExperimentLogger().to_jsonl() == "", "to_jsonl() of an empty logger should be ''"


@shows_expected
@points(2)
def test_jsonl_import(student):
    log, ids = _sweep(student)
    text = log.to_jsonl()
    again = student.ExperimentLogger.from_jsonl("\n" + text + "\n\n")
    assert again.to_jsonl() == text, "from_jsonl(to_jsonl()) did not give back the same runs"
    assert again.best_run("accuracy") == ids[1], "best_run after the import differs"
    new = again.start_run("after import")
    assert new == "run-5", f"start_run after importing run-1..run-4 returned {new!r}, expected 'run-5' (ids continue)"
    again.log_metric("run-4", "accuracy", 0.5)
    assert again.final_metric("run-4", "accuracy") == 0.5, "an imported running run should accept new metrics"
    good = json.dumps({"run_id": "run-7", "name": "a", "params": {}, "status": "finished", "metrics": {"m": [[0, 1.0]]}})
    assert student.ExperimentLogger.from_jsonl(good).start_run("b") == "run-8", "after importing run-7 the next id should be run-8"
    bad_lines = [
        ("not json", "{oops"),
        ("a missing key", json.dumps({"run_id": "run-2", "name": "a", "params": {}, "status": "finished"})),
        ("a bad status", json.dumps({"run_id": "run-2", "name": "a", "params": {}, "status": "paused", "metrics": {}})),
        ("a repeated id", json.dumps({"run_id": "run-7", "name": "b", "params": {}, "status": "failed", "metrics": {}})),
        ("decreasing steps", json.dumps({"run_id": "run-2", "name": "a", "params": {}, "status": "failed",
                                         "metrics": {"m": [[3, 1.0], [2, 0.5]]}})),
    ]
    for what, line in bad_lines:
        call = f"from_jsonl(a valid line 1, then a line 2 with {what})"
        error = _expect("ValueError", call, student.ExperimentLogger.from_jsonl, good + "\n" + line + "\n")
        assert error.message.startswith("line 2"), f"{call} raised ValueError({error.message!r}); the message should start with 'line 2'"
