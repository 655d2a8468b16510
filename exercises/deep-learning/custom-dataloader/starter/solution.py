"""A custom Dataset, collate function and bucketing batch sampler for variable-length token sequences.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import math  # noqa: F401
from functools import partial  # noqa: F401

import torch
from torch.utils.data import DataLoader, Dataset, Sampler  # noqa: F401


class TokenDataset(Dataset):
    """dataset[i] == {"tokens": 1-D long tensor (unpadded), "label": int}; dataset.lengths lists the lengths."""

    def __init__(self, sequences, labels):
        raise NotImplementedError("TokenDataset.__init__ is not written yet")

    def __len__(self):
        raise NotImplementedError("TokenDataset.__len__ is not written yet")

    def __getitem__(self, index):
        raise NotImplementedError("TokenDataset.__getitem__ is not written yet")


def collate(batch, pad_id=0):
    """Pad a list of items to the longest sequence of the batch; return tokens, lengths, attention_mask
    (True at real tokens) and labels."""
    raise NotImplementedError("collate is not written yet")


class BucketBatchSampler(Sampler):
    """Yields lists of indices: (shuffled) order -> pools sorted by length -> batches -> (shuffled) batch order."""

    def __init__(self, lengths, batch_size, shuffle=True, seed=0, drop_last=False, pool_size=None):
        raise NotImplementedError("BucketBatchSampler.__init__ is not written yet")

    def set_epoch(self, epoch):
        raise NotImplementedError("BucketBatchSampler.set_epoch is not written yet")

    def __len__(self):
        raise NotImplementedError("BucketBatchSampler.__len__ is not written yet")

    def __iter__(self):
        raise NotImplementedError("BucketBatchSampler.__iter__ is not written yet")


def make_loader(dataset, batch_size, seed=0, pad_id=0, pool_size=None):
    """A DataLoader with a shuffling BucketBatchSampler over dataset.lengths and collate(..., pad_id)."""
    raise NotImplementedError("make_loader is not written yet")


def group_split(groups, val_fraction, seed):
    """Split the distinct groups (seeded shuffle); return (train_indices, val_indices), each sorted."""
    raise NotImplementedError("group_split is not written yet")
