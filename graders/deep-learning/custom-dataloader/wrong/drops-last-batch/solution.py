"""A custom Dataset, collate_fn and length-bucketing batch sampler for variable-length token sequences,
with seeded shuffling and a train/validation split by group."""

import math
from functools import partial

import torch
from torch.utils.data import DataLoader, Dataset, Sampler


class TokenDataset(Dataset):
    def __init__(self, sequences, labels):
        if len(sequences) != len(labels):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        if any(len(s) == 0 for s in sequences):
            raise ValueError("every sequence needs at least one token")
        self.sequences = [torch.tensor(list(s), dtype=torch.long) for s in sequences]
        self.labels = [int(y) for y in labels]
        self.lengths = [len(s) for s in self.sequences]

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, index):
        return {"tokens": self.sequences[index], "label": self.labels[index]}


def collate(batch, pad_id=0):
    if len(batch) == 0:
        raise ValueError("cannot collate an empty batch")
    lengths = torch.tensor([len(item["tokens"]) for item in batch], dtype=torch.long)
    longest = int(lengths.max())
    tokens = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    for row, item in enumerate(batch):
        tokens[row, : len(item["tokens"])] = item["tokens"]
    attention_mask = torch.arange(longest)[None, :] < lengths[:, None]
    labels = torch.tensor([int(item["label"]) for item in batch], dtype=torch.long)
    return {"tokens": tokens, "lengths": lengths, "attention_mask": attention_mask, "labels": labels}


class BucketBatchSampler(Sampler):
    def __init__(self, lengths, batch_size, shuffle=True, seed=0, drop_last=False, pool_size=None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if pool_size is not None and (pool_size < batch_size or pool_size % batch_size != 0):
            raise ValueError(f"pool_size must be a positive multiple of batch_size, got {pool_size}")
        self.lengths = [int(n) for n in lengths]
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.pool_size = pool_size
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        n = len(self.lengths)
        return n // self.batch_size

    def __iter__(self):
        n = len(self.lengths)
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(n, generator=generator).tolist() if self.shuffle else list(range(n))
        pool = self.pool_size or max(n, 1)
        ordered = []
        for start in range(0, n, pool):
            ordered.extend(sorted(order[start : start + pool], key=lambda i: self.lengths[i]))
        batches = [ordered[start : start + self.batch_size] for start in range(0, n - self.batch_size + 1, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        return iter(batches)


def make_loader(dataset, batch_size, seed=0, pad_id=0, pool_size=None):
    sampler = BucketBatchSampler(dataset.lengths, batch_size, shuffle=True, seed=seed, pool_size=pool_size)
    return DataLoader(dataset, batch_sampler=sampler, collate_fn=partial(collate, pad_id=pad_id))


def group_split(groups, val_fraction, seed):
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    distinct = sorted(set(groups))
    if len(distinct) < 2:
        raise ValueError("a split by group needs at least two groups")
    n_val = min(max(1, round(val_fraction * len(distinct))), len(distinct) - 1)
    generator = torch.Generator().manual_seed(seed)
    shuffled = [distinct[i] for i in torch.randperm(len(distinct), generator=generator).tolist()]
    val_groups = set(shuffled[:n_val])
    train = [i for i, g in enumerate(groups) if g not in val_groups]
    val = [i for i, g in enumerate(groups) if g in val_groups]
    return train, val
