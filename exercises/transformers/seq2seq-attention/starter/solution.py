"""An encoder-decoder with cross-attention.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules (the layer names
matter: the grader loads its own weights into your layers).
"""

import torch
import torch.nn.functional as F  # noqa: F401 - F.cross_entropy is handy in train_model
from torch import nn

PAD, BOS, EOS = 0, 1, 2
VOCAB_SIZE = 13  # PAD, BOS, EOS, then the digits 0-9 as tokens 3..12


def to_tokens(digits: str) -> list[int]:
    """'3141' -> [6, 4, 7, 4] (given)."""
    return [int(d) + 3 for d in digits]


def to_digits(tokens) -> str:
    """[6, 4, 7, 4] -> '3141', skipping PAD, BOS and EOS (given)."""
    return "".join(str(int(t) - 3) for t in tokens if int(t) >= 3)


def pad_batch(seqs) -> torch.Tensor:
    """A (len(seqs), longest) torch.long tensor, each row padded on the right with PAD."""
    raise NotImplementedError("pad_batch is not written yet")


def shift_right(targets):
    """Teacher forcing: (decoder_input, decoder_target) = (pad_batch of BOS + t, pad_batch of t + EOS)."""
    raise NotImplementedError("shift_right is not written yet")


def padding_mask(tokens: torch.Tensor) -> torch.Tensor:
    """True exactly at the PAD positions (nn.MultiheadAttention's key_padding_mask)."""
    raise NotImplementedError("padding_mask is not written yet")


def causal_mask(size: int) -> torch.Tensor:
    """(size, size) bool, True strictly above the diagonal (True = may NOT attend)."""
    raise NotImplementedError("causal_mask is not written yet")


class EncoderLayer(nn.Module):
    """self_attn (with the source padding mask), then ff; each followed by add & LayerNorm (norm1, norm2)."""

    def __init__(self, d_model: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        raise NotImplementedError("EncoderLayer.__init__ is not written yet")

    def forward(self, x: torch.Tensor, src_padding_mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("EncoderLayer.forward is not written yet")


class DecoderLayer(nn.Module):
    """Causal self_attn, cross_attn over memory (source padding masked), ff; add & norm1/norm2/norm3."""

    def __init__(self, d_model: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        raise NotImplementedError("DecoderLayer.__init__ is not written yet")

    def forward(self, y: torch.Tensor, memory: torch.Tensor, src_padding_mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("DecoderLayer.forward is not written yet")


class Seq2Seq(nn.Module):
    """embed + pos -> encoder -> memory; embed + pos -> decoder (cross-attending to memory) -> out."""

    def __init__(self, vocab_size=VOCAB_SIZE, d_model=32, n_head=4, d_ff=64, n_layers=1, max_len=24) -> None:
        super().__init__()
        raise NotImplementedError("Seq2Seq.__init__ is not written yet")

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Seq2Seq.encode is not written yet")

    def decode(self, decoder_input: torch.Tensor, memory: torch.Tensor, src_padding_mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Seq2Seq.decode is not written yet")

    def forward(self, src: torch.Tensor, decoder_input: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Seq2Seq.forward is not written yet")


def greedy_decode(model, src, max_len=20) -> list[list[int]]:
    """Start from BOS, append the argmax until every row said EOS or max_len steps; results without BOS/EOS."""
    raise NotImplementedError("greedy_decode is not written yet")


def train_model(sources, targets, steps=200, batch_size=128, lr=3e-3, seed=0):
    """Train a Seq2Seq() with teacher forcing; return (model in eval mode, one loss per step)."""
    raise NotImplementedError("train_model is not written yet")
