"""Hidden grader for deep-learning/weight-init-gradients.

The initialisers are checked by their statistics on large tensors whose shapes are drawn for each
submission (fan_in and fan_out always differ by a factor of two or more, so fan_in and fan_out cannot be
confused unnoticed). Every sample statistic is compared with a tolerance of six standard errors or more, so
a correct initialiser fails with a probability below one in a million, and a wrong one (a std off by
sqrt(2) or sqrt(3)) never passes. Generators are made in the student box (`student.torch.Generator()`),
so the student's own torch draws the numbers. layer_statistics and clip_grad_norm are compared with the
grader's own computation (clip_grad_norm with torch.nn.utils.clip_grad_norm_).
"""

import math

import numpy as np
import torch

from gradient_grader import StudentError, call_timeout, expected, points, shows_expected, submission_rng

torch.set_num_threads(1)

SLUG = "deep-learning/weight-init-gradients"
GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
STD_TOLERANCE = 0.03  # relative; the sample std of >= 30,000 values is within 0.5% (1 standard error)


def true_fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def call(student, name, text, *args, **kwargs):
    """student.<name>(*args, **kwargs), its errors turned into a message naming the call."""
    try:
        with call_timeout(20):
            return getattr(student, name)(*args, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{text} raised {error.type_name}: {error.message[:300]}") from None


def generator(student, seed):
    """A torch.Generator made in the student box, seeded with `seed`."""
    try:
        return student.torch.Generator().manual_seed(seed)
    except (StudentError, AttributeError):
        raise AssertionError(
            "the grader makes its generators with your module's torch (student.torch.Generator()); "
            "keep `import torch` at the top of solution.py"
        ) from None


def as_tensor(value, text, shape):
    assert isinstance(value, torch.Tensor), f"{text} should return a torch tensor, got {type(value).__name__}"
    assert tuple(value.shape) == tuple(shape), f"{text} returned shape {tuple(value.shape)}, expected {tuple(shape)}"
    assert value.dtype == torch.float32, f"{text} returned dtype {value.dtype}, expected torch.float32 (the default)"
    assert bool(torch.isfinite(value).all()), f"{text} returned values that are not finite"
    return value.double()


def draw_shape(rng, conv):
    """A weight shape of 30,000-80,000 values whose fan_in and fan_out differ by a factor of 2 to 4."""
    while True:
        small = int(rng.integers(8, 33))
        ratio = int(rng.integers(2, 5))
        out_ch, in_ch = (small * ratio, small) if rng.random() < 0.5 else (small, small * ratio)
        shape = (out_ch, in_ch, *(2 * [int(rng.choice([3, 5]))])) if conv else (out_ch * 8, in_ch * 8)
        if 30_000 <= math.prod(shape) <= 80_000:
            return shape


def check_uniform(t, text, bound):
    std = bound / math.sqrt(3.0)
    got_std = float(t.std())
    assert abs(float(t.mean())) <= 0.05 * std, f"{text}: the mean is {float(t.mean()):.4g}; a weight init is centred on 0"
    biggest = float(t.abs().max())
    assert biggest <= bound * (1 + 1e-5), (
        f"{text}: a value reaches {biggest:.5g}, beyond the bound {bound:.5g}; U(-a, a) with a = sqrt(3) * std"
    )
    assert abs(got_std - std) <= STD_TOLERANCE * std and biggest >= 0.97 * bound, (
        f"{text}: the values have std {got_std:.5g} and reach {biggest:.5g}; expected U(-a, a) with "
        f"a = {bound:.5g} (std {std:.5g}): a uniform on (-a, a) has std a / sqrt(3), so a = sqrt(3) * std"
    )


def check_normal(t, text, std):
    got_std = float(t.std())
    assert abs(float(t.mean())) <= 0.05 * std, f"{text}: the mean is {float(t.mean()):.4g}; a weight init is centred on 0"
    assert abs(got_std - std) <= STD_TOLERANCE * std, (
        f"{text}: the values have std {got_std:.5g}, expected N(0, std^2) with std {std:.5g}"
    )
    tail = float((t.abs() > 2 * std).double().mean())
    assert 0.035 <= tail <= 0.058, (
        f"{text}: {tail:.2%} of the values lie beyond 2 std; a normal distribution has 4.6% there "
        "(a uniform has none): draw from a normal distribution"
    )


@shows_expected
@points(1)
def test_fans(student):
    rng = submission_rng(f"{SLUG}:fans")
    shapes = [(3, 5), (64, 16, 3, 3)]
    for _ in range(6):
        ndim = int(rng.integers(2, 6))
        shapes.append(tuple(int(n) for n in rng.integers(1, 40, size=ndim)))
    for shape in shapes:
        text = f"fans({shape})"
        got = call(student, "fans", text, shape)
        want = true_fans(shape)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{text} should return (fan_in, fan_out), got {got!r:.100}"
        got = tuple(got)
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in got), f"{text} should return two ints, got {got!r}"
        assert got == want, (
            f"{text} returned {got}, expected {want}: shape[0] is the outputs and shape[1] the inputs "
            "(PyTorch's (out, in) layout), and for a convolution both are multiplied by the kernel size "
            "prod(shape[2:]), the receptive field"
        )
    try:
        student.fans((7,))
    except StudentError as error:
        assert error.type_name == "ValueError", f"fans((7,)) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("fans((7,)) should raise ValueError: a 1-D tensor (a bias) has no fan_in and fan_out")


