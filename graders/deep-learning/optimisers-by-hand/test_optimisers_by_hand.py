"""Hidden grader for deep-learning/optimisers-by-hand.

Each optimiser test draws a problem for this submission (the network's starting weights, the data and the
hyperparameters, from submission_rng), runs the student's `trajectory` and the same steps with torch.optim
in float64, and compares the parameters after every step. The classifier tests replay `train_classifier`
with torch.optim on a seeded model. The submission's source is read through its own torch module
(`torch._sources.inspect`) to check that it does not hand the work to torch.optim.
"""

import io
import tokenize

import numpy as np
import torch
from torch import nn

from gradient_grader import StudentError, call_timeout, points, shows_expected, submission_rng

# One thread, as in the student box (OMP_NUM_THREADS=1): the grader's small tensor work is much slower
# with several OpenMP threads spinning on a loaded machine.
torch.set_num_threads(1)

SLUG = "deep-learning/optimisers-by-hand"
TORCH = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
TORCH_NAMES = {"sgd": "torch.optim.SGD", "adam": "torch.optim.Adam", "adamw": "torch.optim.AdamW"}
PARAM_NAMES = ["W1", "b1", "W2", "b2", "extra"]
STEPS = 25
_cache = {}


def mlp_loss(params, X, y):
    W1, b1, W2, b2 = params[:4]
    return ((torch.tanh(X @ W1.T + b1) @ W2.T + b2 - y) ** 2).mean()


# ---------------------------------------------------------------- no torch.optim in the submission


