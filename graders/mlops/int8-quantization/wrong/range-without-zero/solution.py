"""A known-wrong solution."""

import numpy as np


def _channel_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return shape


def quantize_symmetric(x, axis=None):
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        scale = peak / 127.0 if peak > 0 else 1.0
        q = np.clip(np.rint(x / scale), -127, 127).astype(np.int8)
        return q, scale
    axis = axis % x.ndim
    others = tuple(i for i in range(x.ndim) if i != axis)
    peaks = np.max(np.abs(x), axis=others) if others else np.abs(x)
    scales = np.where(peaks > 0, peaks / 127.0, 1.0)
    q = np.clip(np.rint(x / scales.reshape(_channel_shape(x.ndim, axis))), -127, 127).astype(np.int8)
    return q, scales


def quantize_asymmetric(x):
    x = np.asarray(x, dtype=np.float64)
    low = float(x.min()) if x.size else 0.0
    high = float(x.max()) if x.size else 0.0
    scale = (high - low) / 255.0 if high > low else 1.0
    zero_point = int(np.clip(np.rint(-128.0 - low / scale), -128, 127))
    q = np.clip(np.rint(x / scale) + zero_point, -128, 127).astype(np.int8)
    return q, scale, zero_point


def dequantize(q, scale, zero_point=0, axis=None):
    values = np.asarray(q).astype(np.float64) - zero_point
    if axis is None:
        return values * scale
    return values * np.asarray(scale, dtype=np.float64).reshape(_channel_shape(values.ndim, axis % values.ndim))


def quantized_matmul(a_q, a_scale, b_q, b_scale):
    accumulated = np.asarray(a_q).astype(np.int32) @ np.asarray(b_q).astype(np.int32)
    return accumulated.astype(np.float64) * a_scale * np.asarray(b_scale, dtype=np.float64)
