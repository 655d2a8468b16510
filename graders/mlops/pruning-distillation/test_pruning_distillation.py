"""Hidden grader for mlops/pruning-distillation.

Weights, sparsities, logits and data seeds are drawn for this submission (submission_rng). Masks are
compared with the grader's own magnitude pruning (which agrees with torch.nn.utils.prune); the
distillation loss with the formula written out; the distilled student is scored on held-out data from
make_data (the same code as the starter's) with a hidden seed, against the true classes.
"""


import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import StudentError, assert_close, call_timeout, points, shows_expected, submission_rng

torch.set_num_threads(1)

SLUG = "mlops/pruning-distillation"
ACCURACY_TARGET = 0.85
BUDGET = 500
N_TRAIN, N_TEST = 1000, 3000
_CACHE = {}


def make_data(n: int, seed: int):
    """n inputs (n, 8) and their true classes (n,) in 0..3; the rule is fixed, ``seed`` draws the inputs."""
    rule = torch.Generator().manual_seed(2024)
    w1, w2 = torch.randn(8, 6, generator=rule), torch.randn(6, 4, generator=rule)
    x = torch.randn(n, 8, generator=torch.Generator().manual_seed(seed))
    return x, torch.argmax(torch.tanh(0.8 * x @ w1) @ w2, dim=1)


# ---------------------------------------------------------------- pruning


def _keep(scores, k):
    """True everywhere except at the k smallest scores (no ties: the scores are continuous draws)."""
    flat = scores.reshape(-1)
    mask = torch.ones(flat.numel(), dtype=torch.bool)
    if k > 0:
        mask[torch.argsort(flat)[:k]] = False
    return mask.reshape(scores.shape)


def _global_masks(weights, sparsity, by=torch.abs):
    names = list(weights)
    flat = torch.cat([by(weights[n]).reshape(-1) for n in names])
    keep = _keep(flat, round(sparsity * flat.numel()))
    out, start = {}, 0
    for n in names:
        size = weights[n].numel()
        out[n] = keep[start:start + size].reshape(weights[n].shape)
        start += size
    return out


def _layer_masks(weights, sparsity, by=torch.abs):
    return {n: _keep(by(w), round(sparsity * w.numel())) for n, w in weights.items()}


def _network(rng):
    """An MLP state_dict (fc1..fc3) in float32 whose layers have clearly different weight scales."""
    sizes = [int(rng.integers(5, 9)), int(rng.integers(10, 17)), int(rng.integers(10, 17)), int(rng.integers(3, 6))]
    scales = rng.permutation([0.2, 1.0, 3.0])
    state = {}
    for i in range(3):
        state[f"fc{i + 1}.weight"] = torch.from_numpy(rng.normal(0.0, scales[i], (sizes[i + 1], sizes[i])).astype(np.float32))
        state[f"fc{i + 1}.bias"] = torch.from_numpy(rng.normal(0.0, 0.1, sizes[i + 1]).astype(np.float32))
    return state


def _sparsity(rng, weights):
    """A sparsity whose counts round(sparsity * n) are far from a .5 tie, for every tensor and in total."""
    sizes = [w.numel() for w in weights.values()] + [sum(w.numel() for w in weights.values())]
    while True:
        s = float(round(rng.uniform(0.3, 0.85), 2))
        if all(abs((s * n) % 1 - 0.5) > 0.05 for n in sizes):
            return s


def _describe(weights):
    return "{" + ", ".join(f"{n!r}: {tuple(w.shape)}" for n, w in weights.items()) + "}"


def _student_masks(student, weights, sparsity, scope):
    call = f"magnitude_masks(<weights {_describe(weights)}>, sparsity={sparsity}, scope={scope!r})"
    try:
        got = student.magnitude_masks(weights, sparsity, scope=scope)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, dict) and set(got) == set(weights), (
        f"{call} should return a dict with the same keys as the weights, got {type(got).__name__} "
        f"{sorted(got) if isinstance(got, dict) else ''}"
    )
    masks = {}
    for name, w in weights.items():
        m = got[name]
        assert isinstance(m, torch.Tensor) and tuple(m.shape) == tuple(w.shape), (
            f"{call}[{name!r}] should be a tensor of the weight's shape {tuple(w.shape)}, got "
            f"{getattr(m, 'shape', type(m).__name__)}"
        )
        masks[name] = m.bool() if m.dtype != torch.bool else m
    return call, masks


