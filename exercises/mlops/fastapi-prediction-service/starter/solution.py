"""A FastAPI prediction service for a small iris classifier.

Replace each ``raise NotImplementedError`` and fill in the endpoints. README.md has the exact API.
"""

import math

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

MODEL_VERSION = "1.0.0"
CLASSES = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
# One row of weights per class (a multinomial logistic regression fitted on the iris data set).
WEIGHTS = [
    [-0.41, 0.73, -2.06, -0.86],
    [0.37, -0.36, -0.11, -0.68],
    [0.04, -0.37, 2.17, 1.54],
]
BIAS = [8.51, 2.12, -10.63]


def predict_proba(features: list[float]) -> list[float]:
    """Softmax of WEIGHTS @ features + BIAS: one probability per class, in the order of CLASSES."""
    raise NotImplementedError("predict_proba is not written yet")


# TODO: pydantic models for the request and response bodies, for example:
#
# class Measurement(BaseModel):
#     model_config = ConfigDict(extra="forbid")
#     sepal_length: float = Field(gt=0, le=50)
#     ...

app = FastAPI(title="Iris classifier", version=MODEL_VERSION)

# TODO: GET /health, POST /predict and POST /predict/batch