@shows_expected
@points(0.5)
def test_calculate_gain(student):
    for name, want in GAINS.items():
        got = call(student, "calculate_gain", f"calculate_gain({name!r})", name)
        assert isinstance(got, (int, float)) and abs(got - want) <= 1e-9, (
            f"calculate_gain({name!r}) returned {got!r}, expected {want!r}"
        )
    try:
        student.calculate_gain("swish")
    except StudentError as error:
        assert error.type_name == "ValueError", f"calculate_gain('swish') raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("calculate_gain('swish') should raise ValueError (an unknown nonlinearity)")


@shows_expected
@points(1)
def test_xavier_uniform(student):
    rng = submission_rng(f"{SLUG}:xavier-uniform")
    for conv, gain in ((False, 1.0), (True, round(float(rng.uniform(0.5, 2.0)), 3))):
        shape = draw_shape(rng, conv)
        seed = int(rng.integers(0, 10_000))
        text = f"xavier_uniform({shape}, gain={gain}, generator=<seeded {seed}>)"
        t = as_tensor(call(student, "xavier_uniform", text, shape, gain=gain, generator=generator(student, seed)), text, shape)
        fan_in, fan_out = true_fans(shape)
        check_uniform(t, f"{text} (fan_in {fan_in}, fan_out {fan_out})", gain * math.sqrt(6.0 / (fan_in + fan_out)))


@shows_expected
@points(1)
def test_xavier_normal(student):
    rng = submission_rng(f"{SLUG}:xavier-normal")
    for conv, gain in ((True, 1.0), (False, round(float(rng.uniform(0.5, 2.0)), 3))):
        shape = draw_shape(rng, conv)
        seed = int(rng.integers(0, 10_000))
        text = f"xavier_normal({shape}, gain={gain}, generator=<seeded {seed}>)"
        t = as_tensor(call(student, "xavier_normal", text, shape, gain=gain, generator=generator(student, seed)), text, shape)
        fan_in, fan_out = true_fans(shape)
        check_normal(t, f"{text} (fan_in {fan_in}, fan_out {fan_out})", gain * math.sqrt(2.0 / (fan_in + fan_out)))


KAIMING_CASES = (("relu", "fan_in", False), ("relu", "fan_in", True), ("tanh", "fan_in", False), ("relu", "fan_out", True))


def check_kaiming(student, name, role, check):
    rng = submission_rng(f"{SLUG}:{role}")
    for nonlinearity, mode, conv in KAIMING_CASES:
        shape = draw_shape(rng, conv)
        seed = int(rng.integers(0, 10_000))
        text = f"{name}({shape}, nonlinearity={nonlinearity!r}, mode={mode!r}, generator=<seeded {seed}>)"
        t = as_tensor(
            call(student, name, text, shape, nonlinearity=nonlinearity, mode=mode, generator=generator(student, seed)), text, shape
        )
        fan_in, fan_out = true_fans(shape)
        fan = fan_in if mode == "fan_in" else fan_out
        std = GAINS[nonlinearity] / math.sqrt(fan)
        check(t, f"{text} (fan_in {fan_in}, fan_out {fan_out}; std = gain / sqrt({mode}))", std)