def _compare_masks(call, masks, want, weights, sparsity, other_scope):
    signed = (_global_masks if other_scope == "layer" else _layer_masks)(weights, sparsity, by=lambda w: w)
    other = (_layer_masks if other_scope == "layer" else _global_masks)(weights, sparsity)
    if all(torch.equal(masks[n], signed[n]) for n in weights):
        raise AssertionError(f"{call} pruned the most NEGATIVE weights, not the smallest in magnitude: rank by |w|")
    if all(torch.equal(masks[n], other[n]) for n in weights):
        raise AssertionError(
            f"{call} gives the {other_scope}-wise masks: "
            + ("global pruning ranks all the weights together, so layers with small weights lose more of them"
               if other_scope == "layer" else "layer-wise pruning removes the same fraction from every tensor")
        )
    for name in weights:
        differ = int((masks[name] != want[name]).sum())
        pruned = int((~masks[name]).sum())
        assert differ == 0, (
            f"{call}: in {name!r} {differ} of {masks[name].numel()} mask entries are wrong ({pruned} pruned there). "
            "A mask is True for kept weights and False for the round(sparsity * n) weights of smallest |w|"
        )


@points(1.5)
def test_global_magnitude_masks(student):
    rng = submission_rng(f"{SLUG}:global")
    state = _network(rng)
    weights = {n: w for n, w in state.items() if n.endswith("weight")}
    sparsity = _sparsity(rng, weights)
    call, masks = _student_masks(student, weights, sparsity, "global")
    _compare_masks(call, masks, _global_masks(weights, sparsity), weights, sparsity, "layer")


@points(1.5)
def test_layerwise_magnitude_masks(student):
    rng = submission_rng(f"{SLUG}:layer")
    state = _network(rng)
    weights = {n: w for n, w in state.items() if n.endswith("weight")}
    sparsity = _sparsity(rng, weights)
    call, masks = _student_masks(student, weights, sparsity, "layer")
    _compare_masks(call, masks, _layer_masks(weights, sparsity), weights, sparsity, "global")


@shows_expected
@points(0.5)
def test_mask_rules(student):
    weights = {"w": torch.tensor([[0.5, -2.0, 0.1], [-0.05, 1.0, -0.3]], dtype=torch.float64)}
    call, masks = _student_masks(student, weights, 0.0, "global")
    assert bool(masks["w"].all()), f"{call} should keep every weight (all True), got {masks['w'].tolist()}"
    for kwargs in ({"sparsity": 1.0, "scope": "global"}, {"sparsity": -0.1, "scope": "layer"},
                   {"sparsity": 0.5, "scope": "rows"}):
        call = f"magnitude_masks(weights, sparsity={kwargs['sparsity']}, scope={kwargs['scope']!r})"
        try:
            student.magnitude_masks(weights, **kwargs)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} should raise ValueError (sparsity must be in [0, 1), scope 'global' or 'layer')")


@points(1)
def test_measured_sparsity(student):
    rng = submission_rng(f"{SLUG}:measure")
    weights = {}
    for i in range(3):
        w = rng.normal(0.0, 1.0, (int(rng.integers(4, 12)), int(rng.integers(4, 12))))
        w[rng.random(w.shape) < rng.uniform(0.1, 0.9)] = 0.0
        weights[f"fc{i + 1}.weight"] = torch.from_numpy(w)
    call = f"measure_sparsity(<weights {_describe(weights)} with some entries exactly 0>)"
    got = student.measure_sparsity(weights)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    keys = [*weights, "global"]
    missing = [k for k in keys if k not in got]
    assert not missing, f"{call} returned keys {sorted(got)}; missing {missing} (one per tensor, and 'global')"
    for name, w in weights.items():
        assert_close(got[name], float((w == 0).double().mean()), rtol=0, atol=1e-9,
                     what=f"{call}[{name!r}] (the fraction of entries that are exactly 0)")
    zeros = sum(int((w == 0).sum()) for w in weights.values())
    total = sum(w.numel() for w in weights.values())
    assert_close(got["global"], zeros / total, rtol=0, atol=1e-9,
                 what=f"{call}['global'] (all zeros / all entries: not the mean of the per-tensor fractions)")


