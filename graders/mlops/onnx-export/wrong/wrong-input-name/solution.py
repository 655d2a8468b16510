"""Known-wrong solution for mlops/onnx-export: export a torch model to ONNX, serve it with onnxruntime, check parity."""

import os
import statistics
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

INPUT_NAME = "input"
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
    """A TabularNet trained for a few epochs on synthetic rows (for trying the export locally)."""
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


def export_onnx(model, n_features, path=None):
    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="onnx-export-"), "model.onnx")
    model.eval()  # dropout off, batch norm on its running statistics: the graph is traced in this mode
    example = torch.randn(2, n_features)
    torch.onnx.export(
        model, (example,), path, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}, dynamo=False,
    )
    return path


def load_session(path):
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def io_names(session):
    return [i.name for i in session.get_inputs()], [o.name for o in session.get_outputs()]


def _rows(x):
    x = np.asarray(x, dtype=np.float32)
    return x.reshape(1, -1) if x.ndim == 1 else x


def onnx_predict(session, x):
    return session.run(None, {"input": _rows(x)})[0]


def torch_predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(_rows(x))).numpy()


def parity_report(model, session, batch_sizes=(1, 8, 64), atol=1e-4, seed=0):
    n_features = session.get_inputs()[0].shape[1]
    rng = np.random.default_rng(seed)
    diffs = {}
    for batch in batch_sizes:
        x = rng.standard_normal((batch, n_features)).astype(np.float32)
        diffs[batch] = float(np.max(np.abs(torch_predict(model, x) - onnx_predict(session, x))))
    return {"max_abs_diff": diffs, "ok": all(d <= atol for d in diffs.values())}


def _median_ms(fn, x, repeats, warmup):
    for _ in range(warmup):
        fn(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def compare_latency(model, session, batch_size=32, repeats=20, warmup=3, seed=0):
    n_features = session.get_inputs()[0].shape[1]
    x = np.random.default_rng(seed).standard_normal((batch_size, n_features)).astype(np.float32)
    torch_ms = _median_ms(lambda rows: torch_predict(model, rows), x, repeats, warmup)
    onnx_ms = _median_ms(lambda rows: onnx_predict(session, rows), x, repeats, warmup)
    return {"torch_ms": torch_ms, "onnx_ms": onnx_ms, "speedup": torch_ms / onnx_ms}
