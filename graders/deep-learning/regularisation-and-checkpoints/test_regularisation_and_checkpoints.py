"""Hidden grader for deep-learning/regularisation-and-checkpoints.

Checkpoints cross as bytes in the safetensors format (a JSON header and raw tensor data: nothing in it can
run code), which the grader reads with safetensors.torch.load; it never unpickles bytes from a student,
not even with torch.load(weights_only=True). It sends its own checkpoint, in the same format, for the
student to load. Models loaded by the
student stay in the student box; the grader calls them and compares with its own forward pass.
"""

import numpy as np
import safetensors.torch
import torch

from gradient_grader import Remote, StudentError, assert_close, expected, points, shows_expected


def shapes(in_features, hidden):
    return {"hidden.weight": (hidden, in_features), "hidden.bias": (hidden,), "out.weight": (1, hidden), "out.bias": (1,)}


def forward(state, x):
    h = torch.relu(x.double() @ state["hidden.weight"].double().T + state["hidden.bias"].double())
    return h @ state["out.weight"].double().T + state["out.bias"].double()


def load_bytes(data, call):
    assert isinstance(data, bytes), f"{call} should return bytes, got {type(data).__name__}: {data!r:.100}"
    try:
        state = safetensors.torch.load(data)
    except Exception as error:  # noqa: BLE001 - any failure means the bytes are not a safetensors checkpoint
        raise AssertionError(
            f"the bytes from {call} cannot be read as a safetensors checkpoint ({type(error).__name__}). "
            "Save model.state_dict() with safetensors.torch.save, not the model object or a torch.save pickle"
        ) from None
    assert isinstance(state, dict), (
        f"the bytes from {call} hold a {type(state).__name__}, expected a state dict (a dict of tensors)"
    )
    return state


def outputs(model, x, call):
    got = model(x)
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert tuple(got.shape) == (x.shape[0], 1), f"{call} returned shape {tuple(got.shape)}, expected ({x.shape[0]}, 1)"
    return got.double()


@points(2)
def test_dropout_in_training_mode(student):
    x = torch.from_numpy(np.random.default_rng(5).uniform(0.5, 2.0, 20000).astype(np.float32))
    for p in (0.25, 0.6):
        call = f"dropout_outputs(x, p={p}, seed=3) with x of 20000 positive values"
        result = student.dropout_outputs(x, p, 3)
        assert isinstance(result, (tuple, list)) and len(result) == 2, (
            f"{call} should return a pair (in_training, in_evaluation), got {result!r:.200}"
        )
        got = result[0]
        assert isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(x.shape), (
            f"{call}[0] should be a tensor of shape {tuple(x.shape)}, got {got!r:.100}"
        )
        got, xd = got.double(), x.double()
        zeroed = got == 0
        rate = float(zeroed.double().mean())
        assert abs(rate - p) < 0.02, f"{call}[0] zeroed {rate:.1%} of the values, expected about {p:.0%}"
        kept = ~zeroed
        ratio = got[kept] / xd[kept]
        if torch.allclose(ratio, torch.ones_like(ratio), rtol=1e-5):
            raise AssertionError(
                f"{call}[0] keeps the surviving values unchanged; dropout in training mode scales them by "
                f"1 / (1 - p) = {1 / (1 - p):.4f} so that the expected value stays the same"
            )
        assert torch.allclose(ratio, torch.full_like(ratio, 1 / (1 - p)), rtol=1e-5), (
            f"{call}[0]: surviving values should be x / (1 - p) = x * {1 / (1 - p):.4f}, got ratios like "
            f"{ratio[:4].tolist()}"
        )


@points(1)
def test_dropout_in_evaluation_mode(student):
    x = torch.from_numpy(np.random.default_rng(6).normal(0, 1, 500).astype(np.float32))
    call = "dropout_outputs(x, p=0.5, seed=1)"
    result = student.dropout_outputs(x, 0.5, 1)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a pair (in_training, in_evaluation), got {result!r:.200}"
    )
    got = result[1]
    assert isinstance(got, torch.Tensor), f"{call}[1] should be a tensor, got {type(got).__name__}"
    zeroed = float((got == 0).double().mean()) if tuple(got.shape) == tuple(x.shape) else 0.0
    assert tuple(got.shape) == tuple(x.shape) and torch.allclose(got.double(), x.double()), (
        f"{call}[1] (evaluation mode) should equal x unchanged, but {zeroed:.0%} of the values are zero and/or "
        "others differ. In evaluation mode dropout does nothing: call layer.eval() (torch.nn.functional.dropout "
        "needs training=False)"
    )


