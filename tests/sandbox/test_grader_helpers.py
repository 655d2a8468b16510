"""What grader authors get: metrics for leaderboards, seeded inputs, tolerant comparisons, hidden data."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.docker

METRIC_GRADER = Path(__file__).parent / "fixtures" / "metric"

GOOD = """
def predict(xs):
    return [x % 2 for x in xs]


def scale(values, factor):
    return [[v * factor for v in row] for row in values]
"""

HALF_RIGHT = """
def predict(xs):
    return [0 for _ in xs]


def scale(values, factor):
    return [[v * factor + 1e-3 for v in row] for row in values]
"""


def test_metrics_are_reported_per_part_and_labels_stay_hidden(grade):
    outcome = grade(GOOD, grader_dir=METRIC_GRADER)
    assert outcome.status == "graded" and outcome.score == outcome.max_score == 5
    assert outcome.metrics == {"public": {"accuracy": 1.0}, "private": {"accuracy": 1.0}}


def test_a_weaker_model_gets_its_true_metric_and_a_clear_tolerance_message(grade):
    outcome = grade(HALF_RIGHT, grader_dir=METRIC_GRADER)
    assert outcome.metrics["public"]["accuracy"] == pytest.approx(4 / 8)
    assert outcome.metrics["private"]["accuracy"] == pytest.approx(3 / 8)
    assert outcome.score == 0
    message = next(t.message for t in outcome.tests if t.name == "test_scale_matches_with_tolerance")
    assert "scale(values, 2.0) differs at index (0, 0)" in message


def test_seeded_inputs_make_three_runs_agree(grade):
    outcomes = [grade(HALF_RIGHT, grader_dir=METRIC_GRADER) for _ in range(3)]
    messages = {next(t.message for t in o.tests if t.name == "test_scale_matches_with_tolerance") for o in outcomes}
    assert len(messages) == 1


PROTOCOL_GRADER = Path(__file__).parent / "fixtures" / "protocols"

BAG = """
class Bag:
    def __init__(self, *items):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def __contains__(self, item):
        return item in self.items

    def __str__(self):
        return f"Bag of {len(self.items)}"

    def __eq__(self, other):
        return True  # a liar: must not help
"""


def test_len_contains_and_str_reach_the_students_methods_but_eq_does_not(grade):
    outcome = grade(BAG, grader_dir=PROTOCOL_GRADER)
    assert outcome.status == "graded", outcome.messages
    assert {t.name: t.outcome for t in outcome.tests} == {
        "test_len": "passed", "test_contains": "passed", "test_str": "passed", "test_eq_is_identity": "passed",
    }


HIDDEN_GRADER = Path(__file__).parent / "fixtures" / "hidden"

# Prints what it is sent, so the test can see what reached the student box and how often.
ECHO = """
import json


def predict(xs):
    print("SENT=" + json.dumps(xs), flush=True)
    return [x % 2 for x in xs]
"""

# Fails on purpose the first time (after recording the inputs) and answers from its recording on a second
# pass, so a grader that resends hidden inputs would give it full marks.
REPLAY = """
import json

seen = []


def predict(xs):
    print("SENT=" + json.dumps(xs), flush=True)
    if not seen:
        seen.append(list(xs))
        raise RuntimeError("failing on purpose, hoping to be asked again")
    return [x % 2 for x in seen[0]]
"""


def _sent(outcome) -> list[list[int]]:  # type: ignore[no-untyped-def]
    return [json.loads(line[len("SENT="):]) for line in outcome.student_output.splitlines() if line.startswith("SENT=")]


def _expected_xs(secret: str) -> list[int]:
    """The fixture's hidden inputs, computed here the way hidden_seed documents it: HMAC-SHA256 of the name
    keyed with the secret, the first 16 bytes as a big-endian int."""
    digest = hmac.new(secret.encode(), b"tests/fixtures/hidden:xs", hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big")).integers(0, 10**6, 16).tolist()


def test_hidden_inputs_come_from_the_deployment_secret_and_are_sent_once(grade):
    outcome = grade(ECHO, grader_dir=HIDDEN_GRADER, grader_secret="deployment-one")
    by_name = {t.name: t for t in outcome.tests}
    assert by_name["test_first_pass"].outcome == "passed", outcome.tests
    assert _sent(outcome) == [_expected_xs("deployment-one")]  # the secret reached the grader box; sent once
    assert by_name["test_second_pass"].outcome == "failed"
    assert "were already sent to your code once in this run" in by_name["test_second_pass"].message
    assert by_name["test_same_content_under_another_name_is_refused"].outcome == "passed"
    assert outcome.metrics == {"public": {"accuracy": 1.0}}  # the refused pass recorded nothing


def test_the_same_secret_gives_the_same_hidden_inputs_and_another_secret_others(grade):
    runs = [grade(ECHO, grader_dir=HIDDEN_GRADER, grader_secret=s) for s in ("one", "one", "two", "")]
    sent = [_sent(o) for o in runs]
    assert sent[0] == sent[1] == [_expected_xs("one")]
    assert sent[2] == [_expected_xs("two")] and sent[2] != sent[0]
    assert sent[3] == [_expected_xs("")]  # no secret: still deterministic (but public)


def test_a_submission_that_fails_on_purpose_never_sees_the_hidden_inputs_again(grade):
    outcome = grade(REPLAY, grader_dir=HIDDEN_GRADER, grader_secret="deployment-one")
    by_name = {t.name: t for t in outcome.tests}
    assert by_name["test_first_pass"].outcome == "failed"
    assert "failing on purpose" in by_name["test_first_pass"].message
    assert by_name["test_second_pass"].outcome == "failed"
    assert "were already sent to your code once in this run" in by_name["test_second_pass"].message
    assert len(_sent(outcome)) == 1  # the replay never got its second look
    assert outcome.metrics == {}
    assert outcome.score < outcome.max_score
