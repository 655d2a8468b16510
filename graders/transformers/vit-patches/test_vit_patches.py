"""Hidden grader for transformers/vit-patches.

Inputs are drawn per submission (submission_rng): image batches, patch sizes, grid sizes, the weights the
grader loads into the student's model, and the synthetic training task. `_patches` cuts the patches out one by
one with slicing (independent of any reshape trick), and `_RefViT` is the statement's model. The task: 16x16
one-channel noise images with a bright 4x4 square somewhere in one of the four quadrants; the class is the
quadrant, so the model needs the position embeddings. The reference reaches 93-100% on 400 held-out images
after 5 epochs over 3000 images (about 3-4 s of CPU; 35 draws); the threshold is 85%. (With 4 epochs one draw
in 20 ended at 82%.)
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    points,
    shows_expected,
    submission_rng,
)

torch.set_num_threads(1)

SLUG = "transformers/vit-patches"
ACCURACY_LIMIT = 0.85
TRAIN_ARGS = dict(patch_size=4, epochs=5, batch_size=64, lr=3e-3, seed=0)
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


# --- the statement's pieces, written out -------------------------------------------------------------------------


def _patches(images, p):
    """Each patch cut out with slicing, flattened (row in the patch, column in the patch, channel)."""
    batch, _, height, width = images.shape
    out = []
    for b in range(batch):
        row = []
        for r in range(height // p):
            for c in range(width // p):
                row.append(images[b, :, r * p : (r + 1) * p, c * p : (c + 1) * p].permute(1, 2, 0).reshape(-1))
        out.append(torch.stack(row))
    return torch.stack(out)


def _interpolate(pos_embed, rows, cols):
    old = int(round(math.sqrt(pos_embed.shape[1] - 1)))
    dim = pos_embed.shape[-1]
    grid = torch.stack([pos_embed[0, 1 + i * old : 1 + (i + 1) * old] for i in range(old)])  # (old, old, D)
    grid = F.interpolate(grid.permute(2, 0, 1)[None], size=(rows, cols), mode="bicubic", align_corners=False)[0]
    return torch.cat([pos_embed[:, :1], grid.permute(1, 2, 0).reshape(1, rows * cols, dim)], dim=1)


class _RefBlock(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class _RefViT(nn.Module):
    def __init__(self, image_size, patch_size, in_channels, num_classes, dim, depth, heads, mlp_dim):
        super().__init__()
        self.p, self.grid = patch_size, image_size // patch_size
        self.patch_embed = nn.Linear(patch_size * patch_size * in_channels, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.grid**2 + 1, dim))
        self.blocks = nn.ModuleList([_RefBlock(dim, heads, mlp_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, images):
        rows, cols = images.shape[2] // self.p, images.shape[3] // self.p
        pos = self.pos_embed if (rows, cols) == (self.grid, self.grid) else _interpolate(self.pos_embed, rows, cols)
        x = self.patch_embed(_patches(images, self.p))
        x = torch.cat([self.cls_token.expand(len(images), -1, -1), x], dim=1) + pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def _random_state(rng, config):
    torch.manual_seed(int(rng.integers(2**31)))
    ref = _RefViT(*config).eval()
    with torch.no_grad():
        for name, tensor in ref.state_dict().items():
            if name in ("cls_token", "pos_embed"):
                tensor.normal_(0.0, 0.5)
            elif ".ln" in name or name.startswith("norm"):
                tensor.copy_((1.0 if name.endswith("weight") else 0.0) + 0.3 * torch.randn(tensor.shape))
            elif name.endswith("bias"):
                tensor.normal_(0.0, 0.1)
    return ref, {k: v.clone() for k, v in ref.state_dict().items()}


def _describe(config):
    names = ("image_size", "patch_size", "in_channels", "num_classes", "dim", "depth", "heads", "mlp_dim")
    return "TinyViT(" + ", ".join(f"{n}={v}" for n, v in zip(names, config, strict=True)) + ")"


def _build(student, config):
    call = _describe(config)
    names = ("image_size", "patch_size", "in_channels", "num_classes", "dim", "depth", "heads", "mlp_dim")
    model = student.TinyViT(**dict(zip(names, config, strict=True)))
    assert isinstance(model, Remote), f"{call} should build an nn.Module, got {model!r:.100}"
    return model.eval(), call


def _load(model, call, state):
    try:
        model.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(weights with the statement's names and shapes) failed: {error.type_name}: "
            f"{error.message[:400]}"
        ) from None


def _logits(model, images, call):
    try:
        out = model(images)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(out, torch.Tensor), f"{call} should return a tensor of logits, got {type(out).__name__}"
    return out.double()


def _images(rng, shape):
    return torch.from_numpy(rng.normal(0, 1, shape)).float()


# --- hidden task: a bright square in one of four quadrants --------------------------------------------------------


def _quadrant_images(rng, count):
    labels = rng.integers(0, 4, count)
    images = rng.normal(0, 0.5, (count, 1, 16, 16)).astype(np.float32)
    for i, label in enumerate(labels):
        top = (label // 2) * 8 + int(rng.integers(0, 5))
        left = (label % 2) * 8 + int(rng.integers(0, 5))
        images[i, :, top : top + 4, left : left + 4] += rng.normal(1.5, 0.3)
    return torch.from_numpy(images), torch.from_numpy(labels)


def _trained(student):
    if "run" in _cache:
        return _cache["run"]
    rng = _rng("quadrants")
    images, labels = _quadrant_images(rng, 3000)
    args = ", ".join(f"{k}={v}" for k, v in TRAIN_ARGS.items())
    call = f"train_vit(<3000 hidden images (3000, 1, 16, 16)>, <their labels 0-3>, num_classes=4, {args})"
    with call_timeout(120):
        result = student.train_vit(images, labels, 4, **TRAIN_ARGS)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a tuple (model, losses), got {result!r:.200}"
    )
    model, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained TinyViT first, got {model!r:.100}"
    _cache["run"] = (call, model, losses)
    return _cache["run"]


# --- tests -----------------------------------------------------------------------------------------------------


@points(2)
def test_patchify_layout(student):
    rng = _rng("patchify")
    p = int(rng.choice([2, 3, 4]))
    rows, cols, channels = int(rng.integers(2, 4)), int(rng.integers(4, 6)), int(rng.integers(2, 4))
    images = _images(rng, (2, channels, rows * p, cols * p))
    call = f"patchify(images of shape {tuple(images.shape)}, patch_size={p})"
    try:
        got = student.patchify(images, p)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    want = _patches(images, p)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(want.shape), (
        f"{call} should return a tensor of shape (B, N, P*P*C) = {tuple(want.shape)}, got "
        f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}"
    )
    wrong = [(b, n) for b in range(2) for n in range(rows * cols) if not torch.allclose(got[b, n], want[b, n])]
    if wrong:
        b, n = wrong[0]
        found = [(r, c) for r in range(rows) for c in range(cols)
                 if torch.allclose(torch.sort(got[b, n]).values, torch.sort(want[b, r * cols + c]).values)]
        hint = (" It holds the right pixels in another order: flatten each patch by (row in the patch, column "
                "in the patch, channel), channel last" if found == [(n // cols, n % cols)] else
                " It mixes pixels of different patches: split H and W into (rows, P) and (cols, P) and move the "
                "axes before flattening, not a plain reshape")
        raise AssertionError(
            f"{call}: {len(wrong)} of {2 * rows * cols} patch vectors are wrong, the first being patch {n} of image "
            f"{b} (grid row {n // cols}, column {n % cols}; patches go row by row).{hint}"
        )
    odd = _images(rng, (1, channels, rows * p + 1, cols * p))
    try:
        student.patchify(odd, p)
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"patchify(images of shape {tuple(odd.shape)}, patch_size={p}) raised {error.type_name}, expected ValueError"
        )
    else:
        raise AssertionError(
            f"patchify(images of shape {tuple(odd.shape)}, patch_size={p}) should raise ValueError: the height is not "
            "a multiple of the patch size"
        )


@points(2)
def test_linear_on_patches_matches_conv2d(student):
    rng = _rng("conv")
    p, channels, dim = int(rng.choice([2, 4])), 3, int(rng.integers(5, 9))
    rows, cols = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    weight = _images(rng, (dim, channels, p, p))
    bias = _images(rng, (dim,))
    images = _images(rng, (2, channels, rows * p, cols * p))
    call = f"conv_weight_to_linear(a Conv2d weight of shape {tuple(weight.shape)})"
    try:
        linear = student.conv_weight_to_linear(weight)
        patches = student.patchify(images, p)
    except StudentError as error:
        raise AssertionError(f"{call} or patchify raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(linear, torch.Tensor) and tuple(linear.shape) == (dim, p * p * channels), (
        f"{call} should return a ({dim}, {p * p * channels}) tensor (out_features, P*P*C), got "
        f"{tuple(linear.shape) if isinstance(linear, torch.Tensor) else type(linear).__name__}"
    )
    got = patches.double() @ linear.double().T + bias.double()
    want = F.conv2d(images.double(), weight.double(), bias.double(), stride=p).flatten(2).transpose(1, 2)
    assert_close(got, want, rtol=1e-6, atol=1e-6,
                 what=f"patchify(images {tuple(images.shape)}, {p}) @ {call}.T + bias, compared with "
                      f"Conv2d({channels}, {dim}, kernel_size={p}, stride={p}) on the same images, flattened to "
                      "(B, N, D) (the weight's (C, P, P) must be reordered to the patch vector's (P, P, C) order)")


@shows_expected  # the names and shapes are the statement's
@points(1)
def test_model_layout(student):
    config = (12, 4, 3, 5, 16, 1, 2, 32)
    model, call = _build(student, config)
    state = model.state_dict()
    assert isinstance(state, dict), f"{call}.state_dict() should be a dict of tensors, got {state!r:.100}"
    got = {name: tuple(value.shape) for name, value in state.items()}
    want = {name: tuple(value.shape) for name, value in _RefViT(*config).state_dict().items()}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (
        f"{call}.state_dict() misses {missing[:8]} and has unexpected {extra[:8]}: use the statement's names "
        "(patch_embed, cls_token, pos_embed, blocks.<i>.ln1 / attn / ln2 / mlp.0 / mlp.2, norm, head)"
    )
    for name, shape in want.items():
        assert got[name] == shape, (
            f"{call}: {name} has shape {got[name]}, expected {shape}"
            + (" (one position for the class token plus one per patch: 1 + 3*3)" if name == "pos_embed" else "")
        )
    assert model.patch_size == 4 and model.grid_size == 3, (
        f"{call}: patch_size = {model.patch_size!r} and grid_size = {model.grid_size!r}, expected 4 and 3"
    )
    out = _logits(model, torch.zeros(2, 3, 12, 12), f"{call} on images (2, 3, 12, 12)")
    assert tuple(out.shape) == (2, 5), f"{call} on images (2, 3, 12, 12) returned shape {tuple(out.shape)}, expected (2, 5)"


@points(2)
def test_forward_matches_reference(student):
    rng = _rng("forward")
    config = (16, 4, int(rng.integers(1, 4)), int(rng.integers(3, 7)), 16, 2, int(rng.choice([2, 4])), 32)
    model, call = _build(student, config)
    ref, state = _random_state(rng, config)
    _load(model, call, state)
    images = _images(rng, (3, config[2], 16, 16))
    got = _logits(model, images, f"{call} on images {tuple(images.shape)}")
    with torch.no_grad():
        want = ref(images).double()
    assert tuple(got.shape) == tuple(want.shape), f"{call} returned shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    assert_close(got, want, rtol=1e-4, atol=1e-4,
                 what=f"{call} with the grader's weights: the logits (check the patch order, the class token "
                      "concatenated IN FRONT of the patch tokens, pos_embed added to all 1 + N tokens, pre-LN blocks, "
                      "norm, and the head on the class token's output)")


@points(2)
def test_interpolate_pos_embed(student):
    rng = _rng("interpolate")
    old, dim = int(rng.integers(3, 5)), int(rng.integers(4, 9))
    rows, cols = int(rng.integers(old + 1, old + 4)), int(rng.integers(2, old + 4))
    while cols == rows:
        cols = int(rng.integers(2, old + 4))
    pos = _images(rng, (1, 1 + old * old, dim))
    call = f"interpolate_pos_embed(pos_embed of shape {tuple(pos.shape)} (a {old}x{old} grid), ({rows}, {cols}))"
    try:
        got = student.interpolate_pos_embed(pos, (rows, cols))
        same = student.interpolate_pos_embed(pos, (old, old))
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    want = _interpolate(pos, rows, cols)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(want.shape), (
        f"{call} should return shape (1, 1 + {rows}*{cols}, {dim}) = {tuple(want.shape)}, got "
        f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}"
    )
    assert torch.allclose(got[:, 0], pos[:, 0]), (
        f"{call}: the class token's position (row 0) changed; it is not part of the grid: keep it as it is"
    )
    assert_close(got, want, rtol=1e-4, atol=1e-5,
                 what=f"{call} (the grid rows reshaped to (1, {old}, {old}, D), moved to (1, D, {old}, {old}), resized "
                      "with F.interpolate(mode='bicubic', align_corners=False), moved back and flattened row by row)")
    assert isinstance(same, torch.Tensor) and tuple(same.shape) == tuple(pos.shape), (
        f"interpolate_pos_embed(pos_embed, ({old}, {old})) should keep the shape {tuple(pos.shape)}"
    )
    assert_close(same, pos, rtol=1e-4, atol=1e-5,
                 what=f"interpolate_pos_embed(pos_embed, ({old}, {old})) (resizing to the same grid changes nothing)")


@points(1)
def test_forward_on_larger_images(student):
    rng = _rng("larger")
    config = (12, 4, 1, 3, 16, 1, 2, 32)
    model, call = _build(student, config)
    ref, state = _random_state(rng, config)
    _load(model, call, state)
    rows, cols = int(rng.integers(4, 6)), int(rng.integers(4, 7))
    images = _images(rng, (2, 1, rows * 4, cols * 4))
    got = _logits(model, images, f"{call} on images {tuple(images.shape)} (a {rows}x{cols} grid of patches instead of 3x3, "
                  "so pos_embed must be interpolated to it first)")
    with torch.no_grad():
        want = ref(images).double()
    assert_close(got, want, rtol=1e-4, atol=1e-4,
                 what=f"{call} with the grader's weights on images {tuple(images.shape)}: the logits (on a {rows}x{cols} "
                      "grid of patches the 3x3 grid of learned positions must be interpolated with interpolate_pos_embed)")


@points(2)
def test_training_reaches_accuracy(student):
    call, model, losses = _trained(student)
    assert isinstance(losses, (list, tuple)) and len(losses) > 0 and all(
        isinstance(v, (int, float)) and math.isfinite(v) for v in losses
    ), f"{call} should return a list of finite losses second, got {losses!r:.100}"
    images, labels = _quadrant_images(_rng("heldout"), 400)
    with call_timeout(60):
        logits = _logits(model, images, "the trained model on 400 held-out images")
    assert tuple(logits.shape) == (400, 4), f"the trained model returned logits of shape {tuple(logits.shape)}, expected (400, 4)"
    accuracy = float((logits.argmax(dim=1) == labels).double().mean())
    assert accuracy >= ACCURACY_LIMIT, (
        f"after {call} (loss {losses[0]:.3f} -> {float(np.mean(losses[-5:])):.3f}), the model classifies {accuracy:.1%} "
        f"of 400 held-out images correctly, expected at least {ACCURACY_LIMIT:.0%}. The class is the quadrant of a "
        "bright square, so the model needs the position embeddings; check the training loop (one shuffled pass "
        "per epoch, zero_grad / backward / step) and that the model is returned in eval mode"
    )
