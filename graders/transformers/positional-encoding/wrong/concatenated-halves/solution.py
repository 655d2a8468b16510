import math

import torch
from torch import nn


def sinusoidal_encoding(max_len: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    if d_model % 2 != 0:
        raise ValueError(f"d_model must be even, got {d_model}")
    positions = torch.arange(max_len, dtype=torch.float64)[:, None]
    omegas = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angles = positions * omegas[None, :]
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    half = d_model // 2
    pe[:, :half] = torch.sin(angles)  # all sines first, then all cosines (not interleaved)
    pe[:, half:] = torch.cos(angles)
    return pe.to(torch.float32)


def relative_shift_matrix(k: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    # sin(a + b) = sin a cos b + cos a sin b;  cos(a + b) = cos a cos b - sin a sin b
    if d_model % 2 != 0:
        raise ValueError(f"d_model must be even, got {d_model}")
    omegas = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    matrix = torch.zeros(d_model, d_model, dtype=torch.float64)
    for i, omega in enumerate(omegas.tolist()):
        c, s = math.cos(k * omega), math.sin(k * omega)
        matrix[2 * i, 2 * i], matrix[2 * i, 2 * i + 1] = c, s
        matrix[2 * i + 1, 2 * i], matrix[2 * i + 1, 2 * i + 1] = -s, c
    return matrix.to(torch.float32)


class SinusoidalPositionalEncoding(nn.Module):
    def __init__(self, d_model: int, max_len: int = 512, base: float = 10000.0) -> None:
        super().__init__()
        self.max_len = max_len
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model, base))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[-2]
        if length > self.max_len:
            raise ValueError(f"sequence of length {length} is longer than max_len = {self.max_len}")
        return x + self.pe[:length]


class LearnedPositionalEmbedding(nn.Module):
    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(max_len, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[-2]
        if length > self.max_len:
            raise ValueError(f"sequence of length {length} is longer than max_len = {self.max_len}")
        positions = torch.arange(length, device=x.device)
        return x + self.embedding(positions)