@shows_expected
@points(1)
def test_kaiming_uniform(student):
    check_kaiming(student, "kaiming_uniform", "kaiming-uniform", lambda t, text, std: check_uniform(t, text, math.sqrt(3.0) * std))


@shows_expected
@points(1)
def test_kaiming_normal(student):
    check_kaiming(student, "kaiming_normal", "kaiming-normal", check_normal)


@points(0.5)
def test_generator_makes_draws_reproducible(student):
    rng = submission_rng(f"{SLUG}:seeded")
    seed = int(rng.integers(0, 10_000))
    shape = (int(rng.integers(20, 40)), int(rng.integers(20, 40)))
    for name in ("xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"):
        text = f"{name}({shape}, generator=<seeded {seed}>)"
        first = as_tensor(call(student, name, text, shape, generator=generator(student, seed)), text, shape)
        again = as_tensor(call(student, name, text, shape, generator=generator(student, seed)), text, shape)
        other = as_tensor(call(student, name, text, shape, generator=generator(student, seed + 1)), text, shape)
        assert torch.equal(first, again), (
            f"two calls of {text}, each with a new generator seeded {seed}, gave different tensors: draw the "
            "values from the generator you are given (uniform_(..., generator=g), normal_(..., generator=g))"
        )
        assert not torch.equal(first, other), f"{name}({shape}) gave the same tensor for generators seeded {seed} and {seed + 1}"
        shared = generator(student, seed)
        one = as_tensor(call(student, name, text, shape, generator=shared), text, shape)
        two = as_tensor(call(student, name, text, shape, generator=shared), text, shape)
        assert not torch.equal(one, two), (
            f"two calls of {name}({shape}) with the SAME generator gave the same tensor: use the generator as it "
            "is (it advances as it draws), do not re-seed it"
        )
        unseeded = call(student, name, f"{name}({shape}) without a generator", shape)
        as_tensor(unseeded, f"{name}({shape}) without a generator", shape)


def reference_statistics(weights, activation, x):
    params = [w.detach().clone().requires_grad_(True) for w in weights]
    h = x
    stds = []
    for w in params:
        h = ACTIVATIONS[activation](h @ w.T)
        stds.append(h.std().item())
    loss = (h**2).mean()
    loss.backward()
    return {"activation_std": stds, "grad_norm": [w.grad.norm().item() for w in params], "loss": loss.item()}


def student_statistics(student, weights, activation, x):
    widths = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    text = f"layer_statistics(<{len(weights)} weights, widths {widths}>, {activation!r}, x of shape {tuple(x.shape)})"
    got = call(student, "layer_statistics", text, weights, activation, x)
    assert isinstance(got, dict) and {"activation_std", "grad_norm", "loss"} <= set(got), (
        f"{text} should return a dict with 'activation_std', 'grad_norm' and 'loss', got {got!r:.200}"
    )
    for key in ("activation_std", "grad_norm"):
        values = got[key]
        assert isinstance(values, (list, tuple)) and len(values) == len(weights), (
            f"{text}: {key!r} should be a list of {len(weights)} floats (one per layer), got {values!r:.200}"
        )
        assert all(isinstance(v, (int, float)) for v in values), f"{text}: {key!r} should hold plain floats (.item()), got {values!r:.200}"
    assert isinstance(got["loss"], (int, float)), f"{text}: 'loss' should be a float, got {got['loss']!r:.100}"
    return text, got


