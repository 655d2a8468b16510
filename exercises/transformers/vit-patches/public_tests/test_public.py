"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, the model's layout, and a short training run. The hidden grader checks
more (its own images, grids and weights, the exact logits, and the accuracy on its own images).
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import TinyViT, conv_weight_to_linear, interpolate_pos_embed, patchify, train_vit  # noqa: E402


def _quadrant_images(n, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (n,), generator=g)
    images = 0.5 * torch.randn(n, 1, 16, 16, generator=g)
    for i, label in enumerate(labels.tolist()):
        top = (label // 2) * 8 + int(torch.randint(0, 5, (1,), generator=g))
        left = (label % 2) * 8 + int(torch.randint(0, 5, (1,), generator=g))
        images[i, :, top : top + 4, left : left + 4] += 1.5
    return images, labels


def test_patchify_example_and_conv():
    images = torch.arange(2 * 3 * 4 * 6, dtype=torch.float32).reshape(2, 3, 4, 6)
    patches = patchify(images, 2)
    assert patches.shape == (2, 6, 12), f"patchify((2, 3, 4, 6), 2) has shape {tuple(patches.shape)}, expected (2, 6, 12)"
    want = [2.0, 26.0, 50.0, 3.0, 27.0, 51.0, 8.0, 32.0, 56.0, 9.0, 33.0, 57.0]
    assert patches[0, 1].tolist() == want, f"patch 1 of image 0 is {patches[0, 1].tolist()}, expected {want}"
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, kernel_size=2, stride=2)
    weight = conv_weight_to_linear(conv.weight)
    assert weight.shape == (8, 12), f"conv_weight_to_linear gave shape {tuple(weight.shape)}, expected (8, 12)"
    with torch.no_grad():
        ok = torch.allclose(patches @ weight.T + conv.bias, conv(images).flatten(2).transpose(1, 2), atol=1e-4)
    assert ok, "patchify(x) @ W.T + bias should equal the Conv2d patch embedding, flattened to (B, N, D)"
    try:
        patchify(torch.zeros(1, 3, 5, 6), 2)
    except ValueError:
        pass
    else:
        raise AssertionError("patchify of a 5x6 image with patch_size 2 should raise ValueError")


def test_interpolation_and_layout():
    pos = torch.randn(1, 1 + 4 * 4, 32)
    out = interpolate_pos_embed(pos, (6, 5))
    assert out.shape == (1, 31, 32), f"interpolate_pos_embed(..., (6, 5)) has shape {tuple(out.shape)}, expected (1, 31, 32)"
    assert torch.equal(out[:, 0], pos[:, 0]), "the class token's position should be kept as it is"
    assert torch.allclose(interpolate_pos_embed(pos, (4, 4)), pos, atol=1e-5), "the same grid should change nothing"
    model = TinyViT(image_size=16, patch_size=4, in_channels=1, num_classes=4)
    names = set(model.state_dict())
    for name in ("patch_embed.weight", "cls_token", "pos_embed", "blocks.1.ln1.weight", "blocks.0.attn.in_proj_weight",
                 "blocks.0.mlp.2.bias", "norm.weight", "head.bias"):
        assert name in names, f"model.state_dict() has no {name!r}: use the statement's names"
    assert model.pos_embed.shape == (1, 17, 32), f"pos_embed has shape {tuple(model.pos_embed.shape)}: 1 + 16 positions"
    assert model(torch.randn(5, 1, 16, 16)).shape == (5, 4)
    assert model(torch.randn(5, 1, 24, 20)).shape == (5, 4), "larger images need interpolated positions"


def test_short_training_run():
    images, labels = _quadrant_images(3000, seed=0)
    model, losses = train_vit(images, labels, num_classes=4)
    assert len(losses) == 5 * 47, f"5 epochs of 47 batches should give 235 losses, got {len(losses)}"
    assert not model.training, "train_vit should return the model in evaluation mode"
    test_images, test_labels = _quadrant_images(400, seed=1)
    with torch.no_grad():
        accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
    assert accuracy > 0.85, f"the trained model classifies {accuracy:.1%} of 400 new images correctly"
