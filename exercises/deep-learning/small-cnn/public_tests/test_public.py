"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a short training run on tiny made-up images. The hidden
grader checks more (other sizes, kernels, strides and paddings, its own images, accuracy on new images).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import SmallCNN, conv_output_size, count_parameters, train_small_cnn  # noqa: E402


def test_conv_output_size_examples():
    cases = [((28, 3), {"padding": 1}, 28), ((7, 2), {"stride": 2}, 3), ((10, 5), {"stride": 2, "padding": 2}, 5)]
    for (size, kernel), options, want in cases:
        got = conv_output_size(size, kernel, **options)
        assert isinstance(got, int), f"conv_output_size should return an int, got {type(got).__name__}"
        assert got == want, f"conv_output_size({size}, {kernel}, {options}) returned {got}, expected {want}"


def test_shapes_for_28x28():
    model = SmallCNN(1, 10, 28)
    x = torch.zeros(2, 1, 28, 28)
    features = model.features(x)
    assert tuple(features.shape) == (2, 16, 7, 7), (
        f"SmallCNN(1, 10, 28).features on (2, 1, 28, 28) should give (2, 16, 7, 7), got {tuple(features.shape)}"
    )
    assert tuple(model(x).shape) == (2, 10), f"SmallCNN(1, 10, 28) should give (2, 10) logits, got {tuple(model(x).shape)}"


def logits_shape(in_channels, num_classes, size, batch):
    call = f"SmallCNN({in_channels}, {num_classes}, {size})"
    try:
        out = SmallCNN(in_channels, num_classes, size)(torch.zeros(batch, in_channels, size, size))
    except RuntimeError as error:
        raise AssertionError(
            f"{call} failed on images of side {size} ({error}): compute the Linear layer's input size from "
            "image_size, do not hard-code it"
        ) from None
    return tuple(out.shape)


def test_odd_image_sizes():
    got = logits_shape(3, 5, 13, batch=4)  # 13 -> 6 -> 3
    assert got == (4, 5), f"SmallCNN(3, 5, 13) should give (4, 5) logits, got {got}"
    got = logits_shape(2, 4, 11, batch=3)  # 11 -> 5 -> 2
    assert got == (3, 4), f"SmallCNN(2, 4, 11) should give (3, 4) logits, got {got}"


def test_parameter_count_example():
    got = count_parameters(1, 10, 28)
    assert got == 9098, f"count_parameters(1, 10, 28) returned {got}, expected 9098"
    in_model = sum(p.numel() for p in SmallCNN(1, 10, 28).parameters())
    assert in_model == 9098, f"SmallCNN(1, 10, 28) has {in_model} parameters, expected 9098"


def halves(n=64, size=8, seed=0):
    """Tiny images: class 0 has its top half bright, class 1 its bottom half, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    images = 0.3 * torch.randn(n, 1, size, size, generator=generator)
    labels = torch.arange(n) % 2
    images[labels == 0, :, : size // 2] += 1.0
    images[labels == 1, :, size // 2:] += 1.0
    return images, labels


def test_short_training_run():
    images, labels = halves()
    model, losses = train_small_cnn(images, labels, epochs=6, lr=0.01, batch_size=16, seed=0)
    assert len(losses) == 6, f"expected one loss per epoch (6), got {len(losses)}"
    assert losses[-1] < losses[0] / 2, f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f}; expected below half"
    assert model.training is False, "train_small_cnn should return the model in evaluation mode (model.eval())"
    logits = model(images)
    assert tuple(logits.shape) == (64, 2), f"the trained model should give (64, 2) logits, got {tuple(logits.shape)}"
