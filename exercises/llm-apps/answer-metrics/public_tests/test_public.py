"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (generated answer pairs and
datasets, edge cases and errors).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import best_scores, evaluate, exact_match, normalize_answer, token_f1  # noqa: E402


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_statement_normalisation_examples():
    got = normalize_answer("  The Eiffel-Tower,  built in 1889! ")
    assert got == "eiffeltower built in 1889", f"got {got!r}: punctuation is deleted (no space left), 'the' dropped"
    got = normalize_answer("An apple a day")
    assert got == "apple day", f"got {got!r}: the words a, an and the are dropped, whatever their case"
    got = normalize_answer("theatre anthem")
    assert got == "theatre anthem", f"got {got!r}: only whole words a/an/the are dropped, not letters inside words"


def test_exact_match_forgives_case_punctuation_and_articles():
    assert exact_match("eiffel tower", "The Eiffel Tower.") == 1.0, "the reference is normalised too"
    assert exact_match("Eiffel Tower", "Tower Eiffel") == 0.0, "word order matters for exact match"


def test_statement_f1_examples():
    got = token_f1("go go go", "Go, go.")
    assert close(got["precision"], 2 / 3) and close(got["recall"], 1.0) and close(got["f1"], 0.8), (
        f"token_f1('go go go', 'Go, go.') returned {got}: the overlap is min(3, 2) = 2 (multiset counts)"
    )
    got = token_f1("in Paris, France", "Paris")
    assert close(got["precision"], 1 / 3) and close(got["recall"], 1.0) and close(got["f1"], 0.5), f"got {got}"


def test_f1_with_no_tokens_or_no_overlap():
    assert token_f1("", "The.") == {"precision": 1.0, "recall": 1.0, "f1": 1.0}, "both sides have no tokens"
    assert token_f1("", "Paris") == {"precision": 0.0, "recall": 0.0, "f1": 0.0}, "only one side has no tokens"
    assert token_f1("Rome", "Paris") == {"precision": 0.0, "recall": 0.0, "f1": 0.0}, "no token in common"


def test_statement_best_scores_example():
    got = best_scores("Paris France", ["Paris", "capital of France"])
    assert got["exact_match"] == 0.0 and close(got["f1"], 2 / 3), f"got {got}: take the max over the references"


def test_statement_evaluate_example():
    dataset = [
        {"id": "q1", "answers": ["Paris", "the city of Paris"]},
        {"id": "q2", "answers": ["1889"]},
        {"id": "q3", "answers": ["Gustave Eiffel"]},
    ]
    got = evaluate({"q1": "Paris, France", "q2": "1889.", "q9": "Berlin"}, dataset)
    assert close(got["exact_match"], 1 / 3) and close(got["f1"], 5 / 9), (
        f"means {got['exact_match']}, {got['f1']}: q3 has no prediction and counts as 0; q9 is not in the dataset"
    )
    assert got["count"] == 3 and got["missing"] == 1, f"count {got['count']} and missing {got['missing']}"
    assert set(got["per_question"]) == {"q1", "q2", "q3"}, f"per_question has keys {sorted(got['per_question'])}"