@points(1)
def test_layer_statistics(student):
    rng = submission_rng(f"{SLUG}:statistics")
    for activation in ("relu", "tanh", "sigmoid"):
        depth = int(rng.integers(4, 7))
        widths = [int(w) for w in rng.integers(12, 40, size=depth + 1)]
        weights = [torch.from_numpy(rng.normal(0, rng.uniform(0.6, 1.6) / math.sqrt(widths[i]), (widths[i + 1], widths[i])).astype(np.float32))
                   for i in range(depth)]
        x = torch.from_numpy(rng.normal(0, 1, (int(rng.integers(16, 40)), widths[0])).astype(np.float32))
        text, got = student_statistics(student, weights, activation, x)
        want = reference_statistics(weights, activation, x)
        for key, what in (("activation_std", "the std of layer {i}'s output h_{i} (torch's .std() over all its values)"),
                          ("grad_norm", "the norm of layer {i}'s weight gradient (the Frobenius norm of W_{i}.grad)")):
            for i, (mine, theirs) in enumerate(zip(got[key], want[key]), start=1):
                assert math.isclose(mine, theirs, rel_tol=1e-4, abs_tol=1e-12), (
                    f"{text}: {key}[{i - 1}] is {mine:.6g}, expected {expected(theirs)}: "
                    + what.format(i=i)
                    + ", where h_0 = x, h_i = activation(h_{i-1} @ W_i.T) and the loss is (h_L ** 2).mean()"
                )
        assert math.isclose(got["loss"], want["loss"], rel_tol=1e-4, abs_tol=1e-12), (
            f"{text}: 'loss' is {got['loss']:.6g}, expected {expected(want['loss'])}: the mean of the squared last outputs"
        )


def student_weights(student, scheme, depth, width, seed):
    text = f"make_weights({scheme!r}, depth={depth}, width={width}, seed={seed})"
    weights = call(student, "make_weights", text, scheme, depth, width, seed)
    assert isinstance(weights, (list, tuple)) and len(weights) == depth, (
        f"{text} should return a list of {depth} tensors, got {weights!r:.200}"
    )
    for w in weights:
        as_tensor(w, text, (width, width))
    return text, [w.float() for w in weights]


@points(1)
def test_signal_propagation(student):
    rng = submission_rng(f"{SLUG}:propagation")
    depth, width = 12, 128
    x = torch.from_numpy(rng.normal(0, 1, (64, width)).astype(np.float32))
    for scheme in ("kaiming_normal", "kaiming_uniform"):
        seed = int(rng.integers(0, 10_000))
        text, weights = student_weights(student, scheme, depth, width, seed)
        _, again = student_weights(student, scheme, depth, width, seed)
        assert all(torch.equal(a, b) for a, b in zip(weights, again)), f"two calls of {text} gave different weights: seed a generator"
        stats = reference_statistics(weights, "relu", x)
        ratio = stats["activation_std"][-1] / stats["activation_std"][0]
        assert 0.2 <= ratio <= 5.0, (
            f"with the weights of {text}, a 12-layer ReLU network's last activations have {ratio:.3g} times the std "
            "of its first: He/Kaiming init (std sqrt(2 / fan_in)) should keep it about the same (between 0.2 and 5)"
        )
    seed = int(rng.integers(0, 10_000))
    text, weights = student_weights(student, "xavier_normal", depth, width, seed)
    stats = reference_statistics(weights, "relu", x)
    ratio = stats["activation_std"][-1] / stats["activation_std"][0]
    assert ratio < 0.1, (
        f"with the weights of {text}, a 12-layer ReLU network's last activations have {ratio:.3g} times the std of "
        "its first; Xavier's std sqrt(2 / (fan_in + fan_out)) ignores that ReLU zeroes half the signal, so it should "
        "shrink by about sqrt(2) per layer (below 0.1 times after 12 layers)"
    )
    seed = int(rng.integers(0, 10_000))
    text, weights = student_weights(student, "xavier_uniform", depth, width, seed)
    stats = reference_statistics(weights, "tanh", x)
    grads = stats["grad_norm"]
    assert 0.25 <= grads[0] / grads[-1] <= 4.0, (
        f"with the weights of {text}, a 12-layer tanh network's first-layer gradient norm is {grads[0] / grads[-1]:.3g} "
        "times its last layer's; Xavier init should keep them comparable (between 0.25 and 4)"
    )


