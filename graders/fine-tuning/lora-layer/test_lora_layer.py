"""Hidden grader for fine-tuning/lora-layer (a notebook exercise)."""

import torch

from gradient_grader import StudentError, assert_close, points, shows_expected


def _tensor(got, call, shape):
    assert isinstance(got, torch.Tensor), f"{call} should be a torch.Tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(shape), f"{call} has shape {tuple(got.shape)}, expected {tuple(shape)}"
    return got


def _weights(gen, d_in, d_out, r, bias=True):
    state = {
        "base.weight": torch.randn(d_out, d_in, generator=gen) * 0.3,
        "lora_A": torch.randn(r, d_in, generator=gen) * 0.3,
        "lora_B": torch.randn(d_out, r, generator=gen) * 0.3,
    }
    if bias:
        state["base.bias"] = torch.randn(d_out, generator=gen) * 0.1
    return state


def _expected(state, x, scaling):
    y = x @ state["base.weight"].T + scaling * (x @ state["lora_A"].T @ state["lora_B"].T)
    if "base.bias" in state:
        y = y + state["base.bias"]
    return y


def _load(layer, state, call):
    try:
        layer.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(...) with the keys {sorted(state)} failed: {error.type_name}: {error.message[:300]}"
        ) from None


@shows_expected
@points(2)
def test_structure_and_initialisation(student):
    call = "LoRALinear(12, 7, r=3, alpha=6.0)"
    layer = student.LoRALinear(12, 7, r=3, alpha=6.0)
    state = layer.state_dict()
    want = {"base.weight", "base.bias", "lora_A", "lora_B"}
    assert set(state) == want, f"{call}.state_dict() has the keys {sorted(state)}, expected {sorted(want)}"
    _tensor(state["base.weight"], f"{call}: base.weight", (7, 12))
    a = _tensor(state["lora_A"], f"{call}: lora_A", (3, 12))
    b = _tensor(state["lora_B"], f"{call}: lora_B", (7, 3))
    assert torch.all(b == 0), f"{call}: lora_B should start as all zeros, got values up to {float(b.abs().max()):.4g}"
    assert torch.any(a != 0), f"{call}: lora_A should start random (not all zero), or B would never get a gradient"
    scaling = layer.scaling
    assert isinstance(scaling, (int, float)) and abs(scaling - 2.0) < 1e-9, (
        f"{call}.scaling is {scaling!r}, expected alpha / r = 6.0 / 3 = 2.0"
    )
    assert layer.r == 3 and layer.alpha == 6.0, f"{call}: r = {layer.r!r}, alpha = {layer.alpha!r}, expected 3 and 6.0"
    keys = set(student.LoRALinear(5, 4, r=2, bias=False).state_dict())
    assert keys == {"base.weight", "lora_A", "lora_B"}, (
        f"LoRALinear(5, 4, r=2, bias=False).state_dict() has the keys {sorted(keys)}, expected "
        "['base.weight', 'lora_A', 'lora_B']"
    )


@points(1)
def test_equals_base_at_initialisation(student):
    torch_gen = torch.Generator().manual_seed(1)
    call = "LoRALinear(10, 6, r=2, alpha=16.0)"
    layer = student.LoRALinear(10, 6, r=2, alpha=16.0)
    state = layer.state_dict()
    x = torch.randn(4, 10, generator=torch_gen)
    got = _tensor(layer(x), f"{call}(x of shape (4, 10))", (4, 6))
    want = x @ state["base.weight"].T + state["base.bias"]
    assert_close(got, want, rtol=1e-5, atol=1e-6,
                 what=f"{call}(x) right after construction (B = 0, so it must equal base(x))")


@points(2)
def test_forward_with_loaded_weights(student):
    gen = torch.Generator().manual_seed(2)
    for d_in, d_out, r, alpha, bias, x_shape in (
        (10, 6, 2, 4.0, True, (4, 10)),
        (8, 8, 4, 16.0, True, (2, 3, 8)),
        (5, 9, 1, 3.0, False, (7, 5)),
    ):
        call = f"LoRALinear({d_in}, {d_out}, r={r}, alpha={alpha}, bias={bias})"
        layer = student.LoRALinear(d_in, d_out, r=r, alpha=alpha, bias=bias)
        state = _weights(gen, d_in, d_out, r, bias)
        _load(layer, state, call)
        x = torch.randn(*x_shape, generator=gen)
        got = _tensor(layer(x), f"{call}(x of shape {x_shape})", x_shape[:-1] + (d_out,))
        assert_close(got, _expected(state, x, alpha / r), rtol=1e-5, atol=1e-5,
                     what=f"{call}(x of shape {x_shape}) with loaded weights, expected x W^T + b + (alpha / r) x A^T B^T")


@shows_expected
@points(2)
def test_parameter_counts(student):
    for d_in, d_out, r, bias in ((32, 16, 4, True), (20, 30, 2, False), (64, 64, 8, True)):
        call = f"LoRALinear({d_in}, {d_out}, r={r}, bias={bias}).parameter_counts()"
        got = student.LoRALinear(d_in, d_out, r=r, bias=bias).parameter_counts()
        lora = r * (d_in + d_out)
        want = (lora, d_in * d_out + (d_out if bias else 0) + lora)
        assert isinstance(got, (tuple, list)) and tuple(got) == want, (
            f"{call} returned {got!r}, expected (trainable, total) = {want} "
            "(the base layer is frozen: only A and B are trainable)"
        )
    for d_in, d_out, r in ((4096, 4096, 8), (10, 3, 1), (768, 3072, 16)):
        call = f"lora_parameter_count({d_in}, {d_out}, {r})"
        got = student.lora_parameter_count(d_in, d_out, r)
        assert got == r * (d_in + d_out), f"{call} returned {got!r}, expected {r * (d_in + d_out)}"


@points(2)
def test_merge(student):
    gen = torch.Generator().manual_seed(3)
    for d_in, d_out, r, alpha, bias in ((10, 6, 2, 4.0, True), (7, 7, 3, 9.0, False)):
        call = f"LoRALinear({d_in}, {d_out}, r={r}, alpha={alpha}, bias={bias})"
        layer = student.LoRALinear(d_in, d_out, r=r, alpha=alpha, bias=bias)
        state = _weights(gen, d_in, d_out, r, bias)
        _load(layer, state, call)
        merged = layer.merge()
        type_name = object.__getattribute__(merged, "_type_name")
        assert type_name == "Linear", f"{call}.merge() returned a {type_name}, expected an nn.Linear"
        weight = _tensor(merged.weight, f"{call}.merge().weight", (d_out, d_in))
        assert_close(weight, state["base.weight"] + (alpha / r) * state["lora_B"] @ state["lora_A"],
                     rtol=1e-5, atol=1e-5, what=f"{call}.merge().weight, expected W + (alpha / r) B @ A")
        x = torch.randn(5, d_in, generator=gen)
        assert_close(merged(x), _expected(state, x, alpha / r), rtol=1e-5, atol=1e-5,
                     what=f"{call}.merge()(x), expected the same output as the LoRA layer")
        after = layer.state_dict()
        for key, value in state.items():
            assert_close(after[key], value, rtol=0, atol=0,
                         what=f"{call}: {key} after merge() (merge must not change the LoRA layer)")


@points(1)
def test_invalid_rank(student):
    for r in (0, -2):
        call = f"LoRALinear(4, 4, r={r})"
        try:
            student.LoRALinear(4, 4, r=r)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} should raise ValueError (the rank must be at least 1)")
