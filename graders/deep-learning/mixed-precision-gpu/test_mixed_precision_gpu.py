"""Hidden grader for deep-learning/mixed-precision-gpu.

The grader box has no GPU; the student box may. The grader asks the student's own `torch` module
(`student.torch.cuda.is_available()`) which device the student code should pick, and expects float16 with
an enabled GradScaler on "cuda", bfloat16 with a disabled one on "cpu".

Nothing the student code *says* about dtypes decides a point: the tests get the tensors back and compare
them with the grader's own computation under torch.autocast, with the same inputs and weights (drawn per
submission). On the wire a bfloat16 tensor arrives as float32 holding the same, exactly representable
values, and a float16 tensor arrives as float16. On the CPU the grader's autocast run gives the very same
bfloat16 numbers as the student's (same torch, same kernels), so most entries must agree exactly; a
float32 result rounded to bfloat16 afterwards agrees only about half the time. For a GPU the grader runs
float16 autocast on the CPU, which rounds the inputs the same way but may add in another order, so it
checks the float16 dtype and closeness instead.
"""

import numpy as np
import torch
from torch import nn

from gradient_grader import Remote, StudentError, call_timeout, points, shows_expected, submission_rng

# One thread, as in the student box (OMP_NUM_THREADS=1): the grader's small tensor work is much slower
# with several OpenMP threads spinning on a loaded machine.
torch.set_num_threads(1)

SLUG = "deep-learning/mixed-precision-gpu"
LR = 0.01
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
    return torch.float16 if device == "cuda" else torch.bfloat16


def in_autocast(device, compute):
    """`compute()` under the grader's own autocast: bfloat16 for a CPU student, float16 (on the CPU) for a GPU one."""
    with torch.no_grad(), torch.autocast(device_type="cpu", dtype=low_precision(device)):
        return compute()


def bfloat16_numbers(tensor):
    return bool(torch.equal(tensor.float(), tensor.float().bfloat16().float()))


def check_16_bit(got, autocast_result, float32_result, call, device, what):
    """The student's tensor is the 16-bit result autocast gives, not a float32 one (converted or not)."""
    shape = tuple(float32_result.shape)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == shape, (
        f"{call} should return {what} as a tensor of shape {shape}, got {getattr(got, 'shape', type(got).__name__)}"
    )
    assert bool(torch.isfinite(got.float()).all()), f"{call} returned non-finite values"
    scale = float(float32_result.abs().max())
    error = float((got.double() - float32_result.double()).abs().max())
    if device == "cuda":
        assert got.dtype == torch.float16, (
            f"{call} returned a {got.dtype} tensor; on 'cuda' autocast computes {what} in torch.float16: return it "
            "as autocast made it (.cpu(), no .float())"
        )
        assert error <= 0.01 * scale, (
            f"{call}: {what} differs from the float32 result by more than 1% of its largest value; float16 "
            "rounding stays well within that"
        )
        return
    assert got.dtype in (torch.float32, torch.bfloat16), (
        f"{call} returned a {got.dtype} tensor; on the CPU autocast computes {what} in torch.bfloat16"
    )
    assert bfloat16_numbers(got), (
        f"{call} returned {what} whose values are not bfloat16 numbers (they have more than bfloat16's 8 bits "
        "of precision): it was computed in float32, or in float16. Compute it inside "
        "torch.autocast(device_type='cpu', dtype=torch.bfloat16) and return it as autocast made it"
    )
    assert error <= 0.03 * scale, (
        f"{call}: {what} differs from the float32 result by more than 3% of its largest value, more than "
        "bfloat16 rounding explains"
    )
    same = float((got.float() == autocast_result.float()).float().mean())
    assert same >= 0.9, (
        f"{call}: only {same:.0%} of the entries of {what} are the bfloat16 numbers an autocast run gives for the "
        "same inputs. A float32 result rounded to bfloat16 afterwards looks like this: the operation itself must "
        "run inside torch.autocast, on 16-bit inputs"
    )


# ---------------------------------------------------------------- weights and data, drawn per submission


