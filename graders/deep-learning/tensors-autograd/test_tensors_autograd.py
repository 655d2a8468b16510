"""Hidden grader for deep-learning/tensors-autograd.

Inputs are float32 torch tensors drawn with the `rng` fixture (seeded by the test name); the expected
values come from closed-form formulas evaluated in float64 with NumPy. Common mistakes are recomputed too,
so the feedback can name them.
"""

import numpy as np
import torch

from gradient_grader import assert_close, expected, points


def tensor(array):
    return torch.from_numpy(np.asarray(array, dtype=np.float32))


def as_array(value, call, shape):
    assert isinstance(value, (torch.Tensor, np.ndarray)), (
        f"{call} should return a tensor, got {type(value).__name__}: {value!r:.200}"
    )
    array = value.detach().double().numpy() if isinstance(value, torch.Tensor) else np.asarray(value, dtype=float)
    assert array.shape == shape, f"{call} returned a tensor of shape {tuple(array.shape)}, expected {shape}"
    assert np.isfinite(array).all(), f"{call} returned non-finite values: {array.ravel()[:6].tolist()}"
    return array


def regression_data(rng, n, d):
    X = rng.normal(0, 1, (n, d)).astype(np.float32)
    true_w = rng.normal(0, 2, d)
    y = (X @ true_w + 0.7 + rng.normal(0, 0.3, n)).astype(np.float32)
    return X, y


def mse_grads(X, y, w, b):
    X, y = X.astype(np.float64), y.astype(np.float64)
    residual = X @ w + b - y
    return 2 * X.T @ residual / len(y), np.array([2 * residual.sum() / len(y)])


def descend(X, y, lr, steps, reset=True):
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    w, b = np.zeros(X.shape[1]), np.zeros(1)
    gw_sum, gb_sum = np.zeros_like(w), np.zeros_like(b)
    losses = []
    for _ in range(steps):
        losses.append(float(np.mean((X64 @ w + b - y64) ** 2)))
        gw, gb = mse_grads(X, y, w, b)
        if not reset:  # what happens when .grad is never zeroed: the gradients pile up
            gw_sum, gb_sum = gw_sum + gw, gb_sum + gb
            gw, gb = gw_sum, gb_sum
        w, b = w - lr * gw, b - lr * gb
    return np.concatenate([w, b]), losses


@points(2)
def test_derivative(student, rng):
    x = np.concatenate([[0.0, 1.0, -2.5], rng.uniform(-4, 4, 9)]).astype(np.float32)
    call = f"derivative(torch.tensor({np.round(x.astype(float), 3).tolist()}))"
    got = as_array(student.derivative(tensor(x)), call, x.shape)
    t = x.astype(np.float64)
    want = 2 * t * np.sin(t) + t**2 * np.cos(t)
    assert_close(got, want, rtol=1e-4, atol=1e-5, what=f"{call} (the derivative of t**2 * sin(t))")


@points(2)
def test_linear_regression_grads(student, rng):
    X, y = regression_data(rng, 30, 4)
    w = rng.normal(0, 1, 4).astype(np.float32)
    b = np.array([0.3], dtype=np.float32)
    call = "linear_regression_grads(X, y, w, b) with X of shape (30, 4)"
    result = student.linear_regression_grads(tensor(X), tensor(y), tensor(w), tensor(b))
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a pair (grad_w, grad_b), got {result!r:.200}"
    )
    got_w = as_array(result[0], f"{call}[0] (grad_w)", (4,))
    got_b = as_array(result[1], f"{call}[1] (grad_b)", (1,))
    want_w, want_b = mse_grads(X, y, w.astype(np.float64), b.astype(np.float64))
    assert_close(got_w, want_w, rtol=1e-4, atol=1e-5, what=f"{call}: grad_w")
    assert_close(got_b, want_b, rtol=1e-4, atol=1e-5, what=f"{call}: grad_b")


