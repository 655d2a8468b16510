"""int8 quantization with NumPy: symmetric, asymmetric, per-channel, dequantization and matmul.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact formulas.
"""

import numpy as np


def quantize_symmetric(x, axis=None):
    """(q int8, scale): scale = max|x| / 127 per tensor (axis=None) or per channel along ``axis``."""
    raise NotImplementedError("quantize_symmetric is not written yet")


def quantize_asymmetric(x):
    """(q int8, scale float, zero_point int) mapping [min(x, 0), max(x, 0)] onto [-128, 127]."""
    raise NotImplementedError("quantize_asymmetric is not written yet")


def dequantize(q, scale, zero_point=0, axis=None):
    """(q - zero_point) * scale as float64; with ``axis``, one scale per index along that axis."""
    raise NotImplementedError("dequantize is not written yet")


def quantized_matmul(a_q, a_scale, b_q, b_scale):
    """(a_q @ b_q) * a_scale * b_scale, accumulated in int32; b_scale may be per column."""
    raise NotImplementedError("quantized_matmul is not written yet")
