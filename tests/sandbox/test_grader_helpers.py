"""What grader authors get: metrics for leaderboards, seeded inputs, tolerant comparisons, hidden data."""

from __future__ import annotations

from pathlib import Path

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