def weights(rng, fc2_scale):
    def uniform(bound, *shape):
        return torch.from_numpy(rng.uniform(-bound, bound, shape).astype(np.float32))

    return {"fc1.weight": uniform(0.35, 32, 8), "fc1.bias": uniform(0.35, 32),
            "fc2.weight": uniform(fc2_scale, 1, 32), "fc2.bias": torch.zeros(1)}


class Net(nn.Module):
    """The grader's own AmpNet."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 32), nn.Linear(32, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def grader_net(state):
    net = Net()
    net.load_state_dict(state)
    return net


def student_net(student, state, call):
    model = student.AmpNet(8, 32)
    try:
        model.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"AmpNet(8, 32).load_state_dict(<fc1.weight, fc1.bias, fc2.weight, fc2.bias>) raised {error.type_name}: "
            f"{error.message[:200]} (AmpNet needs self.fc1 = nn.Linear(8, 32) and self.fc2 = nn.Linear(32, 1))"
        ) from None
    return model


def small_regression(rng, n):
    """Inputs and small targets: with small output weights, no float16 gradient overflows even x65536."""
    X = rng.normal(0, 1, (n, 8)).astype(np.float32)
    y = (0.1 * np.sin(X[:, 0]) + 0.05 * X[:, 1]).astype(np.float32)[:, None]
    return torch.from_numpy(X), torch.from_numpy(y)


def regression(rng, n):
    X = rng.normal(0, 1, (n, 8)).astype(np.float32)
    y = (np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3]).astype(np.float32)[:, None]
    return torch.from_numpy(X), torch.from_numpy(y)


def call_train(student, model, X, y, steps, call):
    try:
        with call_timeout(60):
            report = student.train_amp(model, X, y, steps=steps, lr=LR)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(report, dict), f"{call} should return the report dict, got {report!r:.200}"
    missing = {"device", "output_dtype", "param_dtype", "first_grad", "losses"} - set(report)
    assert not missing, f"the report from {call} lacks the key(s) {sorted(missing)}"
    return report


def one_step(student):
    """One training step from the grader's weights on small targets: (call, model, report, state, X, y)."""
    if "one_step" not in _cache:
        rng = submission_rng(f"{SLUG}:one-step")
        state = weights(rng, fc2_scale=0.05)
        X, y = small_regression(rng, 128)
        call = "train_amp(model, X, y, steps=1, lr=0.01) with an AmpNet(8, 32) holding the grader's weights, X (128, 8)"
        model = student_net(student, state, call)
        _cache["one_step"] = (call, model, call_train(student, model, X, y, 1, call), state, X, y)
    return _cache["one_step"]


def fc1_weight(model, call):
    try:
        weight = model.fc1.weight
    except (StudentError, AttributeError):
        raise AssertionError(f"the model after {call} has no fc1.weight") from None
    assert isinstance(weight, torch.Tensor) and tuple(weight.shape) == (32, 8), (
        f"the model's fc1.weight after {call} should be a (32, 8) tensor, got {weight!r:.100}"
    )
    return weight


# ---------------------------------------------------------------- tests


@shows_expected
@points(1)
def test_pick_device(student):
    want = expected_device(student)
    got = student.pick_device()
    assert got == want, (
        f"pick_device() returned {got!r}, expected {want!r} (torch.cuda.is_available() is {want == 'cuda'} "
        "in the box that runs your code)"
    )


@points(2)
def test_autocast_matmul(student):
    device = expected_device(student)
    rng = submission_rng(f"{SLUG}:matmul")
    a = torch.from_numpy(rng.normal(0, 1, (24, 48)).astype(np.float32))
    b = torch.from_numpy(rng.normal(0, 1, (48, 16)).astype(np.float32))
    call = "autocast_matmul(a, b) with float32 a (24, 48), b (48, 16)"
    try:
        product = student.autocast_matmul(a, b)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    check_16_bit(product, in_autocast(device, lambda: a @ b), a @ b, call, device, "the product")


