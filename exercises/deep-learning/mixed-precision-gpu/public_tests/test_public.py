"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the rules from the statement on whatever machine you have: with a GPU they expect float16 and
an enabled scaler, without one bfloat16 and a disabled scaler. The hidden grader checks more (its own
weights and data, its own autocast run to compare your tensors with, the scaler skipping an overflowing
step on a GPU, how well the trained model predicts new points).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import AmpNet, amp_forward, autocast_matmul, pick_device, train_amp  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
LOW = torch.float16 if DEVICE == "cuda" else torch.bfloat16

_trained = {}


def small_regression():
    generator = torch.Generator().manual_seed(123)
    X = torch.randn(256, 8, generator=generator)
    y = (2 * X[:, :1] - X[:, 1:2] + 0.5 * X[:, 2:3] * X[:, 3:4]).float()
    return X, y


def trained():
    if "result" not in _trained:
        X, y = small_regression()
        torch.manual_seed(0)
        model = AmpNet(8, 32)
        _trained["result"] = (model, train_amp(model, X, y, steps=200, lr=0.01))
    return _trained["result"]


def test_pick_device_matches_this_machine():
    assert pick_device() == DEVICE, (
        f"pick_device() returned {pick_device()!r}, expected {DEVICE!r} "
        f"(torch.cuda.is_available() is {torch.cuda.is_available()} here)"
    )


def test_autocast_matmul_returns_the_16_bit_product():
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, 32, generator=generator), torch.randn(32, 8, generator=generator)
    product = autocast_matmul(a, b)
    assert product.dtype == LOW, f"the product has dtype {product.dtype}; on {DEVICE!r} autocast gives {LOW} (do not convert it)"
    assert product.device.type == "cpu", f"the product should be moved back to the CPU, got {product.device}"
    assert tuple(product.shape) == (16, 8), f"a (16, 32) @ (32, 8) product should be (16, 8), got {tuple(product.shape)}"
    with torch.autocast(device_type=DEVICE, dtype=LOW):
        mine = (a.to(DEVICE) @ b.to(DEVICE)).cpu()
    assert torch.allclose(product.float(), mine.float(), rtol=0.02, atol=0.05), "the product differs from autocast's a @ b"
    assert not torch.equal(product.float(), a @ b), "the product equals the float32 a @ b exactly: compute it inside torch.autocast"


def test_ampnet_layers_and_forward():
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
    out = amp_forward(model, x)
    assert out.dtype == LOW and tuple(out.shape) == (3, 1), f"amp_forward gave {out.dtype} {tuple(out.shape)}, expected {LOW} (3, 1)"
    assert torch.allclose(out.float(), expected, rtol=0.05, atol=0.05), "amp_forward's output is far from the float32 forward"
    assert model.fc1.weight.dtype == torch.float32, f"after amp_forward the weights are {model.fc1.weight.dtype}, expected float32"


def test_training_report():
    _, report = trained()
    missing = {"device", "output_dtype", "param_dtype", "first_grad", "losses"} - set(report)
    assert not missing, f"the report lacks the key(s) {sorted(missing)}"
    assert report["device"] == DEVICE, f"report['device'] is {report['device']!r}, expected {DEVICE!r}"
    assert report["output_dtype"] == str(LOW), (
        f"report['output_dtype'] is {report['output_dtype']!r}, expected {str(LOW)!r}: run the forward pass inside torch.autocast"
    )
    assert report["param_dtype"] == "torch.float32", (
        f"report['param_dtype'] is {report['param_dtype']!r}: keep the weights in float32 (no model.half() / model.to(bfloat16))"
    )
    grad = report["first_grad"]
    assert isinstance(grad, torch.Tensor) and tuple(grad.shape) == (32, 8), "first_grad should be fc1.weight's gradient, (32, 8)"
    assert grad.dtype == torch.float32 and bool(torch.isfinite(grad).all()), "first_grad should be finite and float32"


def test_loss_falls_and_model_is_returned_ready():
    model, report = trained()
    losses = [float(v) for v in report["losses"]]
    assert len(losses) == 200, f"expected one loss per step (200), got {len(losses)}"
    assert losses[-1] < losses[0] / 5, f"the loss went from {losses[0]:.4f} to {losses[-1]:.4f}; expected below a fifth"
    assert model.training is False, "the model is in training mode after train_amp: call model.eval() at the end"
    assert model.fc1.weight.device.type == "cpu", f"the model is on {model.fc1.weight.device} after train_amp, expected the CPU"
    assert model.fc1.weight.dtype == torch.float32, f"the model's weights are {model.fc1.weight.dtype}, expected float32"
    out = model(torch.randn(4, 8))
    assert tuple(out.shape) == (4, 1), f"the model should map (4, 8) inputs to (4, 1), got {tuple(out.shape)}"