@points(2)
def test_sgd_step_with_weight_decay(student, rng):
    for lr, decay in ((0.1, 0.01), (0.05, 0.3), (0.2, 0.0)):
        X = rng.normal(0, 1, (16, 3)).astype(np.float32)
        y = rng.normal(0, 1, 16).astype(np.float32)
        w = rng.normal(0, 1, 3).astype(np.float32)
        call = f"sgd_step_with_weight_decay(w, X, y, lr={lr}, weight_decay={decay})"
        got = student.sgd_step_with_weight_decay(torch.from_numpy(w), torch.from_numpy(X), torch.from_numpy(y), lr, decay)
        assert isinstance(got, torch.Tensor) and tuple(got.shape) == (3,), (
            f"{call} should return the new w, a tensor of shape (3,), got {got!r:.100}"
        )
        X64, y64, w64 = X.astype(float), y.astype(float), w.astype(float)
        grad = 2 * X64.T @ (X64 @ w64 - y64) / len(y64)
        want = w64 - lr * (grad + decay * w64)
        doubled = w64 - lr * (grad + 2 * decay * w64)
        if decay and np.allclose(got.double().numpy(), doubled, rtol=1e-4, atol=1e-5):
            raise AssertionError(
                f"{call} returned {np.round(got.double().numpy(), 5).tolist()}, "
                f"expected {expected(np.round(want, 5).tolist())}: "
                "the decay is twice too strong, as when weight_decay * ||w||^2 is added to the loss. Use "
                "torch.optim.SGD(..., weight_decay=weight_decay), which adds weight_decay * w to the gradient"
            )
        assert_close(got, want, rtol=1e-4, atol=1e-5, what=f"{call} (w - lr * (grad + weight_decay * w))")


@shows_expected
@points(2)
def test_save_checkpoint(student):
    call = "save_checkpoint(4, 8, seed=3)"
    state = load_bytes(student.save_checkpoint(4, 8, 3), call)
    want = shapes(4, 8)
    # (safetensors keeps the keys sorted, so their order says nothing)
    assert sorted(state) == sorted(want), f"the state dict from {call} has keys {sorted(state)}, expected {sorted(want)}"
    for key, shape in want.items():
        assert isinstance(state[key], torch.Tensor) and tuple(state[key].shape) == shape, (
            f"the state dict from {call}: {key} should be a tensor of shape {shape}, got {state[key]!r:.100}"
        )
    again = load_bytes(student.save_checkpoint(4, 8, 3), call)
    assert all(torch.equal(state[k], again[k]) for k in want), (
        f"calling {call} twice gave different weights; call torch.manual_seed(seed) before building the model"
    )
    other = load_bytes(student.save_checkpoint(4, 8, 4), "save_checkpoint(4, 8, seed=4)")
    assert not torch.equal(state["hidden.weight"], other["hidden.weight"]), (
        f"{call} and save_checkpoint(4, 8, seed=4) gave the same weights: the seed should change the initialisation"
    )


@points(2)
def test_load_checkpoint_made_by_the_grader(student):
    generator = torch.Generator().manual_seed(11)
    state = {key: torch.randn(shape, generator=generator) for key, shape in shapes(5, 16).items()}
    call = "load_checkpoint(data, 5, 16) with a checkpoint made by the grader"
    try:
        model = student.load_checkpoint(safetensors.torch.save(state), 5, 16)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(model, Remote), f"{call} should return the Regressor, got {model!r:.100}"
    x = torch.randn(32, 5, generator=generator)
    want = forward(state, x)
    first = outputs(model, x, f"the model from {call}")
    second = outputs(model, x, f"the model from {call}")
    if not torch.equal(first, second) or model.training:
        raise AssertionError(
            f"the model from {call} is in training mode (model.training is {model.training!r}), so dropout changes "
            "its outputs from call to call; call model.eval() before returning it"
        )
    assert_close(first, want, rtol=1e-5, atol=1e-5,
                 what=f"the outputs of the model from {call} (computed from the checkpoint's weights)")


@points(1)
def test_round_trip(student):
    call = "load_checkpoint(save_checkpoint(6, 10, seed=2), 6, 10)"
    data = student.save_checkpoint(6, 10, 2)
    state = load_bytes(data, "save_checkpoint(6, 10, seed=2)")
    try:
        model = student.load_checkpoint(data, 6, 10)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    x = torch.randn(16, 6, generator=torch.Generator().manual_seed(2))
    assert model.training is False, (
        f"the model from {call} is in training mode, so dropout changes its outputs; call model.eval() before returning it"
    )
    got = outputs(model, x, f"the model from {call}")
    assert_close(got, forward(state, x), rtol=1e-5, atol=1e-5,
                 what=f"the outputs of the model from {call} (the saved weights, no dropout)")
