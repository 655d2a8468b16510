"""Hidden grader for deep-learning/mixed-precision-gpu.

The grader box has no GPU; the student box may. The grader asks the student's own `torch` module
(`student.torch.cuda.is_available()`) which device the student code should pick, and expects float16 with
an enabled GradScaler on "cuda", bfloat16 with a disabled one on "cpu". Tensors cross to the grader on the
CPU (bfloat16 ones as float32), so dtypes are checked through the names the student reports and through
the values themselves.
"""

import numpy as np
import torch

from gradient_grader import Remote, StudentError, call_timeout, points, shows_expected

_cache = {}


def expected_device(student):
    if "device" not in _cache:
        try:
            has_cuda = student.torch.cuda.is_available()
        except (StudentError, AttributeError):
            raise AssertionError(
                "the grader could not read torch.cuda.is_available() through your module: keep `import torch` "
                "at the top of solution.py"
            ) from None
        _cache["device"] = "cuda" if has_cuda is True else "cpu"
    return _cache["device"]


def low_precision(device):
    return "torch.float16" if device == "cuda" else "torch.bfloat16"


def regression(seed, n, d=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, d)).astype(np.float32)
    y = (np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3]).astype(np.float32)[:, None]
    return torch.from_numpy(X), torch.from_numpy(y)


CALL = "train_amp(X, y, steps=200, lr=0.01, seed=0) with X (512, 8), y (512, 1)"


def trained(student):
    if "trained" in _cache:
        return _cache["trained"]
    X, y = regression(0, 512)
    try:
        with call_timeout(60):
            result = student.train_amp(X, y, steps=200, lr=0.01, seed=0)
    except StudentError as error:
        raise AssertionError(f"{CALL} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(result, tuple) and len(result) == 2, f"{CALL} should return (model, report), got {result!r:.200}"
    model, report = result
    assert isinstance(model, Remote), f"{CALL} should return the trained AmpNet first, got {model!r:.100}"
    assert isinstance(report, dict), f"{CALL} should return a report dict second, got {report!r:.200}"
    missing = {"device", "output_dtype", "param_dtype", "grad_dtype", "scaler_enabled", "losses"} - set(report)
    assert not missing, f"the report from {CALL} lacks the key(s) {sorted(missing)}"
    _cache["trained"] = (model, report)
    return model, report


@shows_expected
@points(1)
def test_pick_device(student):
    want = expected_device(student)
    got = student.pick_device()
    assert got == want, (
        f"pick_device() returned {got!r}, expected {want!r} (torch.cuda.is_available() is {want == 'cuda'} "
        "in the box that runs your code)"
    )


@shows_expected
@points(2)
def test_autocast_matmul(student):
    device = expected_device(student)
    generator = torch.Generator().manual_seed(7)
    a, b = torch.randn(24, 48, generator=generator), torch.randn(48, 16, generator=generator)
    call = "autocast_matmul(a, b) with a (24, 48), b (48, 16)"
    result = student.autocast_matmul(a, b)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return (product, dtype_name), got {result!r:.200}"
    )
    product, name = result
    want_name = low_precision(device)
    assert name == want_name, (
        f"{call} reported dtype {name!r}, expected {want_name!r}: on {device!r} autocast should use "
        f"{'float16' if device == 'cuda' else 'bfloat16'}"
    )
    assert isinstance(product, torch.Tensor) and tuple(product.shape) == (24, 16), (
        f"{call} should return the product as a (24, 16) tensor, got {product!r:.100}"
    )
    exact = (a.double() @ b.double())
    error = float((product.double() - exact).abs().max())
    scale = float(exact.abs().max())
    assert error <= 0.02 * scale, (
        f"{call}: the product differs from a @ b by up to {error:.4f} (values up to {scale:.2f}); 16-bit "
        "rounding should stay within 2% of the largest value"
    )
    assert error > 1e-5 * scale, (
        f"{call}: the product equals the float32 a @ b exactly, so it did not run in 16 bits; compute it inside "
        "torch.autocast(device_type=device, dtype=...)"
    )


@shows_expected
@points(2)
def test_training_report(student):
    device = expected_device(student)
    _, report = trained(student)
    assert report["device"] == device, f"the report from {CALL} says device {report['device']!r}, expected {device!r}"
    want = low_precision(device)
    assert report["output_dtype"] == want, (
        f"the report from {CALL} says the model's output had dtype {report['output_dtype']!r} inside autocast, "
        f"expected {want!r}: run the forward pass inside torch.autocast(device_type={device!r}, dtype=...)"
    )
    for key, what in (("param_dtype", "weights"), ("grad_dtype", "gradients")):
        assert report[key] == "torch.float32", (
            f"the report from {CALL} says the {what} are {report[key]!r}, expected 'torch.float32': autocast "
            "keeps the master weights (and their gradients) in float32; do not call model.half() or "
            "model.to(torch.bfloat16)"
        )


@shows_expected
@points(1)
def test_scaler_enabled_only_on_cuda(student):
    device = expected_device(student)
    _, report = trained(student)
    want = device == "cuda"
    assert report["scaler_enabled"] is want, (
        f"the report from {CALL} says scaler_enabled={report['scaler_enabled']!r}, expected {want} on {device!r}: "
        "float16 needs gradient scaling, bfloat16 does not (GradScaler(device, enabled=(device == 'cuda')))"
    )


@points(2)
def test_loss_falls(student):
    _, report = trained(student)
    losses = report["losses"]
    assert isinstance(losses, (list, tuple)) and len(losses) == 200, (
        f"the report from {CALL} should hold 200 losses, one per step, got {losses!r:.200}"
    )
    losses = [float(v) for v in losses]
    assert np.all(np.isfinite(losses)), f"the losses from {CALL} contain non-finite values"
    assert losses[-1] < losses[0] / 5, (
        f"the loss of {CALL} went from {losses[0]:.4f} to {losses[-1]:.4f}; expected the last below a fifth "
        "of the first"
    )


@points(2)
def test_returned_model(student):
    model, _ = trained(student)
    assert model.training is False, f"the model from {CALL} is in training mode; call model.eval() before returning it"
    weight = model.fc1.weight
    assert isinstance(weight, torch.Tensor) and weight.dtype == torch.float32, (
        f"the model from {CALL} has fc1.weight of dtype {getattr(weight, 'dtype', type(weight).__name__)}, "
        "expected torch.float32"
    )
    assert not torch.equal(weight, weight.bfloat16().float()), (
        f"every weight of fc1 in the model from {CALL} is a bfloat16 number: the weights were stored in bfloat16. "
        "Keep the model in float32 and let autocast lower the precision of the operations"
    )
    X_test, y_test = regression(1, 256)
    try:
        out = model(X_test)
    except StudentError as error:
        raise AssertionError(
            f"calling the model from {CALL} on float32 CPU inputs raised {error.type_name}: {error.message[:200]} "
            "(move the model back to the CPU before returning it)"
        ) from None
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (256, 1), (
        f"the model from {CALL} returned {getattr(out, 'shape', type(out).__name__)} for 256 points, expected (256, 1)"
    )
    mse = float(((out.double() - y_test.double()) ** 2).mean())
    assert mse < 0.15, f"the model from {CALL} has mean squared error {mse:.4f} on 256 new points, expected below 0.15"