@points(1.5)
def test_torch_prune_agrees_with_the_hand_masks(student):
    rng = submission_rng(f"{SLUG}:torch-prune")
    state = _network(rng)
    weights = {n: w for n, w in state.items() if n.endswith("weight")}
    for scope, make in (("global", _global_masks), ("layer", _layer_masks)):
        sparsity = _sparsity(rng, weights)
        call = f"torch_prune(<MLP state_dict {_describe(state)}>, sparsity={sparsity}, scope={scope!r})"
        try:
            got = student.torch_prune(state, sparsity, scope=scope)
        except StudentError as error:
            raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
        assert isinstance(got, dict), f"{call} should return the pruned model's state_dict, got {type(got).__name__}"
        want = make(weights, sparsity)
        for name, w in weights.items():
            layer = name[: -len(".weight")]
            assert f"{layer}.weight_mask" in got and f"{layer}.weight_orig" in got, (
                f"{call} returned keys {sorted(got)}: torch.nn.utils.prune leaves '{layer}.weight_orig' and "
                f"'{layer}.weight_mask' in the state_dict; prune with it, and do not call prune.remove"
            )
            assert_close(got[f"{layer}.weight_orig"], w, rtol=0, atol=1e-12,
                         what=f"{call}['{layer}.weight_orig'] (the original weights, untouched)")
            mask = got[f"{layer}.weight_mask"]
            assert isinstance(mask, torch.Tensor) and tuple(mask.shape) == tuple(w.shape), (
                f"{call}['{layer}.weight_mask'] should have shape {tuple(w.shape)}"
            )
            differ = int((mask.bool() != want[name]).sum())
            assert differ == 0, (
                f"{call}: {differ} entries of '{layer}.weight_mask' differ from magnitude pruning with scope "
                f"{scope!r} (use prune.global_unstructured with prune.L1Unstructured for 'global', "
                "prune.l1_unstructured on each layer's weight for 'layer')"
            )


# ---------------------------------------------------------------- distillation


def _kd(student_logits, teacher_logits, labels, temperature, alpha):
    p = torch.softmax(teacher_logits / temperature, dim=-1)
    log_p = torch.log_softmax(teacher_logits / temperature, dim=-1)
    log_q = torch.log_softmax(student_logits / temperature, dim=-1)
    kl = (p * (log_p - log_q)).sum(dim=-1).mean()
    return alpha * temperature**2 * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)


def _scalar(got, call):
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert got.numel() == 1, f"{call} should return a single number (a 0-d tensor), got shape {tuple(got.shape)}"
    return float(got.reshape(-1)[0])


@points(2)
def test_distillation_loss_values(student):
    rng = submission_rng(f"{SLUG}:kd-loss")
    b, c = int(rng.integers(6, 11)), int(rng.integers(3, 7))
    s = torch.from_numpy(rng.normal(0.0, 2.0, (b, c)))
    t = torch.from_numpy(rng.normal(0.0, 3.0, (b, c)))
    y = torch.from_numpy(rng.integers(0, c, b))
    settings = [(float(round(rng.uniform(1.5, 5.0), 2)), float(round(rng.uniform(0.2, 0.8), 2))),
                (float(round(rng.uniform(2.0, 6.0), 2)), 1.0)]
    for temperature, alpha in settings:
        call = (f"distillation_loss(student_logits ({b}, {c}), teacher_logits ({b}, {c}), labels ({b},), "
                f"temperature={temperature}, alpha={alpha})")
        got = _scalar(student.distillation_loss(s, t, y, temperature=temperature, alpha=alpha), call)
        assert_close(got, _kd(s, t, y, temperature, alpha), rtol=1e-6, atol=1e-9,
                     what=f"{call} (alpha * T^2 * KL(teacher || student) at temperature T, averaged over the batch, "
                          "+ (1 - alpha) * cross-entropy with the labels)")
    call = "distillation_loss(student_logits, teacher_logits, labels, temperature=3.0, alpha=0.0)"
    got = _scalar(student.distillation_loss(s, t, y, temperature=3.0, alpha=0.0), call)
    assert_close(got, F.cross_entropy(s, y), rtol=1e-6, atol=1e-9,
                 what=call + " (alpha = 0: the plain cross-entropy of the student's logits at temperature 1)")


