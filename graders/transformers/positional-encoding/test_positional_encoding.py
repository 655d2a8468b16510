"""Hidden grader for transformers/positional-encoding (a notebook exercise)."""

import math

import numpy as np
import torch

from gradient_grader import StudentError, assert_close, points


def _pe(max_len, d_model, base=10000.0):
    pe = np.zeros((max_len, d_model))
    for p in range(max_len):
        for i in range(d_model // 2):
            omega = base ** (-2 * i / d_model)
            pe[p, 2 * i] = math.sin(p * omega)
            pe[p, 2 * i + 1] = math.cos(p * omega)
    return pe


def _shift(k, d_model, base=10000.0):
    m = np.zeros((d_model, d_model))
    for i in range(d_model // 2):
        a = k * base ** (-2 * i / d_model)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]]
    return m


def _tensor(got, call, shape):
    assert isinstance(got, torch.Tensor), f"{call} should return a torch.Tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(shape), f"{call} returned shape {tuple(got.shape)}, expected {tuple(shape)}"
    return got


def _expect_value_error(func, call):
    try:
        func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} should raise ValueError")


@points(3)
def test_sinusoidal_values(student):
    for max_len, d_model, base in ((1, 2, 10000.0), (3, 4, 10000.0), (12, 16, 10000.0), (60, 64, 10000.0), (9, 6, 100.0)):
        call = f"sinusoidal_encoding({max_len}, {d_model}, base={base})"
        got = _tensor(student.sinusoidal_encoding(max_len, d_model, base=base), call, (max_len, d_model))
        assert got.dtype == torch.float32, f"{call} returned dtype {got.dtype}, expected torch.float32"
        assert_close(got, _pe(max_len, d_model, base), rtol=1e-5, atol=2e-5,
                     what=f"{call} (even columns sin(p * w_i), odd columns cos(p * w_i), w_i = base ** (-2i / d))")
    call = "sinusoidal_encoding(5, 8) with the default base"
    assert_close(student.sinusoidal_encoding(5, 8), _pe(5, 8), rtol=1e-5, atol=2e-5, what=call)


@points(1)
def test_odd_dimension_is_rejected(student):
    _expect_value_error(lambda: student.sinusoidal_encoding(4, 7), "sinusoidal_encoding(4, 7)")


@points(2)
def test_relative_shift_matrix(student):
    for k, d_model, base in ((1, 4, 10000.0), (5, 8, 10000.0), (13, 16, 100.0)):
        call = f"relative_shift_matrix({k}, {d_model}, base={base})"
        got = _tensor(student.relative_shift_matrix(k, d_model, base=base), call, (d_model, d_model))
        pe = _pe(40, d_model, base)
        shifted = pe[:-k] @ got.double().numpy().T
        assert_close(shifted, pe[k:], rtol=1e-5, atol=2e-5,
                     what=f"M_k @ PE[p] compared with PE[p + {k}] for every p, with M_k = {call}")
        assert_close(got, _shift(k, d_model, base), rtol=1e-5, atol=2e-5, what=call)


@points(2)
def test_sinusoidal_module(student, rng):
    call = "SinusoidalPositionalEncoding(16, max_len=30)"
    module = student.SinusoidalPositionalEncoding(16, max_len=30)
    state = module.state_dict()
    assert set(state) == {"pe"}, f"{call}.state_dict() has the keys {sorted(state)}, expected ['pe']"
    _tensor(state["pe"], f"{call}.state_dict()['pe']", (30, 16))
    params = module._parameters
    assert len(params) == 0, (
        f"{call} has the parameter(s) {sorted(params)}: the table must be a buffer "
        "(self.register_buffer('pe', ...)), not an nn.Parameter, so that no optimizer changes it"
    )
    assert "pe" in module._buffers, f"{call}: 'pe' should be registered with self.register_buffer"
    assert_close(state["pe"], _pe(30, 16), rtol=1e-5, atol=2e-5, what=f"{call}.pe")
    x = torch.from_numpy(rng.normal(size=(3, 7, 16))).float()
    got = _tensor(module(x), f"{call}(x of shape (3, 7, 16))", (3, 7, 16))
    assert_close(got, x.double().numpy() + _pe(7, 16)[None], rtol=1e-5, atol=2e-5,
                 what=f"{call}(x of shape (3, 7, 16)), expected x + pe[:7]")
    _expect_value_error(lambda: module(torch.zeros(1, 31, 16)), f"{call}(x of shape (1, 31, 16))")


@points(2)
def test_learned_module(student, rng):
    call = "LearnedPositionalEmbedding(12, 8)"
    module = student.LearnedPositionalEmbedding(12, 8)
    state = module.state_dict()
    assert set(state) == {"embedding.weight"}, (
        f"{call}.state_dict() has the keys {sorted(state)}, expected ['embedding.weight'] "
        "(an nn.Embedding stored as self.embedding)"
    )
    _tensor(state["embedding.weight"], f"{call}.state_dict()['embedding.weight']", (12, 8))
    weight = torch.from_numpy(rng.normal(size=(12, 8))).float()
    module.load_state_dict({"embedding.weight": weight})
    x = torch.from_numpy(rng.normal(size=(2, 5, 8))).float()
    got = _tensor(module(x), f"{call}(x of shape (2, 5, 8))", (2, 5, 8))
    assert_close(got, (x + weight[:5][None]).numpy(), rtol=1e-5, atol=1e-6,
                 what=f"{call}(x of shape (2, 5, 8)) after loading known weights, expected x + weight[:5]")
    got = _tensor(module(x[:, :1]), f"{call}(x of shape (2, 1, 8))", (2, 1, 8))
    assert_close(got, (x[:, :1] + weight[:1][None]).numpy(), rtol=1e-5, atol=1e-6,
                 what=f"{call}(x of shape (2, 1, 8)), expected x + weight[:1]")
    _expect_value_error(lambda: module(torch.zeros(1, 13, 8)), f"{call}(x of shape (1, 13, 8))")
