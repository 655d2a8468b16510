"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked examples of README.md. The hidden grader checks more, on numbers and documents of
its own (long documents, unseen words, empty documents, other labels and alpha values).
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    MultinomialNaiveBayes,
    build_vocabulary,
    count_matrix,
    log_sum_exp,
    posterior,
    rates_from_counts,
    sequential_posterior,
)

DOCS = ["win money now", "meeting at noon", "win a free prize now", "lunch meeting tomorrow", "see you at lunch"]
LABELS = [1, 0, 1, 0, 0]


def test_readme_posterior():
    got = posterior(0.01, 0.9, 0.95)
    assert math.isclose(got, 0.15384615384615374, rel_tol=1e-9), (
        f"posterior(0.01, 0.9, 0.95) returned {got}, expected 0.1538...: 0.9*0.01 / (0.9*0.01 + 0.05*0.99)"
    )
    got = posterior(0.01, 0.9, 0.95, positive=False)
    assert math.isclose(got, 0.0010621348911311734, rel_tol=1e-9), (
        f"posterior(0.01, 0.9, 0.95, positive=False) returned {got}, expected 0.001062...: 0.1*0.01 / (0.1*0.01 + 0.95*0.99)"
    )
    with pytest.raises(ValueError):
        posterior(1.5, 0.9, 0.95)


def test_readme_sequential_posterior():
    got = sequential_posterior(0.01, 0.9, 0.95, [True, True, False])
    want = [0.15384615384615374, 0.7659574468085103, 0.25622775800711706]
    assert len(got) == 3 and np.allclose(got, want, rtol=1e-9), f"got {got}, expected {want}"
    assert sequential_posterior(0.01, 0.9, 0.95, []) == [], "no results: an empty list"


def test_readme_rates_match_bayes():
    rates = rates_from_counts([[45, 5], [95, 855]])
    want = {"prevalence": 0.05, "sensitivity": 0.9, "specificity": 0.9, "ppv": 0.32142857142857145, "npv": 0.9941860465116279}
    assert set(rates) == set(want), f"rates_from_counts returned the keys {sorted(rates)}, expected {sorted(want)}"
    for key, value in want.items():
        assert math.isclose(rates[key], value, rel_tol=1e-9), f"{key} is {rates[key]}, expected {value}"
    bayes = posterior(rates["prevalence"], rates["sensitivity"], rates["specificity"])
    assert math.isclose(bayes, rates["ppv"], rel_tol=1e-9), "Bayes' rule on the table's rates should give its ppv"


def test_readme_vocabulary_and_counts():
    vocab = build_vocabulary(DOCS)
    assert (len(vocab), vocab["a"], vocab["win"], vocab["you"]) == (13, 0, 11, 12), f"vocabulary {vocab}"
    X = count_matrix(["win win WIN unknown", ""], vocab)
    assert np.asarray(X).shape == (2, 13), f"count_matrix shape {np.asarray(X).shape}, expected (2, 13)"
    assert X[0, 11] == 3 and np.asarray(X).sum() == 3, "'win' three times (any case); 'unknown' is ignored"


def test_readme_log_sum_exp():
    assert math.isclose(float(log_sum_exp([-1000.0, -1000.0])), -1000 + math.log(2), rel_tol=1e-12)
    got = np.asarray(log_sum_exp(np.array([[1000.0, 1000.0], [-np.inf, -np.inf]]), axis=1))
    assert got.shape == (2,) and math.isclose(got[0], 1000 + math.log(2)) and got[1] == -np.inf, f"got {got}"


def test_readme_classifier():
    vocab = build_vocabulary(DOCS)
    model = MultinomialNaiveBayes(alpha=1.0)
    assert model.fit(count_matrix(DOCS, vocab), LABELS) is model, "fit should return self"
    assert np.asarray(model.classes_).tolist() == [0, 1]
    assert np.allclose(np.exp(model.class_log_prior_), [0.6, 0.4])
    assert np.allclose(np.exp(model.feature_log_prob_[:, vocab["win"]]), [1 / 23, 3 / 21])
    test = count_matrix(["free money", "Noon meeting tomorrow", "hello there"], vocab)
    proba = model.predict_proba(test)
    assert np.allclose(proba, [[0.23817, 0.76183], [0.93200, 0.06800], [0.6, 0.4]], atol=1e-4), f"got {proba.round(4)}"
    assert np.allclose(np.exp(model.predict_log_proba(test)), proba)
    assert np.asarray(model.predict(test)).tolist() == [1, 0, 0]
    with pytest.raises(ValueError):
        MultinomialNaiveBayes(alpha=0)
