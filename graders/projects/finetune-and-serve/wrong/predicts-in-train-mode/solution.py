"""Wrong: predicts in whatever mode the model is in (training mode after fine_tune), so dropout stays on."""

import hashlib
import os
from contextlib import asynccontextmanager
from typing import Annotated

import torch
from fastapi import FastAPI, HTTPException
from pretrained import HIDDEN, NEW_LANGUAGES, PRETRAIN_CLASSES, CharClassifier, encode, make_dataset
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from torch import nn

PRETRAINED_PATH = "pretrained.pt"
MODEL_PATH = "finetuned.pt"
MAX_BATCH = 64
MAX_LETTERS = 20

torch.set_num_threads(1)


# ---------------------------------------------------------------- m1: fine-tune


def build_model(n_classes, path=PRETRAINED_PATH):
    model = CharClassifier(PRETRAIN_CLASSES)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    model.head = nn.Linear(HIDDEN, n_classes)  # new layers are trainable
    return model


def fine_tune(model, words, labels, epochs=20, lr=0.01, batch_size=32, seed=0):
    torch.manual_seed(seed)
    x, y = encode(words), torch.as_tensor(labels, dtype=torch.long)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    for _ in range(epochs):
        model.train()
        order, total = torch.randperm(len(y)), 0.0
        for start in range(0, len(y), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(y))
    return losses


# ---------------------------------------------------------------- m2: evaluate and export


def predict_proba(model, words):
    with torch.inference_mode():
        return torch.softmax(model(encode(words)), dim=1)


def evaluate(model, words, labels):
    guesses = predict_proba(model, words).argmax(dim=1).tolist()
    recall = []
    for k in range(model.head.out_features):
        mine = [g for g, y in zip(guesses, labels) if y == k]
        recall.append(sum(g == k for g in mine) / len(mine) if mine else None)
    accuracy = sum(g == y for g, y in zip(guesses, labels)) / len(labels)
    return {"accuracy": accuracy, "recall": recall}


def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_finetuned(path, n_classes=len(NEW_LANGUAGES)):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no weights at {path!r}")
    model = CharClassifier(n_classes)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model


def changed_parameters(model, path=PRETRAINED_PATH):
    original = torch.load(path, map_location="cpu", weights_only=True)
    return sorted(
        name for name, tensor in model.state_dict().items()
        if name in original and original[name].shape == tensor.shape and not torch.equal(original[name], tensor)
    )


def model_card(model, words, labels):
    scores = evaluate(model, words, labels)
    return {
        "base_model": PRETRAINED_PATH,
        "classes": list(NEW_LANGUAGES),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "frozen_parameters": sum(p.numel() for p in model.parameters() if not p.requires_grad),
        "accuracy": scores["accuracy"],
        "recall": dict(zip(NEW_LANGUAGES, scores["recall"])),
    }


# ---------------------------------------------------------------- m3: serve


def model_version(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


Word = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTERS, pattern=r"^[A-Za-z]+$")]


class WordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    word: Word


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[Word] = Field(min_length=1)


def create_app(model_path=MODEL_PATH):
    state = {}

    @asynccontextmanager
    async def lifespan(app):
        if not os.path.exists(model_path):
            model = build_model(len(NEW_LANGUAGES))
            fine_tune(model, *make_dataset(100, seed=0))
            save_weights(model, model_path)
        state["model"] = load_finetuned(model_path)
        state["version"] = model_version(model_path)
        yield
        state.clear()

    app = FastAPI(title="Made-up language identifier", lifespan=lifespan)

    def answer(words):
        probabilities = predict_proba(state["model"], [w.lower() for w in words])
        confidence, best = probabilities.max(dim=1)
        return [{"language": NEW_LANGUAGES[k], "confidence": c} for k, c in zip(best.tolist(), confidence.tolist())]

    @app.get("/health")
    def health():
        return {"status": "ok", "model_version": state["version"]}

    @app.post("/predict")
    def predict_one(body: WordIn):
        return answer([body.word])[0]

    @app.post("/predict/batch")
    def predict_batch(body: BatchIn):
        if len(body.words) > MAX_BATCH:
            raise HTTPException(status_code=413, detail=f"at most {MAX_BATCH} words per request")
        return {"predictions": answer(body.words)}

    return app


app = create_app()
