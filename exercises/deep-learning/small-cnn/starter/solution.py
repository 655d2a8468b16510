"""A small CNN: output sizes, a two-block convolutional network, its parameter count, brief training.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules.
"""

import torch
from torch import nn


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Side length after a conv/pool window of kernel_size, moved by stride, over size + 2*padding pixels."""
    raise NotImplementedError("conv_output_size is not written yet")


class SmallCNN(nn.Module):
    """features: Conv(3x3, pad 1) -> ReLU -> MaxPool(2) -> Conv(3x3, pad 1) -> ReLU -> MaxPool(2)
    classifier: Flatten -> Linear(values per image after features, num_classes)
    """

    def __init__(self, in_channels: int, num_classes: int, image_size: int):
        super().__init__()
        raise NotImplementedError("SmallCNN.__init__ is not written yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("SmallCNN.forward is not written yet")


def count_parameters(in_channels: int, num_classes: int, image_size: int) -> int:
    """Number of trainable values in SmallCNN(in_channels, num_classes, image_size)."""
    raise NotImplementedError("count_parameters is not written yet")


def train_small_cnn(images, labels, epochs=8, lr=0.01, batch_size=32, seed=0):
    """Seeded Adam + cross-entropy training; return (model in eval mode, [average loss per epoch])."""
    raise NotImplementedError("train_small_cnn is not written yet")
