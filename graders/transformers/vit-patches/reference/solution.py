"""Reference solution for transformers/vit-patches."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    batch, channels, height, width = images.shape
    if height % patch_size or width % patch_size:
        raise ValueError(f"image size {height}x{width} is not a multiple of patch_size {patch_size}")
    rows, cols = height // patch_size, width // patch_size
    x = images.reshape(batch, channels, rows, patch_size, cols, patch_size)
    # (B, C, rows, P, cols, P) -> (B, rows, cols, P, P, C): patches row by row, each flattened as (p1, p2, c)
    x = x.permute(0, 2, 4, 3, 5, 1)
    return x.reshape(batch, rows * cols, patch_size * patch_size * channels)


def conv_weight_to_linear(weight: torch.Tensor) -> torch.Tensor:
    # Conv2d's weight is (D, C, P, P); a patch vector is ordered (p1, p2, c), so move C last before flattening.
    return weight.permute(0, 2, 3, 1).reshape(weight.shape[0], -1)


def interpolate_pos_embed(pos_embed: torch.Tensor, new_grid) -> torch.Tensor:
    rows, cols = new_grid
    cls_pos, grid_pos = pos_embed[:, :1], pos_embed[:, 1:]
    old = int(round(math.sqrt(grid_pos.shape[1])))
    dim = pos_embed.shape[-1]
    grid_pos = grid_pos.reshape(1, old, old, dim).permute(0, 3, 1, 2)  # (1, D, old, old): an image with D channels
    grid_pos = F.interpolate(grid_pos, size=(rows, cols), mode="bicubic", align_corners=False)
    grid_pos = grid_pos.permute(0, 2, 3, 1).reshape(1, rows * cols, dim)
    return torch.cat([cls_pos, grid_pos], dim=1)


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_dim: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyViT(nn.Module):
    def __init__(self, image_size=16, patch_size=4, in_channels=1, num_classes=4, dim=32, depth=2, heads=4,
                 mlp_dim=64) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError("image_size must be a multiple of patch_size")
        self.patch_size = patch_size
        self.grid_size = image_size // patch_size
        self.patch_embed = nn.Linear(patch_size * patch_size * in_channels, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, self.grid_size**2 + 1, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, images):
        tokens = self.patch_embed(patchify(images, self.patch_size))
        rows, cols = images.shape[2] // self.patch_size, images.shape[3] // self.patch_size
        pos = self.pos_embed
        if (rows, cols) != (self.grid_size, self.grid_size):
            pos = interpolate_pos_embed(pos, (rows, cols))
        cls = self.cls_token.expand(images.shape[0], -1, -1)
        x = torch.cat([cls, tokens], dim=1) + pos  # the class token is one more token, in front
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def train_vit(images, labels, num_classes, patch_size=4, epochs=5, batch_size=64, lr=3e-3, seed=0):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = TinyViT(image_size=images.shape[-1], patch_size=patch_size, in_channels=images.shape[1],
                    num_classes=num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images), batch_size):
            rows = order[start : start + batch_size]
            loss = F.cross_entropy(model(images[rows]), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    return model, losses
