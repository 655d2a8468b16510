"""Known-wrong solution for projects/sentiment-api."""

import csv
import os
from contextlib import asynccontextmanager
from typing import Annotated

import joblib
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

MODEL_PATH = "sentiment_model.joblib"
MAX_BATCH = 32
MAX_CHARS = 1000


# ---------------------------------------------------------------- m1: train


def load_corpus(path="reviews.csv"):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [row["text"] for row in rows], [row["label"] for row in rows]


def train(texts, labels):
    model = Pipeline([
        ("tfidf", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True)),
        ("clf", LogisticRegression(C=10.0, max_iter=1000)),
    ])
    return model.fit(list(texts), list(labels))


def predict(model, texts):
    probabilities = model.predict_proba(list(texts))
    classes = list(model.classes_)
    best = probabilities.argmax(axis=1)
    return [{"label": str(classes[k]), "score": float(p[k])} for k, p in zip(best, probabilities)]


# ---------------------------------------------------------------- m2: persist


def save_model(model, path):
    joblib.dump(model, path)


def load_model(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model at {path!r}")
    return joblib.load(path)


def model_card(model, texts, labels):
    guesses = [p["label"] for p in predict(model, texts)]
    correct = sum(g == y for g, y in zip(guesses, labels))
    return {
        "classes": sorted(str(c) for c in model.classes_),
        "vocabulary_size": len(model.named_steps["tfidf"].vocabulary_),
        "training_accuracy": correct / len(labels),
    }


# ---------------------------------------------------------------- m3: serve


# a review: text that is not blank, at most MAX_CHARS characters (a number or null is rejected, never converted)
ReviewText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CHARS)]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ReviewText


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[ReviewText] = Field(min_length=1)


class Prediction(BaseModel):
    label: str
    score: float


def create_app(model_path=MODEL_PATH):
    state = {}

    app = FastAPI(title="Sentiment API")
    app.state.model_state = state

    @app.get("/health")
    def health():
        return {"status": "ok", "model_loaded": "model" in state}

    @app.post("/predict", response_model=Prediction)
    def predict_one(review: ReviewIn):
        return predict(state["model"], [review.text])[0]

    @app.post("/predict/batch")
    def predict_batch(batch: BatchIn):
        if len(batch.texts) > MAX_BATCH:
            raise HTTPException(status_code=413, detail=f"at most {MAX_BATCH} texts per request")
        return {"predictions": predict(state["model"], batch.texts)}

    return app


app = create_app()

if __name__ == "__main__":
    import uvicorn

    if not os.path.exists(MODEL_PATH):
        save_model(train(*load_corpus()), MODEL_PATH)
    app.state.model_state["model"] = load_model(MODEL_PATH)
    uvicorn.run(app)
