"""A tiny GPT, assembled and trained.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules (the layer names
matter: the grader loads its own weights into your model).
"""

import torch
import torch.nn.functional as F  # noqa: F401 - F.cross_entropy is handy in train_model
from torch import nn


def build_vocab(text: str) -> list[str]:
    """Every distinct character of ``text`` once, sorted."""
    raise NotImplementedError("build_vocab is not written yet")


def encode(text: str, vocab: list[str]) -> list[int]:
    """The id of each character: its index in ``vocab``."""
    raise NotImplementedError("encode is not written yet")


def decode(ids, vocab: list[str]) -> str:
    """The text of a list (or 1-D tensor) of ids."""
    raise NotImplementedError("decode is not written yet")


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, generator=None):
    """``(x, y)``, both (batch_size, block_size): rows of ``data`` from random starts, y shifted by one."""
    raise NotImplementedError("get_batch is not written yet")


class Block(nn.Module):
    """A pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)), with a causal mask.

    Layers: ln1, attn (nn.MultiheadAttention, batch_first=True), ln2, mlp (Linear, GELU, Linear).
    """

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        raise NotImplementedError("Block.__init__ is not written yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Block.forward is not written yet")


class TinyGPT(nn.Module):
    """tok_emb + pos_emb -> blocks -> ln_f -> head (tied to tok_emb). Logits (B, T, vocab_size)."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 4, n_embd: int = 64) -> None:
        super().__init__()
        raise NotImplementedError("TinyGPT.__init__ is not written yet")

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("TinyGPT.forward is not written yet")


def count_parameters(model: nn.Module) -> int:
    """The number of trainable values, each shared (tied) tensor counted once."""
    raise NotImplementedError("count_parameters is not written yet")


def train_model(text, block_size=32, n_layer=2, n_head=4, n_embd=64, steps=500, batch_size=32, lr=3e-3, seed=0):
    """Train a TinyGPT on the characters of ``text``; return ``(model, vocab, losses)``, model in eval mode."""
    raise NotImplementedError("train_model is not written yet")


def generate(model, idx, max_new_tokens, temperature=1.0, greedy=False, seed=None):
    """Extend ``idx`` (B, T0) by ``max_new_tokens`` tokens, feeding the model the last block_size tokens."""
    raise NotImplementedError("generate is not written yet")
