"""A tiny Hugging Face model, offline.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Nothing may be downloaded: build the model from a config and use your own tokenizer.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never try to reach the Hub

import torch  # noqa: E402,F401
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402,F401

PAD, EOS = "<pad>", "<eos>"


class CharTokenizer:
    """Characters as tokens: 0 = <pad>, 1 = <eos>, then the sorted distinct characters of ``chars``."""

    def __init__(self, chars: str, padding_side: str = "right") -> None:
        raise NotImplementedError("CharTokenizer.__init__ is not written yet")

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError("vocab_size is not written yet")

    def __len__(self) -> int:
        raise NotImplementedError("__len__ is not written yet")

    def encode(self, text: str, add_eos: bool = False) -> list[int]:
        """The ids of ``text`` (then 1 if add_eos); ValueError for a character not in the vocabulary."""
        raise NotImplementedError("encode is not written yet")

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        raise NotImplementedError("decode is not written yet")

    def batch_decode(self, sequences, skip_special_tokens: bool = True) -> list[str]:
        raise NotImplementedError("batch_decode is not written yet")

    def __call__(self, texts, padding=True, padding_side=None, add_eos=False, return_tensors="pt"):
        """{"input_ids": (B, longest) long, "attention_mask": (B, longest) long}, padded on padding_side
        (the call's, else self.padding_side)."""
        raise NotImplementedError("__call__ is not written yet")

    def save(self, folder: str) -> None:
        raise NotImplementedError("save is not written yet")

    @classmethod
    def load(cls, folder: str) -> "CharTokenizer":
        raise NotImplementedError("load is not written yet")


def build_model(tokenizer, n_positions=64, n_embd=32, n_layer=2, n_head=2, seed=0):
    """torch.manual_seed(seed), then GPT2LMHeadModel(GPT2Config(...)) with the tokenizer's sizes and ids."""
    raise NotImplementedError("build_model is not written yet")


def make_labels(input_ids, attention_mask):
    """A copy of input_ids, NOT shifted, with -100 where attention_mask is 0."""
    raise NotImplementedError("make_labels is not written yet")


def lm_loss(model, batch):
    """The model's own language-modelling loss for a batch from the tokenizer."""
    raise NotImplementedError("lm_loss is not written yet")


def train(model, tokenizer, texts, steps=200, batch_size=16, lr=3e-3, seed=0):
    """AdamW on random batches of texts (right padding, <eos> added); return the losses, model in eval mode."""
    raise NotImplementedError("train is not written yet")


def generate_text(model, tokenizer, prompts, max_new_tokens=20):
    """Greedy model.generate on LEFT-padded prompts; return only the new text of each prompt."""
    raise NotImplementedError("generate_text is not written yet")


def save(model, tokenizer, folder):
    """model.save_pretrained(folder) and the tokenizer next to it."""
    raise NotImplementedError("save is not written yet")


def load(folder):
    """(GPT2LMHeadModel.from_pretrained(folder), CharTokenizer.load(folder))."""
    raise NotImplementedError("load is not written yet")
