"""Mixed precision: torch.autocast (float16 + GradScaler on CUDA, bfloat16 on the CPU), float32 weights.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules. Keep ``import torch`` at the top: the grader uses it.
"""

import torch
from torch import nn


def pick_device() -> str:
    """"cuda" if a GPU is available, else "cpu"."""
    raise NotImplementedError("pick_device is not written yet")


def autocast_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b under torch.autocast on pick_device() (float16 on cuda, bfloat16 on cpu).

    Returns the product moved to the CPU, still in the 16-bit dtype autocast gave it.
    """
    raise NotImplementedError("autocast_matmul is not written yet")


class AmpNet(nn.Module):
    """fc1 = Linear(in_features, hidden); fc2 = Linear(hidden, 1); forward = fc2(relu(fc1(x)))."""

    def __init__(self, in_features: int, hidden: int):
        super().__init__()
        raise NotImplementedError("AmpNet.__init__ is not written yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("AmpNet.forward is not written yet")


def amp_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """model(x) under torch.autocast on the device (no gradients); the model goes back to the CPU.

    Returns the output on the CPU, in its 16-bit dtype; the model's weights stay float32.
    """
    raise NotImplementedError("amp_forward is not written yet")


def train_amp(model, X, y, steps=200, lr=0.01):
    """Full-batch Adam on the MSE with autocast and a GradScaler (enabled only on cuda), float32 weights.

    Returns the report dict (device, output_dtype, param_dtype, first_grad, losses); see README.md.
    The model ends on the CPU, in evaluation mode.
    """
    raise NotImplementedError("train_amp is not written yet")