@points(1)
def test_amp_forward(student):
    device = expected_device(student)
    rng = submission_rng(f"{SLUG}:forward")
    state = weights(rng, fc2_scale=0.18)
    x = torch.from_numpy(rng.normal(0, 1, (64, 8)).astype(np.float32))
    call = "amp_forward(model, x) with an AmpNet(8, 32) holding the grader's weights, x (64, 8)"
    model = student_net(student, state, call)
    try:
        out = student.amp_forward(model, x)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    net = grader_net(state)
    with torch.no_grad():
        float32_out = net(x)
    check_16_bit(out, in_autocast(device, lambda: net(x)), float32_out, call, device, "the output")
    after = fc1_weight(model, call)
    assert after.dtype == torch.float32 and torch.equal(after, state["fc1.weight"]), (
        f"after {call} the model's fc1.weight is {after.dtype} and not the weights it was given: amp_forward must "
        "leave the float32 weights as they were (autocast lowers the precision of the operations, not of the "
        "parameters)"
    )


@points(2)
def test_training_runs_under_autocast(student):
    device = expected_device(student)
    call, _, report, state, X, y = one_step(student)
    low = str(low_precision(device))
    assert report["output_dtype"] == low and report["param_dtype"] == "torch.float32", (
        f"the report from {call} says output_dtype={report['output_dtype']!r}, param_dtype={report['param_dtype']!r}; "
        f"on {device!r} the output inside autocast is {low} and the weights stay torch.float32"
    )
    grad = report["first_grad"]
    assert isinstance(grad, torch.Tensor) and tuple(grad.shape) == (32, 8), (
        f"report['first_grad'] from {call} should be fc1.weight's gradient, a (32, 8) tensor, got {grad!r:.100}"
    )
    assert bool(torch.isfinite(grad).all()), f"report['first_grad'] from {call} holds inf or NaN values"

    def gradient(dtype):
        net = grader_net(state)
        if dtype is None:
            out = net(X)
        else:
            with torch.autocast(device_type="cpu", dtype=dtype):
                out = net(X)
        nn.functional.mse_loss(out.float(), y).backward()
        return net.fc1.weight.grad.double()

    grad = grad.double()
    float32_grad, autocast_grad = gradient(None), gradient(low_precision(device))
    gap = float((autocast_grad - float32_grad).abs().mean())  # how far autocast's gradient is from float32's
    from_float32 = float((grad - float32_grad).abs().mean())
    # float16 on a GPU may add in another order than the grader's CPU run: only ask for a clear 16-bit trace
    assert from_float32 >= (0.1 if device == "cuda" else 0.3) * gap, (
        f"report['first_grad'] from {call} is the gradient of a float32 forward pass (it differs from the float32 "
        f"gradient by {from_float32 / gap:.2f} times what 16-bit rounding makes): run the forward pass inside "
        "torch.autocast during training"
    )
    if device == "cuda":
        size = float(float32_grad.abs().max())
        assert float((grad - float32_grad).abs().max()) <= 0.05 * size, (
            f"report['first_grad'] from {call} is far from the gradient of the same step in float32 (more than 5% of "
            "its largest entry): take it after scaler.step(optimizer), which divides the scale back out"
        )
    else:
        from_autocast = float((grad - autocast_grad).abs().mean())
        assert from_autocast <= 0.3 * gap, (
            f"report['first_grad'] from {call} is not the gradient of a bfloat16 autocast forward pass with these "
            f"weights (it differs from it by {from_autocast / gap:.2f} times what bfloat16 rounding makes). Run "
            "model(X) inside torch.autocast, the loss on output.float(), and copy fc1.weight.grad after the first step"
        )


@points(1)
def test_master_weights_stay_float32(student):
    call, model, _, state, _, _ = one_step(student)
    weight = fc1_weight(model, call)
    assert weight.dtype == torch.float32, (
        f"after {call} the model's fc1.weight is {weight.dtype}: keep the model in float32 (no model.half() or "
        "model.to(torch.bfloat16)); autocast lowers the precision of the operations only"
    )
    assert bool(torch.isfinite(weight).all()), f"after {call} the model's fc1.weight holds inf or NaN values"
    assert not bfloat16_numbers(weight), (
        f"after {call} every entry of fc1.weight is a bfloat16 number: the weights were stored (or updated) in "
        "bfloat16. The optimiser must update float32 master weights"
    )
    moved = (weight.double() - state["fc1.weight"].double()).abs()
    assert float(moved.max()) <= 1.5 * LR and float(moved.mean()) >= 0.5 * LR, (
        f"after {call} fc1.weight moved by {float(moved.mean()):.4g} on average (at most {float(moved.max()):.4g}); "
        "Adam's first step moves each weight by about lr = 0.01. Train the model you were given, in place"
    )


