"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and its formulas on tiny made-up tensors. The hidden grader
checks more (random tensors of other shapes, the error bound, larger products).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import dequantize, quantize_asymmetric, quantize_symmetric, quantized_matmul  # noqa: E402


def test_statement_example_symmetric():
    q, s = quantize_symmetric(np.array([0.5, -1.27, 0.0, 1.0]))
    assert isinstance(q, np.ndarray) and q.dtype == np.int8, f"q should be an int8 array, got {type(q).__name__} {getattr(q, 'dtype', '')}"
    assert q.tolist() == [50, -127, 0, 100], f"q is {q.tolist()}, expected [50, -127, 0, 100] (scale = max|x| / 127)"
    assert isinstance(s, float) and abs(s - 0.01) < 1e-12, f"scale is {s!r}, expected the Python float 0.01"
    q, s = quantize_symmetric(np.zeros(3))
    assert q.tolist() == [0, 0, 0] and s == 1.0, f"an all-zero tensor gives q = [0, 0, 0] and scale 1.0, got {q.tolist()}, {s}"


def test_statement_example_asymmetric_and_back():
    q, s, z = quantize_asymmetric(np.array([0.0, 1.0, 2.55]))
    assert q.dtype == np.int8 and q.tolist() == [-128, -28, 127], f"q is {q.tolist()}, expected [-128, -28, 127] (int8)"
    assert abs(s - 0.01) < 1e-12 and isinstance(z, int) and z == -128, f"scale, zero_point are {s!r}, {z!r}; expected 0.01, -128"
    back = dequantize(q, s, z)
    assert back.dtype == np.float64 and np.allclose(back, [0.0, 1.0, 2.55]), f"dequantize gave {back}, expected [0, 1, 2.55]"


def test_asymmetric_range_always_includes_zero():
    # no zero in the data: the range is still [0, 2.55], so scale 0.01 and zero_point -128
    q, s, z = quantize_asymmetric(np.array([0.5, 1.0, 2.55]))
    assert abs(s - 0.01) < 1e-12 and z == -128, (
        f"scale, zero_point are {s!r}, {z!r}; expected 0.01 and -128: lo = min(min(x), 0), hi = max(max(x), 0)"
    )
    assert q.tolist() == [-78, -28, 127], f"q is {q.tolist()}, expected [-78, -28, 127]"


def test_per_channel_scales_follow_the_axis():
    w = np.array([[0.1, -0.4], [3.0, 1.2], [0.0, 0.0]])
    q, scales = quantize_symmetric(w, axis=0)  # one scale per row, from the largest |w| of that row
    assert np.shape(scales) == (3,), f"axis=0 should give one scale per row: shape (3,), got {np.shape(scales)}"
    assert np.allclose(scales, [0.4 / 127, 3.0 / 127, 1.0], rtol=0, atol=1e-12), f"scales are {scales}, expected [0.4/127, 3/127, 1.0]"
    assert q.dtype == np.int8 and q.tolist() == [[32, -127], [127, 51], [0, 0]], f"q is {q.tolist()}, expected [[32, -127], [127, 51], [0, 0]]"
    back = dequantize(q, scales, axis=0)
    assert np.all(np.abs(back - w) <= np.asarray(scales)[:, None] / 2 + 1e-12), "dequantize(q, scales, axis=0) should be within scale/2 of w"
    _, scales = quantize_symmetric(w, axis=1)  # one scale per column
    assert np.allclose(scales, [3.0 / 127, 1.2 / 127], rtol=0, atol=1e-12), f"axis=1 scales are {scales}, expected [3/127, 1.2/127]"


def test_quantized_matmul_accumulates_without_overflow():
    a_q = np.full((2, 4), 100, dtype=np.int8)
    b_q = np.full((4, 3), 100, dtype=np.int8)
    got = quantized_matmul(a_q, 0.01, b_q, 0.02)  # each sum is 4 * 100 * 100 = 40000: far beyond int8 (and int16)
    assert np.asarray(got).shape == (2, 3), f"the product of (2, 4) and (4, 3) has shape (2, 3), got {np.shape(got)}"
    assert np.allclose(got, 40000 * 0.01 * 0.02), f"got {np.asarray(got).tolist()}, expected 8.0 everywhere: accumulate in np.int32"
    got = quantized_matmul(a_q, 0.01, b_q, np.array([0.02, 0.01, 0.5]))  # one scale per column of b
    assert np.allclose(got, 40000 * 0.01 * np.array([[0.02, 0.01, 0.5]] * 2)), f"per-column scales: got {np.asarray(got).tolist()}"
