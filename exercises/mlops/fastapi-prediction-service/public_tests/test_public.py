"""Public tests: run them next to your solution.py with plain pytest (FastAPI's TestClient needs httpx:
`pip install fastapi httpx`):

    pytest public_tests/

They send requests to your `app` without a server, with the statement's example flower and a few made-up
ones. The hidden grader checks more (other flowers, more kinds of bad requests, the batch limits).
"""

import math
import os
import sys

from fastapi.testclient import TestClient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import app, predict_proba  # noqa: E402

CLASSES = ["setosa", "versicolor", "virginica"]
# the model of the statement (as in the starter)
WEIGHTS = [[-0.41, 0.73, -2.06, -0.86], [0.37, -0.36, -0.11, -0.68], [0.04, -0.37, 2.17, 1.54]]
BIAS = [8.51, 2.12, -10.63]
EXAMPLE = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}  # the statement's

client = TestClient(app)


def _softmax_of_the_model(x):
    logits = [BIAS[c] + sum(WEIGHTS[c][j] * x[j] for j in range(4)) for c in range(3)]
    shifted = [math.exp(v - max(logits)) for v in logits]
    return [v / sum(shifted) for v in shifted]


def _flower(values):
    return dict(zip(["sepal_length", "sepal_width", "petal_length", "petal_width"], values, strict=True))


def test_health_endpoint_answers_ok():
    got = client.get("/health")
    assert got.status_code == 200, f"GET /health answered status {got.status_code}, expected 200"
    assert got.json() == {"status": "ok", "model_version": "1.0.0"}, f"GET /health answered {got.json()}"


def test_predict_proba_is_the_softmax_of_the_model():
    for x in ([5.1, 3.5, 1.4, 0.2], [6.0, 2.8, 4.4, 1.4], [6.9, 3.1, 5.6, 2.2]):
        got = predict_proba(x)
        want = _softmax_of_the_model(x)
        assert len(got) == 3 and all(isinstance(p, float) for p in got), f"predict_proba({x}) should return 3 floats, got {got!r}"
        assert all(abs(g - w) < 1e-6 for g, w in zip(got, want, strict=True)), (
            f"predict_proba({x}) returned {got}, expected {want} (softmax of WEIGHTS @ features + BIAS)"
        )


def test_statement_example_predict():
    got = client.post("/predict", json=EXAMPLE)
    assert got.status_code == 200, f"POST /predict with the statement's flower answered status {got.status_code}, expected 200"
    body = got.json()
    assert body.get("label") == "setosa" and body.get("model_version") == "1.0.0", f"POST /predict answered {body}"
    want = dict(zip(CLASSES, _softmax_of_the_model(list(EXAMPLE.values())), strict=True))
    probabilities = body.get("probabilities", {})
    assert set(probabilities) == set(CLASSES), f"'probabilities' should have the keys {CLASSES}, got {probabilities}"
    assert all(abs(probabilities[c] - want[c]) < 1e-6 for c in CLASSES), f"probabilities are {probabilities}, expected {want}"


def test_bad_requests_are_rejected_with_422():
    typo = {**{k: v for k, v in EXAMPLE.items() if k != "petal_length"}, "petal_lenght": 1.4}
    cases = [
        ("a misspelled field (petal_lenght)", typo),
        ("a missing field", {k: v for k, v in EXAMPLE.items() if k != "sepal_width"}),
        ("a zero measurement", {**EXAMPLE, "petal_width": 0}),
        ("a measurement above 50", {**EXAMPLE, "sepal_length": 51}),
        ("text instead of a number", {**EXAMPLE, "sepal_width": "wide"}),
    ]
    for why, body in cases:
        got = client.post("/predict", json=body)
        assert got.status_code == 422, f"POST /predict with {why} answered status {got.status_code}, expected 422"


def test_batch_in_order_and_its_size_limits():
    flowers = [[6.0, 2.8, 4.4, 1.4], [5.1, 3.5, 1.4, 0.2], [6.9, 3.1, 5.6, 2.2]]
    got = client.post("/predict/batch", json={"items": [_flower(x) for x in flowers]})
    assert got.status_code == 200, f"POST /predict/batch with 3 items answered status {got.status_code}, expected 200"
    body = got.json()
    assert body.get("model_version") == "1.0.0" and len(body.get("predictions", [])) == 3, f"POST /predict/batch answered {body}"
    for x, prediction in zip(flowers, body["predictions"], strict=True):
        probabilities = _softmax_of_the_model(x)
        assert prediction["label"] == CLASSES[probabilities.index(max(probabilities))], (
            f"the prediction for {x} is {prediction['label']!r}: one prediction per item, in order"
        )
    for why, items in (("no items", []), ("33 items", [EXAMPLE] * 33)):
        got = client.post("/predict/batch", json={"items": items})
        assert got.status_code == 422, f"POST /predict/batch with {why} answered status {got.status_code}, expected 422 (1 to 32 items)"
