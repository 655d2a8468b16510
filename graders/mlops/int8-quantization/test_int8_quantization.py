"""Hidden grader for mlops/int8-quantization."""

import numpy as np

from gradient_grader import assert_close, expected, points, shows_expected


def _sym(x, axis=None):
    if axis is None:
        m = np.abs(x).max()
        s = m / 127 if m > 0 else 1.0
        return np.clip(np.rint(x / s), -127, 127).astype(np.int8), s
    others = tuple(i for i in range(x.ndim) if i != axis)
    m = np.abs(x).max(axis=others)
    s = np.where(m > 0, m / 127, 1.0)
    shape = [1] * x.ndim
    shape[axis] = -1
    return np.clip(np.rint(x / s.reshape(shape)), -127, 127).astype(np.int8), s


def _asym(x):
    lo, hi = min(x.min(), 0.0), max(x.max(), 0.0)
    s = (hi - lo) / 255 if hi > lo else 1.0
    z = int(np.clip(np.rint(-128 - lo / s), -128, 127))
    return np.clip(np.rint(x / s) + z, -128, 127).astype(np.int8), s, z


def _int8(q, call):
    if hasattr(q, "detach"):
        q = q.detach().cpu().numpy()
    assert isinstance(q, np.ndarray), f"{call} should return a numpy array of int8 as q, got {type(q).__name__}"
    assert q.dtype == np.int8, f"{call} returned q with dtype {q.dtype}, expected int8"
    return q


def _same_ints(got, want, call, hint=""):
    assert got.shape == want.shape, f"{call}: q has shape {got.shape}, expected {want.shape}"
    diff = np.argwhere(got != want)
    if len(diff):
        i = tuple(int(v) for v in diff[0])
        raise AssertionError(
            f"{call}: q differs at {len(diff)} of {got.size} positions, first at {i}: got {int(got[i])}, "
            f"expected {expected(int(want[i]))}. {hint}"
        )


@points(2)
def test_symmetric_per_tensor(student, rng):
    for shape, spread in (((50,), 1.0), ((8, 16), 0.02), ((3, 4, 5), 40.0)):
        x = rng.normal(scale=spread, size=shape)
        call = f"quantize_symmetric(x with shape {shape})"
        got = student.quantize_symmetric(x)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (q, scale), got {type(got).__name__}"
        q, scale = _int8(got[0], call), got[1]
        want_q, want_s = _sym(x)
        assert_close(scale, want_s, rtol=1e-12, what=f"the scale of {call} (max|x| / 127)")
        _same_ints(q, want_q, call, "q = clip(rint(x / scale), -127, 127)")
        assert int(np.abs(q).max()) == 127, f"{call}: the largest |x| should map to +-127, got max |q| = {int(np.abs(q).max())}"


@points(2)
def test_symmetric_per_channel(student, rng):
    w = rng.normal(size=(6, 10)) * np.array([[0.01], [0.1], [1.0], [5.0], [0.5], [2.0]])
    w[4] = 0.0
    for axis in (0, 1):
        call = f"quantize_symmetric(w with shape {w.shape}, axis={axis})"
        got = student.quantize_symmetric(w, axis=axis)
        q, scales = _int8(got[0], call), np.asarray(got[1], dtype=float)
        want_q, want_s = _sym(w, axis)
        assert scales.shape == want_s.shape, (
            f"{call}: scales has shape {scales.shape}, expected {want_s.shape} (one scale per index along axis {axis}, "
            "computed over the other axes)"
        )
        assert_close(scales, want_s, rtol=1e-12, what=f"the scales of {call} (an all-zero channel has scale 1.0)")
        _same_ints(q, want_q, call)
    x = rng.normal(size=(2, 3, 4))
    call = "quantize_symmetric(x with shape (2, 3, 4), axis=1)"
    got = student.quantize_symmetric(x, axis=1)
    want_q, want_s = _sym(x, 1)
    assert_close(np.asarray(got[1], dtype=float), want_s, rtol=1e-12, what=f"the scales of {call}")
    _same_ints(_int8(got[0], call), want_q, call)


