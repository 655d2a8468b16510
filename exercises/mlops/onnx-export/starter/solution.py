"""Export a PyTorch model to ONNX, run it with onnxruntime and check that both agree.

TabularNet and train_model are given complete: keep them as they are (the grader builds a TabularNet and
loads its own weights into it). Replace each ``raise NotImplementedError`` with your own code; README.md has
the exact rules.
"""

import os
import statistics
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

INPUT_NAME = "features"
OUTPUT_NAME = "logits"


class TabularNet(nn.Module):
    """Linear -> BatchNorm1d -> ReLU -> Dropout -> Linear: a small classifier for tabular rows."""

    def __init__(self, n_features=8, hidden=32, n_classes=3, dropout=0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.net(x)


def train_model(n_features=8, n_classes=3, epochs=30, seed=0):
    """A TabularNet trained for a few epochs on synthetic rows (to try your export on)."""
    torch.manual_seed(seed)
    X = torch.randn(512, n_features)
    y = (X[:, 0] + X[:, 1] > 0).long() + (X[:, 2] > 1).long()
    model = TabularNet(n_features, 32, n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(epochs):
        for start in range(0, len(X), 64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(X[start:start + 64]), y[start:start + 64])
            loss.backward()
            optimizer.step()
    return model.eval()


def export_onnx(model, n_features, path=None) -> str:
    """Export `model` to ONNX (input "features", output "logits", dynamic batch axis) in evaluation mode.

    path=None: write model.onnx into a new temporary folder. Return the file's path; leave the model in
    evaluation mode.
    """
    raise NotImplementedError("export_onnx is not written yet")


def load_session(path):
    """An onnxruntime.InferenceSession for the file, on the CPU execution provider."""
    raise NotImplementedError("load_session is not written yet")


def io_names(session) -> tuple[list[str], list[str]]:
    """(input names, output names) of the session's graph."""
    raise NotImplementedError("io_names is not written yet")


def onnx_predict(session, x) -> np.ndarray:
    """The session's logits for rows x (shape (batch, n_features), or one row of shape (n_features,))."""
    raise NotImplementedError("onnx_predict is not written yet")


def torch_predict(model, x) -> np.ndarray:
    """The torch model's logits for rows x, in evaluation mode and without gradients, as a NumPy array."""
    raise NotImplementedError("torch_predict is not written yet")


def parity_report(model, session, batch_sizes=(1, 8, 64), atol=1e-4, seed=0) -> dict:
    """{"max_abs_diff": {batch_size: float}, "ok": bool} comparing torch and onnxruntime on random rows."""
    raise NotImplementedError("parity_report is not written yet")


def compare_latency(model, session, batch_size=32, repeats=20, warmup=3, seed=0) -> dict:
    """{"torch_ms": median ms, "onnx_ms": median ms, "speedup": torch_ms / onnx_ms} for one batch."""
    raise NotImplementedError("compare_latency is not written yet")