@points(2)
def test_sgd_steps(student, rng):
    X, y = regression_data(rng, 40, 3)
    call = "sgd_steps(X, y, lr=0.05, steps=40) with X of shape (40, 3)"
    result = student.sgd_steps(tensor(X), tensor(y), 0.05, 40)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a pair (params, losses), got {result!r:.200}"
    )
    params = as_array(result[0], f"{call}[0] (params = torch.cat([w, b]))", (4,))
    losses = result[1]
    assert isinstance(losses, (list, tuple)) and len(losses) == 40, (
        f"{call}[1] should be a list of 40 losses (one per step), got {losses!r:.200}"
    )
    assert all(isinstance(v, float) for v in losses), (
        f"{call}[1] should hold Python floats (loss.item()), got {[type(v).__name__ for v in losses[:3]]}"
    )
    want_params, want_losses = descend(X, y, 0.05, 40)
    wrong_params, _ = descend(X, y, 0.05, 40, reset=False)
    if not np.allclose(params, want_params, rtol=1e-3, atol=1e-4) and np.allclose(params, wrong_params, rtol=1e-3, atol=1e-4):
        raise AssertionError(
            f"{call} returned params {np.round(params, 4).tolist()}, expected {expected(np.round(want_params, 4).tolist())}: "
            "yours match gradients that were never reset, so every step used the sum of all gradients so far. "
            "Zero w.grad and b.grad after each update (or call optimizer.zero_grad())"
        )
    assert_close(losses[0], want_losses[0], rtol=1e-4, atol=1e-5, what=f"{call}: the first loss (at w = 0, b = 0)")
    assert_close(losses, want_losses, rtol=1e-3, atol=1e-5, what=f"{call}: the recorded losses")
    assert_close(params, want_params, rtol=1e-3, atol=1e-4, what=f"{call}: params after the last step")


@points(2)
def test_accumulated_gradient(student, rng):
    X, y = regression_data(rng, 23, 3)  # 23 rows in chunks of 5: the last chunk has 3 rows
    w = rng.normal(0, 1, 3).astype(np.float32)
    call = "accumulated_gradient(X, y, w, chunk_size=5) with 23 rows"
    got = as_array(student.accumulated_gradient(tensor(X), tensor(y), tensor(w), 5), call, (3,))
    want, _ = mse_grads(X, y, w.astype(np.float64), 0.0)
    chunks = [slice(s, s + 5) for s in range(0, 23, 5)]
    summed_means = sum(mse_grads(X[c], y[c], w.astype(np.float64), 0.0)[0] for c in chunks)
    if np.allclose(got, summed_means, rtol=1e-4, atol=1e-5):
        raise AssertionError(
            f"{call} returned {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())}: you added up "
            "each chunk's MEAN loss gradient, which counts every chunk as a whole batch. Divide each chunk's sum "
            "of squared errors by the full number of rows instead"
        )
    if np.allclose(got, summed_means / len(chunks), rtol=1e-4, atol=1e-5):
        raise AssertionError(
            f"{call} returned {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())}: averaging the chunk "
            "means is only right when all chunks have the same size; here the last chunk is smaller. Divide each "
            "chunk's sum of squared errors by the full number of rows"
        )
    assert_close(got, want, rtol=1e-4, atol=1e-5, what=f"{call} (the gradient of the full-batch mean)")
    call1 = "accumulated_gradient(X, y, w, chunk_size=23) (one chunk)"
    got1 = as_array(student.accumulated_gradient(tensor(X), tensor(y), tensor(w), 23), call1, (3,))
    assert_close(got1, want, rtol=1e-4, atol=1e-5, what=call1)


@points(2)
def test_normalised_gradient(student, rng):
    x = rng.normal(0, 2, 5).astype(np.float32)
    c = rng.normal(0, 1, 5).astype(np.float32)
    call = f"normalised_gradient(x={np.round(x.astype(float), 3).tolist()}, c={np.round(c.astype(float), 3).tolist()})"
    got = as_array(student.normalised_gradient(tensor(x), tensor(c)), call, (5,))
    x64, c64 = x.astype(np.float64), c.astype(np.float64)
    norm = np.linalg.norm(x64)
    want = c64 / norm
    through_norm = c64 / norm - (c64 @ x64) * x64 / norm**3
    if not np.allclose(got, want, rtol=1e-4, atol=1e-5) and np.allclose(got, through_norm, rtol=1e-4, atol=1e-5):
        raise AssertionError(
            f"{call} returned {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())}: the gradient also "
            "flowed through the norm. Treat the norm as a constant with .detach()"
        )
    assert_close(got, want, rtol=1e-4, atol=1e-5, what=f"{call} (c / norm(x))")
