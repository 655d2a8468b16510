"""Hidden grader for mlops/fastapi-prediction-service. Requests go to the student's app inside the student box."""

import math

from gradient_grader import AppClient, assert_close, points, shows_expected

CLASSES = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WEIGHTS = [[-0.41, 0.73, -2.06, -0.86], [0.37, -0.36, -0.11, -0.68], [0.04, -0.37, 2.17, 1.54]]
BIAS = [8.51, 2.12, -10.63]
VERSION = "1.0.0"

FLOWERS = [
    [5.1, 3.5, 1.4, 0.2],
    [6.4, 3.2, 4.5, 1.5],
    [6.3, 3.3, 6.0, 2.5],
    [5.9, 3.0, 5.1, 1.8],
    [4.9, 2.4, 3.3, 1.0],
    [7.7, 2.6, 6.9, 2.3],
]


def _proba(x):
    z = [sum(w * v for w, v in zip(row, x)) + b for row, b in zip(WEIGHTS, BIAS)]
    top = max(z)
    e = [math.exp(s - top) for s in z]
    return [v / sum(e) for v in e]


def _body(x):
    return dict(zip(FEATURES, x))


def _check_prediction(got, x, call):
    assert isinstance(got, dict), f"{call}: expected a JSON object, got {got!r:.300}"
    want = _proba(x)
    label = CLASSES[max(range(3), key=lambda i: (want[i], -i))]
    assert got.get("label") == label, f"{call} answered the label {got.get('label')!r}, expected {label!r}"
    probs = got.get("probabilities")
    assert isinstance(probs, dict) and set(probs) == set(CLASSES), (
        f"{call}: 'probabilities' should map each of {CLASSES} to a probability, got {probs!r:.300}"
    )
    assert_close([probs[c] for c in CLASSES], want, rtol=1e-6, atol=1e-9,
                 what=f"the probabilities of {call} (softmax of WEIGHTS @ x + BIAS)")


@shows_expected
@points(1)
def test_health(student):
    client = AppClient(student.app)
    got = client.get("/health")
    assert got["status"] == 200, f"GET /health answered status {got['status']}, expected 200 ({got['text']:.200})"
    want = {"status": "ok", "model_version": VERSION}
    assert got["json"] == want, f"GET /health answered {got['json']!r}, expected {want!r}"


@shows_expected
@points(3)
def test_predict(student):
    client = AppClient(student.app)
    for x in FLOWERS:
        call = f"POST /predict {_body(x)}"
        got = client.post("/predict", json=_body(x))
        assert got["status"] == 200, f"{call} answered status {got['status']}, expected 200: {got['text']:.300}"
        _check_prediction(got["json"], x, call)
        assert got["json"].get("model_version") == VERSION, (
            f"{call}: 'model_version' is {got['json'].get('model_version')!r}, expected {VERSION!r}"
        )
    x = [3.0, 3.0, 3.0, 3.0]
    call = f"predict_proba({x})"
    got = student.predict_proba(x)
    assert_close(list(got), _proba(x), rtol=1e-6, what=call)


@shows_expected
@points(2)
def test_bad_requests_get_422(student):
    client = AppClient(student.app)
    good = _body(FLOWERS[0])
    bad_bodies = [
        ("a missing field", {k: v for k, v in good.items() if k != "petal_width"}),
        ("a misspelled extra field", {**{k: v for k, v in good.items() if k != "petal_length"}, "petal_lenght": 1.4}),
        ("an extra field", {**good, "color": "blue"}),
        ("a non-numeric value", {**good, "sepal_width": "wide"}),
        ("a negative value", {**good, "sepal_length": -5.1}),
        ("a zero value", {**good, "petal_width": 0}),
        ("a value above 50", {**good, "petal_length": 140.0}),
        ("a null value", {**good, "sepal_width": None}),
        ("an empty object", {}),
        ("a list instead of an object", [5.1, 3.5, 1.4, 0.2]),
    ]
    for what, body in bad_bodies:
        got = client.post("/predict", json=body)
        assert got["status"] == 422, (
            f"POST /predict with {what} ({body!r}) answered status {got['status']}, expected 422 "
            f"(let pydantic validate the body): {got['text']:.200}"
        )
    got = client.post("/predict", json={**good, "petal_length": 50})
    assert got["status"] == 200, f"POST /predict with petal_length=50 (allowed: 0 < value <= 50) answered {got['status']}"


@shows_expected
@points(2)
def test_batch(student):
    client = AppClient(student.app)
    body = {"items": [_body(x) for x in FLOWERS]}
    call = f"POST /predict/batch with {len(FLOWERS)} items"
    got = client.post("/predict/batch", json=body)
    assert got["status"] == 200, f"{call} answered status {got['status']}, expected 200: {got['text']:.300}"
    data = got["json"]
    assert isinstance(data, dict) and isinstance(data.get("predictions"), list), f"{call} answered {data!r:.300}"
    assert len(data["predictions"]) == len(FLOWERS), (
        f"{call} answered {len(data['predictions'])} predictions, expected {len(FLOWERS)} (one per item, in order)"
    )
    for i, (pred, x) in enumerate(zip(data["predictions"], FLOWERS)):
        _check_prediction(pred, x, f"{call}: prediction {i}")
    assert data.get("model_version") == VERSION, f"{call}: 'model_version' is {data.get('model_version')!r}"


@shows_expected
@points(1)
def test_batch_limits(student):
    client = AppClient(student.app)
    good = _body(FLOWERS[1])
    cases = [
        ("no items", {"items": []}),
        ("33 items", {"items": [good] * 33}),
        ("one invalid item", {"items": [good, {**good, "sepal_width": -1}]}),
        ("no 'items' key", {"measurements": [good]}),
    ]
    for what, body in cases:
        got = client.post("/predict/batch", json=body)
        assert got["status"] == 422, f"POST /predict/batch with {what} answered status {got['status']}, expected 422"
    got = client.post("/predict/batch", json={"items": [good] * 32})
    assert got["status"] == 200, f"POST /predict/batch with 32 items (the maximum) answered status {got['status']}, expected 200"
