"""A known-wrong solution."""

import math

from fastapi import FastAPI
from fastapi.responses import JSONResponse

MODEL_VERSION = "1.0.0"
CLASSES = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WEIGHTS = [
    [-0.41, 0.73, -2.06, -0.86],
    [0.37, -0.36, -0.11, -0.68],
    [0.04, -0.37, 2.17, 1.54],
]
BIAS = [8.51, 2.12, -10.63]


def predict_proba(features):
    scores = [sum(w * x for w, x in zip(row, features)) + b for row, b in zip(WEIGHTS, BIAS)]
    exps = [math.exp(s - max(scores)) for s in scores]
    return [e / sum(exps) for e in exps]


def _check(body):
    """Hand-written validation: returns an error message or None."""
    if not isinstance(body, dict) or set(body) != set(FEATURES):
        return "expected the four measurements"
    for name in FEATURES:
        value = body[name]
        if not isinstance(value, (int, float)) or not 0 < value <= 50:
            return f"{name} must be a number in (0, 50]"
    return None


def _predict(body):
    p = predict_proba([float(body[name]) for name in FEATURES])
    return {"label": CLASSES[p.index(max(p))], "probabilities": dict(zip(CLASSES, p))}


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "model_version": MODEL_VERSION}


@app.post("/predict")
def predict(body: dict):
    error = _check(body)
    if error:
        return JSONResponse({"error": error}, status_code=400)  # 400 instead of 422
    return {**_predict(body), "model_version": MODEL_VERSION}


@app.post("/predict/batch")
def predict_batch(body: dict):
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 32 or any(_check(i) for i in items):
        return JSONResponse({"error": "bad batch"}, status_code=400)
    return {"predictions": [_predict(i) for i in items], "model_version": MODEL_VERSION}
