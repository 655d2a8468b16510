"""Reference solution for mlops/fastapi-prediction-service."""

import math

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

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
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]  # subtracting the max keeps exp() from overflowing
    total = sum(exps)
    return [e / total for e in exps]


class Measurement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sepal_length: float = Field(gt=0, le=50)
    sepal_width: float = Field(gt=0, le=50)
    petal_length: float = Field(gt=0, le=50)
    petal_width: float = Field(gt=0, le=50)

    def as_list(self):
        return [getattr(self, name) for name in FEATURES]


class Prediction(BaseModel):
    label: str
    probabilities: dict[str, float]


class PredictResponse(Prediction):
    model_version: str


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Measurement] = Field(min_length=1, max_length=32)


class BatchResponse(BaseModel):
    predictions: list[Prediction]
    model_version: str


class Health(BaseModel):
    status: str
    model_version: str


def _predict(measurement):
    probabilities = predict_proba(measurement.as_list())
    best = max(range(len(CLASSES)), key=lambda i: (probabilities[i], -i))
    return Prediction(label=CLASSES[best], probabilities=dict(zip(CLASSES, probabilities)))


app = FastAPI(title="Iris classifier", version=MODEL_VERSION)


@app.get("/health", response_model=Health)
def health():
    return Health(status="ok", model_version=MODEL_VERSION)


@app.post("/predict", response_model=PredictResponse)
def predict(measurement: Measurement):
    return PredictResponse(**_predict(measurement).model_dump(), model_version=MODEL_VERSION)


@app.post("/predict/batch", response_model=BatchResponse)
def predict_batch(request: BatchRequest):
    return BatchResponse(predictions=[_predict(m) for m in request.items], model_version=MODEL_VERSION)