@points(0.5)
def test_vanishing_gradients(student):
    rng = submission_rng(f"{SLUG}:vanishing")
    depth, width = 12, 128
    x = torch.from_numpy(rng.normal(0, 1, (64, width)).astype(np.float32))
    seed = int(rng.integers(0, 10_000))
    text, weights = student_weights(student, "xavier_normal", depth, width, seed)
    stats_text, stats = student_statistics(student, weights, "sigmoid", x)
    grads = stats["grad_norm"]
    assert grads[-1] > 0 and grads[0] < 1e-3 * grads[-1], (
        f"{stats_text} with the weights of {text} gives a first-layer gradient norm {grads[0]:.3g} and a last-layer "
        f"one {grads[-1]:.3g}: the sigmoid's slope is at most 1/4, so the gradient should vanish, shrinking by more "
        "than 1000 times on the way back through 12 layers"
    )
    seed = int(rng.integers(0, 10_000))
    text, weights = student_weights(student, "small", depth, width, seed)
    stats_text, stats = student_statistics(student, weights, "tanh", x)
    stds = stats["activation_std"]
    assert stds[-1] < 1e-6 * stds[0], (
        f"{stats_text} with the weights of {text} (N(0, 0.01^2)): the last activations have {stds[-1]:.3g} std and "
        f"the first {stds[0]:.3g}; each layer multiplies the std by about 0.01 * sqrt(128) = 0.11, so after 12 layers "
        "the signal should have all but vanished (below a millionth of the first layer's)"
    )


def torch_clip(grads, max_norm):
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], float(total)


@points(1.5)
def test_clip_grad_norm(student):
    rng = submission_rng(f"{SLUG}:clip")
    count = int(rng.integers(3, 6))
    shapes = [tuple(int(n) for n in rng.integers(2, 9, size=int(rng.integers(1, 3)))) for _ in range(count)]
    grads = [torch.from_numpy((rng.normal(0, 1, s) * rng.uniform(0.2, 3.0)).astype(np.float32)) for s in shapes]
    norms = sorted(float(g.norm()) for g in grads)
    total = math.sqrt(sum(n * n for n in norms))
    # Between the smallest tensor's norm and the total (clipping each tensor on its own would leave the
    # small ones alone), and a max_norm above the total (nothing changes).
    clip_to = round(float(rng.uniform(max(norms[0], 0.3 * total) * 1.05, total * 0.9)), 4)
    for max_norm in (clip_to, round(total * float(rng.uniform(1.2, 2.0)), 4)):
        text = f"clip_grad_norm(<{count} gradients of shapes {shapes}>, max_norm={max_norm})"
        got = call(student, "clip_grad_norm", text, grads, max_norm)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{text} should return (clipped_grads, total_norm), got {got!r:.200}"
        clipped, got_total = got
        want, want_total = torch_clip(grads, max_norm)
        assert isinstance(got_total, (int, float)), f"{text}: total_norm should be a float, got {type(got_total).__name__}"
        assert math.isclose(got_total, want_total, rel_tol=1e-5), (
            f"{text} returned total_norm {got_total:.6g}, expected {expected(want_total)}: the norm of ALL the "
            "gradients together, sqrt(sum of every squared value), measured before clipping"
        )
        assert isinstance(clipped, (list, tuple)) and len(clipped) == len(grads), f"{text} should return {len(grads)} clipped gradients, one per gradient given"
        for i, (mine, theirs) in enumerate(zip(clipped, want)):
            assert isinstance(mine, torch.Tensor) and tuple(mine.shape) == tuple(theirs.shape), (
                f"{text}: clipped gradient {i} should be a tensor of shape {tuple(theirs.shape)}, got {mine!r:.100}"
            )
            if not torch.allclose(mine.float(), theirs, rtol=1e-5, atol=1e-7):
                raise AssertionError(
                    f"{text}: clipped gradient {i} (norm {float(grads[i].norm()):.4g} before clipping) differs from "
                    "torch.nn.utils.clip_grad_norm_'s. Clip by the GLOBAL norm: when the total norm exceeds max_norm, "
                    "multiply every gradient by the same max_norm / (total_norm + 1e-6); otherwise leave them all as they are"
                )
