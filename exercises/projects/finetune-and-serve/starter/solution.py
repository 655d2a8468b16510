"""Capstone: fine-tune a pretrained model and serve it. One file that grows over three milestones; submit it
after each one.

m1 Fine-tune            build_model, fine_tune
m2 Evaluate and export  predict_proba, evaluate, save_weights, load_finetuned, changed_parameters, model_card
m3 Serve                model_version, create_app and the module-level `app` (FastAPI), served by uvicorn

pretrained.py and pretrained.pt sit beside this file (in the starter download, and when graded).
"""

import torch

from pretrained import HIDDEN, NEW_LANGUAGES, PRETRAIN_CLASSES, CharClassifier, encode, make_dataset  # noqa: F401

PRETRAINED_PATH = "pretrained.pt"  # the shipped pretrained weights (a state_dict of CharClassifier(40))
MODEL_PATH = "finetuned.pt"  # where the app keeps its fine-tuned weights
MAX_BATCH = 64  # most words in one POST /predict/batch
MAX_LETTERS = 20  # longest accepted word

torch.set_num_threads(1)  # the grading box is small: one thread is faster than several fighting


# ---------------------------------------------------------------- m1: fine-tune


def build_model(n_classes, path=PRETRAINED_PATH):
    """A CharClassifier with the pretrained weights from `path`, its embedding and body frozen
    (requires_grad False), and a new, trainable head nn.Linear(HIDDEN, n_classes)."""
    raise NotImplementedError


def fine_tune(model, words, labels, epochs=20, lr=0.01, batch_size=32, seed=0):
    """Train the model's trainable parameters (only the head) with Adam and cross-entropy on these words and
    labels (class indices), in shuffled mini-batches, seeded with `seed`. Return the list of per-epoch average
    losses; leave the model in eval mode."""
    raise NotImplementedError


# ---------------------------------------------------------------- m2: evaluate and export


def predict_proba(model, words):
    """A tensor (len(words), n_classes) of class probabilities, computed in eval mode under torch.inference_mode()."""
    raise NotImplementedError


def evaluate(model, words, labels):
    """{"accuracy": float, "recall": [one float per class of the model, None for a class with no word labelled so]}."""
    raise NotImplementedError


def save_weights(model, path):
    """Save the model's state_dict to `path` (torch.save)."""
    raise NotImplementedError


def load_finetuned(path, n_classes=len(NEW_LANGUAGES)):
    """A CharClassifier(n_classes) with the weights saved at `path`, in eval mode; FileNotFoundError if missing."""
    raise NotImplementedError


def changed_parameters(model, path=PRETRAINED_PATH):
    """Sorted names of the model's state_dict tensors that differ from the ones of the same name and shape in
    the pretrained weights at `path` (tensors with another shape, like the head, are skipped)."""
    raise NotImplementedError


def model_card(model, words, labels):
    """{"base_model": PRETRAINED_PATH, "classes": NEW_LANGUAGES, "trainable_parameters": int,
    "frozen_parameters": int, "accuracy": float, "recall": {language: recall}} on these words and labels."""
    raise NotImplementedError


# ---------------------------------------------------------------- m3: serve


def model_version(path):
    """The first 12 hex digits of the SHA-256 of the file at `path`."""
    raise NotImplementedError


def create_app(model_path=MODEL_PATH):
    """A FastAPI app that loads the fine-tuned weights at `model_path` when it starts (fine-tuning and saving
    them there first if the file is missing) and serves GET /health, POST /predict and POST /predict/batch."""
    raise NotImplementedError


app = None  # m3: app = create_app()
