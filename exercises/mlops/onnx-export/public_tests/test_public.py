"""Public tests: run them next to your solution.py with plain pytest (torch, onnx, onnxruntime and onnxscript
installed):

    pytest public_tests/

They export the starter's trained model once and check the statement's example. The hidden grader exports a
model with its own weights, handed over in training mode, and compares the outputs with its own copy.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402


@pytest.fixture(scope="module")
def exported():
    model = solution.train_model(n_features=8, n_classes=3, epochs=5)
    model.train()
    path = solution.export_onnx(model, 8)
    return model, path, solution.load_session(path)


def test_example_file_is_in_a_temporary_folder(exported):
    model, path, _ = exported
    assert isinstance(path, str) and path.endswith(".onnx") and os.path.isfile(path), f"export_onnx returned {path!r}"
    assert os.path.isabs(path) and os.path.dirname(path) != os.getcwd(), (
        f"export_onnx(model, 8) wrote {path}: with path=None, use a new temporary folder (tempfile.mkdtemp())"
    )
    assert model.training is False, "export_onnx should leave the model in evaluation mode (model.eval())"


def test_example_names_and_dynamic_batch(exported):
    _, _, session = exported
    assert solution.io_names(session) == (["features"], ["logits"])
    shape = session.get_inputs()[0].shape
    assert shape[1] == 8 and not isinstance(shape[0], int), (
        f"the ONNX input has shape {shape}: axis 0 must be dynamic (a name such as 'batch', not a number)"
    )
    for rows in (1, 2, 17):
        x = np.random.default_rng(rows).standard_normal((rows, 8)).astype(np.float32)
        out = session.run(None, {"features": x})[0]
        assert out.shape == (rows, 3), f"a batch of {rows} rows gave logits of shape {out.shape}"


def test_example_predictions_agree(exported):
    model, _, session = exported
    x = np.random.default_rng(0).standard_normal((6, 8))  # float64 on purpose
    onnx_out, torch_out = solution.onnx_predict(session, x), solution.torch_predict(model, x)
    assert isinstance(onnx_out, np.ndarray) and onnx_out.shape == (6, 3)
    assert isinstance(torch_out, np.ndarray) and torch_out.shape == (6, 3)
    assert np.abs(onnx_out - torch_out).max() < 1e-4
    assert solution.onnx_predict(session, np.zeros(8)).shape == (1, 3), "one row of shape (8,) gives logits (1, 3)"


def test_example_parity_report_and_latency(exported):
    model, _, session = exported
    model.train()
    report = solution.parity_report(model, session, batch_sizes=(1, 5))
    assert set(report) == {"max_abs_diff", "ok"} and sorted(report["max_abs_diff"]) == [1, 5], f"got {report}"
    assert report["ok"] is True and max(report["max_abs_diff"].values()) < 1e-4, (
        f"parity_report returned {report}: run the torch side in evaluation mode"
    )
    timing = solution.compare_latency(model, session, repeats=3, warmup=1)
    assert set(timing) == {"torch_ms", "onnx_ms", "speedup"} and all(v > 0 for v in timing.values()), f"got {timing}"
    assert timing["speedup"] == pytest.approx(timing["torch_ms"] / timing["onnx_ms"])
