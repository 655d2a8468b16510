"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the rules from the statement on whatever machine you have: with a GPU they expect float16 and
an enabled scaler, without one bfloat16 and a disabled scaler. The hidden grader checks more (another
regression, how well the returned model predicts new points).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import AmpNet, autocast_matmul, pick_device, train_amp  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
LOW = "torch.float16" if DEVICE == "cuda" else "torch.bfloat16"

_trained = {}


def small_regression():
    generator = torch.Generator().manual_seed(123)
    X = torch.randn(256, 8, generator=generator)
    y = (2 * X[:, :1] - X[:, 1:2] + 0.5 * X[:, 2:3] * X[:, 3:4]).float()
    return X, y


def trained():
    if "result" not in _trained:
        X, y = small_regression()
        _trained["result"] = train_amp(X, y, steps=200, lr=0.01, seed=0)
    return _trained["result"]


def test_pick_device_matches_this_machine():
    assert pick_device() == DEVICE, (
        f"pick_device() returned {pick_device()!r}, expected {DEVICE!r} "
        f"(torch.cuda.is_available() is {torch.cuda.is_available()} here)"
    )


def test_autocast_matmul_runs_in_16_bits():
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, 32, generator=generator), torch.randn(32, 8, generator=generator)
    product, name = autocast_matmul(a, b)
    assert name == LOW, f"autocast_matmul reported dtype {name!r}; on {DEVICE!r} autocast should give {LOW!r}"
    assert product.dtype == torch.float32, f"the product should be converted to float32, got {product.dtype}"
    assert product.device.type == "cpu", f"the product should be moved back to the CPU, got {product.device}"
    assert tuple(product.shape) == (16, 8), f"a (16, 32) @ (32, 8) product should be (16, 8), got {tuple(product.shape)}"
    exact = a @ b
    error = float((product - exact).abs().max())
    assert error < 0.05 * float(exact.abs().max()), f"the product is far from a @ b (max difference {error:.4f})"
    assert error > 0, "the product equals the float32 a @ b exactly: compute it inside torch.autocast"


def test_ampnet_layers_and_output_shape():
    torch.manual_seed(0)
    model = AmpNet(5, 7)
    assert isinstance(model.fc1, torch.nn.Linear) and isinstance(model.fc2, torch.nn.Linear), (
        "AmpNet needs self.fc1 and self.fc2, both nn.Linear"
    )
    assert tuple(model.fc1.weight.shape) == (7, 5), f"fc1 should be Linear(5, 7), got weight {tuple(model.fc1.weight.shape)}"
    assert tuple(model.fc2.weight.shape) == (1, 7), f"fc2 should be Linear(7, 1), got weight {tuple(model.fc2.weight.shape)}"
    x = torch.randn(3, 5)
    expected = model.fc2(torch.relu(model.fc1(x)))
    assert torch.allclose(model(x), expected), "forward(x) should be fc2(relu(fc1(x)))"


def test_training_report_dtypes_and_scaler():
    _, report = trained()
    missing = {"device", "output_dtype", "param_dtype", "grad_dtype", "scaler_enabled", "losses"} - set(report)
    assert not missing, f"the report lacks the key(s) {sorted(missing)}"
    assert report["device"] == DEVICE, f"report['device'] is {report['device']!r}, expected {DEVICE!r}"
    assert report["output_dtype"] == LOW, (
        f"report['output_dtype'] is {report['output_dtype']!r}, expected {LOW!r}: run the forward pass inside torch.autocast"
    )
    assert report["param_dtype"] == "torch.float32", (
        f"report['param_dtype'] is {report['param_dtype']!r}: keep the weights in float32 (no model.half() / model.to(bfloat16))"
    )
    assert report["grad_dtype"] == "torch.float32", f"report['grad_dtype'] is {report['grad_dtype']!r}, expected 'torch.float32'"
    assert report["scaler_enabled"] is (DEVICE == "cuda"), (
        f"report['scaler_enabled'] is {report['scaler_enabled']!r}; the scaler should be enabled exactly on 'cuda'"
    )


def test_loss_falls_and_model_is_returned_ready():
    model, report = trained()
    losses = [float(v) for v in report["losses"]]
    assert len(losses) == 200, f"expected one loss per step (200), got {len(losses)}"
    assert losses[-1] < losses[0] / 5, f"the loss went from {losses[0]:.4f} to {losses[-1]:.4f}; expected below a fifth"
    assert model.training is False, "the returned model is in training mode: call model.eval() before returning it"
    assert model.fc1.weight.device.type == "cpu", f"the returned model is on {model.fc1.weight.device}, expected the CPU"
    assert model.fc1.weight.dtype == torch.float32, f"the returned model's weights are {model.fc1.weight.dtype}, expected float32"
    out = model(torch.randn(4, 8))
    assert tuple(out.shape) == (4, 1), f"the model should map (4, 8) inputs to (4, 1), got {tuple(out.shape)}"