@points(2)
def test_asymmetric(student, rng):
    relu = np.maximum(rng.normal(size=200), 0) * 3
    mixed = rng.normal(loc=1.5, scale=2.0, size=(10, 10))
    negative = -np.abs(rng.normal(size=30))
    for name, x in (("ReLU outputs", relu), ("mixed values", mixed), ("negative values", negative)):
        call = f"quantize_asymmetric({name})"
        got = student.quantize_asymmetric(x)
        assert isinstance(got, (tuple, list)) and len(got) == 3, f"{call} should return (q, scale, zero_point)"
        q, scale, zero = _int8(got[0], call), got[1], got[2]
        want_q, want_s, want_z = _asym(x)
        assert_close(scale, want_s, rtol=1e-12, what=f"the scale of {call} ((hi - lo) / 255 with the range including 0)")
        assert isinstance(zero, int) and zero == want_z, f"{call}: zero_point is {zero!r}, expected the int {expected(want_z)}"
        _same_ints(q, want_q, call)
    q, scale, zero = student.quantize_asymmetric(np.array([0.0, 1.0, 2.55, 0.0]))
    back = student.dequantize(q, scale, zero)
    assert float(back[0]) == 0.0, f"dequantize(quantize_asymmetric([0, 1, 2.55, 0])) gave {back!r}: 0.0 must come back exactly"


@points(1)
def test_dequantize_error_bound(student, rng):
    x = rng.normal(scale=3.0, size=(5, 7))
    q, s = _sym(x)
    call = "dequantize(q, scale) of a per-tensor symmetric quantization"
    back = np.asarray(student.dequantize(q, s), dtype=float)
    assert_close(back, q.astype(float) * s, rtol=1e-12, what=call)
    assert np.abs(back - x).max() <= s / 2 + 1e-12, f"{call}: the error {np.abs(back - x).max():.3g} exceeds scale / 2 = {s / 2:.3g}"
    q, s = _sym(x, 0)
    call = "dequantize(q, scales, axis=0) of a per-channel quantization"
    back = np.asarray(student.dequantize(q, s, 0, 0), dtype=float)
    assert_close(back, q.astype(float) * s[:, None], rtol=1e-12, what=call + " (broadcast the scales along axis 0)")
    q, s = _sym(x, 1)
    call = "dequantize(q, scales, axis=1)"
    back = np.asarray(student.dequantize(q, s, 0, 1), dtype=float)
    assert_close(back, q.astype(float) * s[None, :], rtol=1e-12, what=call)
    q, s, z = _asym(x)
    call = "dequantize(q, scale, zero_point) of an asymmetric quantization"
    back = np.asarray(student.dequantize(q, s, z), dtype=float)
    assert_close(back, (q.astype(float) - z) * s, rtol=1e-12, atol=1e-12, what=call)
    assert np.abs(back - x).max() <= s / 2 + 1e-9, f"{call}: the error {np.abs(back - x).max():.3g} exceeds scale / 2"


@points(2)
def test_quantized_matmul(student, rng):
    a = rng.normal(size=(6, 64))
    b = rng.normal(size=(64, 5))
    a_q, a_s = _sym(a)
    b_q, b_s = _sym(b)
    a_q[:, :] = np.where(rng.random(a_q.shape) < 0.5, 127, 120).astype(np.int8)  # large values: products overflow int8
    b_q[:, :] = np.where(rng.random(b_q.shape) < 0.5, 126, 101).astype(np.int8)
    want = (a_q.astype(np.int64) @ b_q.astype(np.int64)) * a_s * b_s
    call = "quantized_matmul(a_q (6x64 int8), a_scale, b_q (64x5 int8), b_scale)"
    got = np.asarray(student.quantized_matmul(a_q, a_s, b_q, b_s), dtype=float)
    assert_close(got, want, rtol=1e-9, what=call + " (accumulate in int32: int8 sums overflow)")
    b_q2, b_s2 = _sym(b, 1)
    a_q2, a_s2 = _sym(a)
    want = (a_q2.astype(np.int64) @ b_q2.astype(np.int64)) * a_s2 * b_s2[None, :]
    call = "quantized_matmul(a_q, a_scale, b_q, b_scales) with one scale per column of b"
    got = np.asarray(student.quantized_matmul(a_q2, a_s2, b_q2, b_s2), dtype=float)
    assert_close(got, want, rtol=1e-9, what=call)
    assert np.abs(got - a @ b).max() < 0.05 * np.abs(a @ b).max(), f"{call} is far from the float product a @ b"


@shows_expected
@points(1)
def test_all_zero_tensors(student):
    z = np.zeros((3, 4))
    q, s = student.quantize_symmetric(z)
    assert s == 1.0 and not np.any(q), f"quantize_symmetric(zeros) returned scale {s!r} and q {q!r}, expected 1.0 and zeros"
    q, s = student.quantize_symmetric(z, axis=0)
    assert_close(s, np.ones(3), what="the scales of quantize_symmetric(zeros, axis=0)")
    q, s, zp = student.quantize_asymmetric(z)
    assert s == 1.0, f"quantize_asymmetric(zeros) returned scale {s!r}, expected 1.0"
    back = student.dequantize(q, s, zp)
    assert not np.isnan(back).any() and not np.any(back), f"dequantize(quantize_asymmetric(zeros)) gave {back!r}, expected zeros"
