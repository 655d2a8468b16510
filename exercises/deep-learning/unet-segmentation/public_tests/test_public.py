"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, compare your loss with F.cross_entropy, and train briefly on images
made with make_shapes. The hidden grader draws other predictions, logits and images for each submission.
"""

import math
import os
import sys

import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    TinyUNet,
    count_parameters,
    dice_per_class,
    iou_per_class,
    make_shapes,
    mean_iou,
    pixel_cross_entropy,
    train_unet,
)

PRED = torch.tensor([[0, 0, 1, 1], [0, 2, 2, 1]])
TARGET = torch.tensor([[0, 0, 1, 255], [0, 0, 2, 2]])


def same(got, want):
    return len(got) == len(want) and all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b) for a, b in zip(got, want, strict=False)
    )


def test_statement_metrics():
    got = iou_per_class(PRED, TARGET, num_classes=4)
    assert same(got, [0.75, 0.5, 1 / 3, math.nan]), f"iou_per_class gave {got}"
    got = dice_per_class(PRED, TARGET, num_classes=4)
    assert same(got, [6 / 7, 2 / 3, 0.5, math.nan]), f"dice_per_class gave {got}"
    got = mean_iou(PRED, TARGET, num_classes=4)
    assert got == pytest.approx(19 / 36), f"mean_iou gave {got}; expected (0.75 + 0.5 + 1/3) / 3"


def test_metrics_count_the_batch_together():
    pred = torch.tensor([[[1, 1], [0, 0]], [[0, 0], [0, 0]]])
    target = torch.tensor([[[1, 0], [0, 0]], [[0, 0], [0, 1]]])
    # class 1: pred 2 pixels, target 2 pixels, 1 shared -> 1/3 over the whole batch
    assert iou_per_class(pred, target, 2)[1] == pytest.approx(1 / 3)


@pytest.mark.parametrize("ignore_index", [255, -100, 2])
def test_loss_matches_cross_entropy(ignore_index):
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, 6, generator=generator)
    target = torch.randint(0, 4, (2, 5, 6), generator=generator)
    target[torch.rand(2, 5, 6, generator=generator) < 0.3] = ignore_index
    got = pixel_cross_entropy(logits, target, ignore_index=ignore_index)
    want = F.cross_entropy(logits, target, ignore_index=ignore_index)
    assert isinstance(got, torch.Tensor) and got.dim() == 0
    assert got.item() == pytest.approx(want.item(), rel=1e-5)


def test_loss_backward_and_all_ignored():
    logits = torch.randn(1, 3, 4, 4, requires_grad=True)
    target = torch.full((1, 4, 4), 255)
    target[0, 0, 0] = 2
    pixel_cross_entropy(logits, target).backward()
    assert logits.grad is not None and logits.grad[0, :, 1:, :].abs().sum() == 0, "ignored pixels get no gradient"
    nothing = pixel_cross_entropy(torch.randn(1, 3, 4, 4), torch.full((1, 4, 4), 255))
    assert nothing.item() == 0.0, "a target where every pixel is ignored gives a loss of 0, not nan"


def test_statement_model():
    assert count_parameters() == 14443
    model = TinyUNet()
    assert sum(p.numel() for p in model.parameters()) == 14443
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 3, 32, 32)
    assert TinyUNet(3, 5, base=4)(torch.zeros(1, 3, 16, 24)).shape == (1, 5, 16, 24)
    assert count_parameters(3, 5, 4) == sum(p.numel() for p in TinyUNet(3, 5, base=4).parameters())


def test_short_training():
    torch.set_num_threads(1)
    images, masks = make_shapes(160, seed=1)
    model, losses = train_unet(images, masks, seed=0)
    assert len(losses) == 5 and losses[-1] < 0.6 * losses[0], f"losses per epoch: {losses}"
    assert not model.training, "return the model in eval mode"
    test_images, test_masks = make_shapes(100, seed=2)
    with torch.no_grad():
        score = mean_iou(model(test_images).argmax(dim=1), test_masks, 3)
    assert score >= 0.7, f"mean IoU {score:.3f} on new images; expected at least 0.7"