@points(1)
def test_grad_scaler(student):
    device = expected_device(student)
    rng = submission_rng(f"{SLUG}:scaler")
    state = weights(rng, fc2_scale=0.05)
    X, y = small_regression(rng, 128)
    y = y + 1000.0
    call = "train_amp(model, X, y, steps=1, lr=0.01) with targets around 1000 and the grader's weights"
    model = student_net(student, state, call)
    call_train(student, model, X, y, 1, call)
    weight = fc1_weight(model, call)
    if device == "cuda":
        assert torch.equal(weight.float(), state["fc1.weight"]), (
            f"{call} changed the weights, but this step must be skipped: scaled by GradScaler's initial 65536, the "
            "gradient of the output overflows float16 to inf, and scaler.step(optimizer) skips such a step. Use "
            "torch.amp.GradScaler('cuda', enabled=True): scaler.scale(loss).backward(), scaler.step(optimizer), "
            "scaler.update()"
        )
    else:
        moved = float((weight.double() - state["fc1.weight"].double()).abs().mean())
        assert bool(torch.isfinite(weight).all()) and moved >= 0.5 * LR, (
            f"{call} on the CPU: fc1.weight moved by {moved:.4g} on average (or became non-finite); bfloat16 has "
            "float32's range, so this step must be taken (no scaler on the CPU: GradScaler('cpu', enabled=False))"
        )


def trained(student):
    if "trained" not in _cache:
        rng = submission_rng(f"{SLUG}:train")
        state = weights(rng, fc2_scale=0.18)
        X, y = regression(rng, 512)
        call = "train_amp(model, X, y, steps=200, lr=0.01) with X (512, 8), y (512, 1)"
        model = student_net(student, state, call)
        _cache["trained"] = (call, model, call_train(student, model, X, y, 200, call), rng)
    return _cache["trained"]


@points(1)
def test_loss_falls(student):
    call, _, report, _ = trained(student)
    losses = report["losses"]
    assert isinstance(losses, (list, tuple)) and len(losses) == 200, (
        f"the report from {call} should hold 200 losses, one per step, got {losses!r:.200}"
    )
    losses = [float(v) for v in losses]
    assert np.all(np.isfinite(losses)), f"the losses from {call} contain non-finite values"
    assert losses[-1] < losses[0] / 5, (
        f"the loss of {call} went from {losses[0]:.4f} to {losses[-1]:.4f}; expected the last below a fifth "
        "of the first"
    )


@points(1)
def test_returned_model(student):
    call, model, _, rng = trained(student)
    assert isinstance(model, Remote)
    assert model.training is False, f"the model after {call} is in training mode; call model.eval() at the end"
    weight = fc1_weight(model, call)
    assert weight.dtype == torch.float32 and not bfloat16_numbers(weight), (
        f"the model after {call} has fc1.weight of dtype {weight.dtype}"
        f"{' holding only bfloat16 numbers' if weight.dtype == torch.float32 else ''}: keep the model in float32"
    )
    X_test, y_test = regression(rng, 256)
    try:
        out = model(X_test)
    except StudentError as error:
        raise AssertionError(
            f"calling the model on float32 CPU inputs after {call} raised {error.type_name}: {error.message[:200]} "
            "(move the model back to the CPU at the end of train_amp)"
        ) from None
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (256, 1), (
        f"the model after {call} returned {getattr(out, 'shape', type(out).__name__)} for 256 points, expected (256, 1)"
    )
    mse = float(((out.double() - y_test.double()) ** 2).mean())
    assert mse < 0.15, f"the model after {call} has mean squared error {mse:.4f} on 256 new points, expected below 0.15"