@shows_expected
@points(0.5)
def test_distillation_loss_example(student):
    s = torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    t = torch.tensor([[2.0, 0.0, -2.0], [0.0, 1.0, 0.0]])
    y = torch.tensor([0, 1])
    call = ("distillation_loss(tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.0]]), tensor([[2.0, 0.0, -2.0], [0.0, 1.0, 0.0]]), "
            "tensor([0, 1]), temperature=2.0, alpha={})")
    for alpha, want in ((0.5, 0.4238), (1.0, 0.1647)):
        got = _scalar(student.distillation_loss(s, t, y, temperature=2.0, alpha=alpha), call.format(alpha))
        assert_close(got, want, rtol=0, atol=1e-4, what=call.format(alpha))
    for kwargs in ({"temperature": 0.0, "alpha": 0.5}, {"temperature": 2.0, "alpha": 1.5}):
        text = f"distillation_loss(..., temperature={kwargs['temperature']}, alpha={kwargs['alpha']})"
        try:
            student.distillation_loss(s, t, y, **kwargs)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{text} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{text} should raise ValueError")


def _distilled(student):
    if "model" not in _CACHE:
        rng = submission_rng(f"{SLUG}:distill")
        data_seed, test_seed, seed = (int(v) for v in rng.integers(10_000, 2**31 - 1, 3))
        X, y = make_data(N_TRAIN, data_seed)
        call = f"distill(X ({N_TRAIN}, 8), y ({N_TRAIN},), seed={seed}) (data from make_data with a hidden seed)"
        try:
            with call_timeout(60):
                model = student.distill(X, y, seed)
        except StudentError as error:
            _CACHE["model"] = (call, None, f"{error.type_name}: {error.message[:300]}")
        else:
            _CACHE["model"] = (call, model, None)
        _CACHE["test"] = make_data(N_TEST, test_seed)
    call, model, failure = _CACHE["model"]
    assert failure is None, f"{call} raised {failure}"
    return call, model


@points(2.5)
def test_distilled_student_accuracy(student):
    call, model = _distilled(student)
    X, y = _CACHE["test"]
    logits = model(X)
    assert isinstance(logits, torch.Tensor) and tuple(logits.shape) == (N_TEST, 4), (
        f"the model from {call}, called on X of shape ({N_TEST}, 8), should return class scores of shape "
        f"({N_TEST}, 4), got {getattr(logits, 'shape', type(logits).__name__)}"
    )
    accuracy = float((logits.argmax(dim=1) == y).double().mean())
    assert accuracy >= ACCURACY_TARGET, (
        f"the model from {call} classifies {accuracy:.3f} of {N_TEST} hidden held-out points correctly; at least "
        f"{ACCURACY_TARGET} is needed (the teacher gets about 0.92)"
    )


@points(1)
def test_student_is_small(student):
    call, model = _distilled(student)
    state = model.state_dict()
    assert isinstance(state, dict), f"model.state_dict() of the model from {call} should be a dict of tensors"
    numbers = sum(int(v.numel()) for v in state.values() if isinstance(v, torch.Tensor))
    assert 0 < numbers <= BUDGET, (
        f"the model from {call} holds {numbers} numbers in its state_dict; a distilled student may hold at most "
        f"{BUDGET} (the teacher holds 4996)"
    )
