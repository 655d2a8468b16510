"""Mixed precision: torch.autocast (float16 + GradScaler on CUDA, bfloat16 on the CPU), float32 weights.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules. Keep ``import torch`` at the top: the grader uses it.
"""

import torch
from torch import nn


def pick_device() -> str:
    """"cuda" if a GPU is available, else "cpu"."""
    raise NotImplementedError("pick_device is not written yet")


def autocast_matmul(a: torch.Tensor, b: torch.Tensor):
    """a @ b under torch.autocast on pick_device() (float16 on cuda, bfloat16 on cpu).

    Returns (product as float32 on the CPU, str(dtype of the product inside autocast)).
    """
    raise NotImplementedError("autocast_matmul is not written yet")


class AmpNet(nn.Module):
    """fc1 = Linear(in_features, hidden); fc2 = Linear(hidden, 1); forward = fc2(relu(fc1(x)))."""

    def __init__(self, in_features: int, hidden: int):
        super().__init__()
        raise NotImplementedError("AmpNet.__init__ is not written yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("AmpNet.forward is not written yet")


def train_amp(X, y, steps=200, lr=0.01, seed=0):
    """Full-batch Adam on the MSE with autocast and a GradScaler (enabled only on cuda).

    Returns (model on the CPU in eval mode, report dict; see README.md for its keys).
    """
    raise NotImplementedError("train_amp is not written yet")
