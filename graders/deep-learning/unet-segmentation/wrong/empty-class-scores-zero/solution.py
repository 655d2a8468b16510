"""Semantic segmentation with a tiny U-Net: per-class IoU and Dice by hand, pixel-wise cross-entropy with an
ignore_index, and a short training loop on synthetic shapes."""

import math

import numpy as np
import torch
from torch import nn

IGNORE_INDEX = 255


def make_shapes(n, seed, size=32, noise=0.7):
    """Given: n noisy images (n, 1, size, size) with bright rectangles (class 1) and dark discs (class 2) on
    background (class 0), and their masks (n, size, size); a 1-pixel band around each shape's edge is
    IGNORE_INDEX."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images = rng.normal(0.0, noise, (n, 1, size, size)).astype(np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        for _ in range(int(rng.integers(2, 5))):
            kind = int(rng.integers(1, 3))
            cy, cx = rng.uniform(6, size - 6, 2)
            if kind == 1:
                hy, hx = rng.uniform(2.5, 6.0, 2)
                distance = np.maximum(np.abs(yy - cy) - hy, np.abs(xx - cx) - hx)
                brightness = 1.0
            else:
                distance = np.hypot(yy - cy, xx - cx) - rng.uniform(3.0, 7.0)
                brightness = -1.0
            inside = distance < 0
            images[i, 0][inside] = rng.normal(brightness, noise, int(inside.sum()))
            masks[i][inside] = kind
            masks[i][np.abs(distance) < 0.75] = IGNORE_INDEX
    return torch.from_numpy(images), torch.from_numpy(masks)


# ---------------------------------------------------------------- metrics


def _counts(pred, target, num_classes, ignore_index):
    pred, target = torch.as_tensor(pred), torch.as_tensor(target)
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    keep = target != ignore_index
    pred, target = pred[keep], target[keep]
    for c in range(num_classes):
        p, t = pred == c, target == c
        yield int((p & t).sum()), int(p.sum()), int(t.sum())


def iou_per_class(pred, target, num_classes, ignore_index=IGNORE_INDEX):
    result = []
    for both, in_pred, in_target in _counts(pred, target, num_classes, ignore_index):
        union = in_pred + in_target - both
        result.append(both / union if union else 0.0)
    return result


def dice_per_class(pred, target, num_classes, ignore_index=IGNORE_INDEX):
    result = []
    for both, in_pred, in_target in _counts(pred, target, num_classes, ignore_index):
        total = in_pred + in_target
        result.append(2 * both / total if total else math.nan)
    return result


def mean_iou(pred, target, num_classes, ignore_index=IGNORE_INDEX):
    scores = [s for s in iou_per_class(pred, target, num_classes, ignore_index) if not math.isnan(s)]
    return sum(scores) / len(scores) if scores else math.nan


# ---------------------------------------------------------------- loss


def pixel_cross_entropy(logits, target, ignore_index=IGNORE_INDEX):
    log_probs = torch.log_softmax(logits, dim=1)  # (N, C, H, W)
    keep = target != ignore_index
    if not bool(keep.any()):
        return logits.sum() * 0.0
    safe = torch.where(keep, target, torch.zeros_like(target))
    picked = log_probs.gather(1, safe.unsqueeze(1)).squeeze(1)  # (N, H, W)
    return -(picked * keep).sum() / keep.sum()


# ---------------------------------------------------------------- the model


def block(in_channels, out_channels):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


class TinyUNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=3, base=8):
        super().__init__()
        self.enc1 = block(in_channels, base)
        self.enc2 = block(base, 2 * base)
        self.bottleneck = block(2 * base, 4 * base)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * base, 2 * base, kernel_size=2, stride=2)
        self.dec2 = block(4 * base, 2 * base)
        self.up1 = nn.ConvTranspose2d(2 * base, base, kernel_size=2, stride=2)
        self.dec1 = block(2 * base, base)
        self.head = nn.Conv2d(base, num_classes, kernel_size=1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        middle = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(middle), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def count_parameters(in_channels=1, num_classes=3, base=8):
    def conv(i, o, k):
        return i * o * k * k + o

    def blk(i, o):
        return conv(i, o, 3) + 2 * o  # the BatchNorm's weight and bias

    b = base
    return (blk(in_channels, b) + blk(b, 2 * b) + blk(2 * b, 4 * b) + conv(4 * b, 2 * b, 2) + blk(4 * b, 2 * b)
            + conv(2 * b, b, 2) + blk(2 * b, b) + conv(b, num_classes, 1))


# ---------------------------------------------------------------- training


def train_unet(images, masks, epochs=5, lr=0.02, batch_size=8, seed=0, num_classes=3):
    torch.manual_seed(seed)
    model = TinyUNet(images.shape[1], num_classes)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(images), batch_size):
            index = order[start : start + batch_size]
            loss = pixel_cross_entropy(model(images[index]), masks[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(index)
        losses.append(total / len(images))
    model.eval()
    return model, losses