def optim_lines(source):
    """Lines of `source` that use torch.optim (torch.optim..., import torch.optim, from torch import optim)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type in (tokenize.NAME, tokenize.OP, tokenize.NEWLINE)]
    lines = set()
    for i, token in enumerate(tokens):
        words = [t.string for t in tokens[i : i + 3]]
        if words == ["torch", ".", "optim"]:
            lines.add(token.start[0])
        if words == ["from", "torch", "import"]:
            for later in tokens[i + 3 :]:
                if later.type == tokenize.NEWLINE:
                    break
                if later.string == "optim":
                    lines.add(token.start[0])
    return sorted(lines)


def require_own_arithmetic(student):
    if "optim_lines" not in _cache:
        try:
            inspect = student.torch._sources.inspect
            source = inspect.getsource(inspect.getmodule(student.trajectory))
            _cache["optim_lines"] = optim_lines(source) if isinstance(source, str) else []
        except (StudentError, AttributeError, SyntaxError, tokenize.TokenError):
            _cache["optim_lines"] = []  # the source cannot be read: grade the behaviour alone
    lines = _cache["optim_lines"]
    assert not lines, (
        f"solution.py uses torch.optim (line {', '.join(map(str, lines[:5]))}); this exercise is about writing the "
        "update rules yourself, so the optimisers must not call torch.optim"
    )


# ---------------------------------------------------------------- trajectories


def problem(role, extra=False):
    """A small regression problem in float64: starting weights, X, y."""
    rng = submission_rng(f"{SLUG}:{role}")
    d, h, n = int(rng.integers(2, 5)), int(rng.integers(4, 8)), int(rng.integers(24, 40))

    def normal(*shape, scale=1.0):
        return torch.from_numpy(rng.normal(0.0, scale, shape))

    init = [normal(h, d, scale=0.8), normal(h, scale=0.3), normal(1, h, scale=0.6), normal(1, scale=0.1)]
    if extra:
        init.append(normal(3, scale=1.0))
    X = normal(n, d)
    y = torch.sin(1.5 * X[:, :1]) + 0.4 * X[:, -1:] ** 2 + normal(n, 1, scale=0.05)
    return rng, init, X, y


def torch_trajectory(name, hyper, init, X, y, steps):
    params = [t.clone().requires_grad_(True) for t in init]
    optimiser = TORCH[name](params, **hyper)
    snapshots = []
    for _ in range(steps):
        optimiser.zero_grad()
        mlp_loss(params, X, y).backward()
        optimiser.step()
        snapshots.append([p.detach().clone() for p in params])
    return snapshots


def describe(name, hyper, init, X):
    shapes = ", ".join(f"{PARAM_NAMES[i]} {tuple(t.shape)}" for i, t in enumerate(init))
    rounded = {k: (tuple(round(b, 4) for b in v) if isinstance(v, tuple) else round(v, 4) if isinstance(v, float) else v)
               for k, v in hyper.items()}
    return f"trajectory({name!r}, {rounded}, init=[{shapes}], X {tuple(X.shape)} float64, y, steps={STEPS})"


def student_trajectory(student, name, hyper, init, X, y):
    call = describe(name, hyper, init, X)
    originals = [t.clone() for t in init]
    try:
        with call_timeout(20):
            got = student.trajectory(name, hyper, init, X, y, STEPS)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, (list, tuple)) and len(got) == STEPS, (
        f"{call} should return a list of {STEPS} snapshots, got {type(got).__name__} "
        f"of length {len(got) if hasattr(got, '__len__') else '?'}"
    )
    for step, snapshot in enumerate(got, start=1):
        assert isinstance(snapshot, (list, tuple)) and len(snapshot) == len(init), (
            f"{call}: snapshot {step} should be a list of {len(init)} tensors (one per tensor of init), got {snapshot!r:.150}"
        )
        for index, (tensor, start) in enumerate(zip(snapshot, init)):
            assert isinstance(tensor, torch.Tensor) and tensor.shape == start.shape, (
                f"{call}: snapshot {step}, {PARAM_NAMES[index]} should be a tensor of shape {tuple(start.shape)}, "
                f"got {getattr(tensor, 'shape', type(tensor).__name__)}"
            )
    assert all(torch.equal(a, b) for a, b in zip(init, originals)), f"{call} changed the tensors of init"
    return call, got


def compare(call, name, got, want, hint, rtol=1e-6, atol=1e-9):
    """Assert the student's snapshots follow torch.optim's, naming the first step and parameter that differ."""
    for step, (mine, theirs) in enumerate(zip(got, want), start=1):
        for index, (a, b) in enumerate(zip(mine, theirs)):
            a = a.double()
            if not torch.allclose(a, b, rtol=rtol, atol=atol):
                agreed = f"the first {step - 1} steps agree, then " if step > 1 else ""
                raise AssertionError(
                    f"{call}: {agreed}after step {step} {PARAM_NAMES[index]} differs from {TORCH_NAMES[name]}'s "
                    f"(compared with rtol={rtol:g}, atol={atol:g}). {hint}"
                )


def check_optimiser(student, role, name, hyper, hint, extra=False):
    require_own_arithmetic(student)
    _, init, X, y = problem(role, extra=extra)
    call, got = student_trajectory(student, name, hyper, init, X, y)
    compare(call, name, got, torch_trajectory(name, hyper, init, X, y, STEPS), hint)
    return call, got, init


def uniform(rng, low, high):
    return float(round(rng.uniform(low, high), 4))


@points(1)
def test_sgd_plain(student):
    rng = submission_rng(f"{SLUG}:sgd-hyper")
    check_optimiser(student, "sgd", "sgd", {"lr": uniform(rng, 0.05, 0.3)}, "Plain SGD is p -= lr * p.grad, in place.")


@points(1.5)
def test_sgd_momentum(student):
    rng = submission_rng(f"{SLUG}:momentum-hyper")
    hyper = {"lr": uniform(rng, 0.02, 0.1), "momentum": uniform(rng, 0.6, 0.95)}
    check_optimiser(
        student, "momentum", "sgd", hyper,
        "The velocity is state kept per parameter: v = g on the first step, then v = momentum * v + g, and "
        "p -= lr * v. It sums ALL past gradients (each weighted by a power of momentum), not just the previous one.",
    )


@points(1)
def test_sgd_nesterov_and_weight_decay(student):
    rng = submission_rng(f"{SLUG}:nesterov-hyper")
    hyper = {"lr": uniform(rng, 0.02, 0.08), "momentum": uniform(rng, 0.6, 0.9), "nesterov": True,
             "weight_decay": uniform(rng, 0.01, 0.2)}
    check_optimiser(
        student, "nesterov", "sgd", hyper,
        "With weight decay g = p.grad + weight_decay * p comes first; Nesterov then steps along "
        "g + momentum * v (the look-ahead), not along v.",
    )


@points(1.5)
def test_adam_bias_correction(student):
    rng = submission_rng(f"{SLUG}:adam-hyper")
    hyper = {"lr": uniform(rng, 0.005, 0.05), "betas": (uniform(rng, 0.8, 0.95), uniform(rng, 0.99, 0.9995))}
    check_optimiser(
        student, "adam", "adam", hyper,
        "Adam: m = beta1 * m + (1 - beta1) * g, v = beta2 * v + (1 - beta2) * g * g, then the bias corrections "
        "m_hat = m / (1 - beta1 ** t), v_hat = v / (1 - beta2 ** t) with t = 1 on the first step, and "
        "p -= lr * m_hat / (sqrt(v_hat) + eps). Without the corrections the first steps are far too large.",
    )


@points(1)
def test_adam_l2_weight_decay(student):
    rng = submission_rng(f"{SLUG}:adam-l2-hyper")
    hyper = {"lr": uniform(rng, 0.005, 0.03), "weight_decay": uniform(rng, 0.05, 0.3), "eps": 1e-6}
    check_optimiser(
        student, "adam-l2", "adam", hyper,
        "Adam's weight_decay is an L2 term: g = p.grad + weight_decay * p BEFORE the moments (AdamW is the one "
        "that shrinks the weights directly).",
    )


@points(1.5)
def test_adamw_decoupled_weight_decay(student):
    rng = submission_rng(f"{SLUG}:adamw-hyper")
    hyper = {"lr": uniform(rng, 0.005, 0.03), "betas": (uniform(rng, 0.85, 0.95), 0.999),
             "weight_decay": uniform(rng, 0.1, 0.5)}
    check_optimiser(
        student, "adamw", "adamw", hyper,
        "AdamW decouples the weight decay: p *= (1 - lr * weight_decay) first, then the plain Adam update from "
        "the raw gradient. weight_decay must not enter g, m or v (adding it to the gradient is Adam's L2).",
    )


@points(0.5)
def test_parameters_without_grad_are_left_alone(student):
    rng = submission_rng(f"{SLUG}:frozen-hyper")
    for name, hyper in (
        ("adamw", {"lr": uniform(rng, 0.01, 0.03), "weight_decay": uniform(rng, 0.2, 0.5)}),
        ("sgd", {"lr": uniform(rng, 0.02, 0.08), "momentum": 0.9, "weight_decay": uniform(rng, 0.05, 0.2)}),
    ):
        call, got, init = check_optimiser(
            student, f"frozen-{name}", name, hyper,
            "The fifth tensor of init is not used by mlp_loss, so its .grad stays None: skip it, and "
            "check the others too.", extra=True,
        )
        for step, snapshot in enumerate(got, start=1):
            assert torch.equal(snapshot[4].double(), init[4]), (
                f"{call}: the fifth tensor of init ('extra', unused by mlp_loss, so its .grad is None) changed at "
                f"step {step}. A parameter without a gradient is skipped entirely: no update and no weight decay"
            )


@shows_expected
@points(0.5)
def test_invalid_arguments(student):
    require_own_arithmetic(student)
    cases = (
        ("SGD([], lr=0.1)", lambda: student.SGD([], lr=0.1)),
        ("Adam([])", lambda: student.Adam([])),
        ("AdamW([])", lambda: student.AdamW([])),
        ("SGD([p], lr=0.1, nesterov=True) (momentum=0)", lambda: student.SGD([torch.zeros(3)], lr=0.1, nesterov=True)),
    )
    for call, make in cases:
        try:
            make()
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} should raise ValueError")


# ---------------------------------------------------------------- training a classifier


def blobs(rng, n):
    """Three classes around a circle; the second feature is stretched three times (an ill-conditioned loss)."""
    turn = rng.uniform(0, 2 * np.pi)
    angles = turn + np.arange(3) * 2 * np.pi / 3
    centers = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    labels = rng.integers(0, 3, n)
    X = centers[labels] + rng.normal(0, 0.8, (n, 2))
    X[:, 1] *= 3
    return torch.from_numpy(X.astype(np.float32)), torch.from_numpy(labels.astype(np.int64))


def classifier_data():
    if "data" not in _cache:
        rng = submission_rng(f"{SLUG}:classifier")
        X, y = blobs(rng, 300)
        _cache["data"] = (X, y, int(rng.integers(0, 1000)))
    return _cache["data"]


def torch_classifier(name, hyper, X, y, steps, hidden, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.Tanh(), nn.Linear(hidden, int(y.max()) + 1))
    optimiser = TORCH[name](model.parameters(), **hyper)
    losses = []
    for _ in range(steps):
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def trained(student, name, hyper):
    key = (name, tuple(sorted(hyper.items())))
    if key in _cache:
        return _cache[key]
    X, y, seed = classifier_data()
    call = f"train_classifier({name!r}, {hyper}, X (300, 2), y (3 classes), steps=150, hidden=16, seed={seed})"
    try:
        with call_timeout(30):
            result = student.train_classifier(name, hyper, X, y, steps=150, hidden=16, seed=seed)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"{call} should return (model, losses), got {result!r:.200}"
    model, losses = result
    assert isinstance(losses, (list, tuple)) and len(losses) == 150 and all(isinstance(v, (int, float)) for v in losses), (
        f"{call} should return 150 losses (floats), one per step, got {losses!r:.200}"
    )
    _cache[key] = (call, model, [float(v) for v in losses])
    return _cache[key]


@points(1)
def test_train_classifier_matches_torch_optim(student):
    require_own_arithmetic(student)
    X, y, seed = classifier_data()
    for name, hyper in (("sgd", {"lr": 0.02, "momentum": 0.9}), ("adamw", {"lr": 0.02, "weight_decay": 0.05})):
        call, model, losses = trained(student, name, hyper)
        want = torch_classifier(name, hyper, X, y, 150, 16, seed)
        for step, (mine, theirs) in enumerate(zip(losses, want), start=1):
            assert abs(mine - theirs) <= 1e-4 * abs(theirs) + 1e-6, (
                f"{call}: the loss at step {step} is {mine:.6f}, but the same training with {TORCH_NAMES[name]} "
                f"gives a different value there (steps before agree). Seed first, then build Linear -> Tanh -> "
                "Linear, pass model.parameters() to your optimiser (a generator: keep a list), and zero the "
                "gradients every step"
            )
        assert model.training is False, f"the model from {call} is in training mode; call model.eval() before returning it"


@points(0.5)
def test_momentum_and_adam_converge_faster(student):
    require_own_arithmetic(student)
    plain_call, _, plain = trained(student, "sgd", {"lr": 0.02})
    for name, hyper in (("sgd", {"lr": 0.02, "momentum": 0.9}), ("adam", {"lr": 0.02})):
        call, _, losses = trained(student, name, hyper)
        assert losses[-1] < 0.8 * plain[-1], (
            f"after 150 steps {call} reached a loss of {losses[-1]:.4f}, and {plain_call} {plain[-1]:.4f}: "
            "momentum and Adam should get clearly lower (below 80% of plain SGD's) on this stretched problem"
        )
