"""Sampling the next token from logits.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules;
the sampling procedure in ``sample`` must be followed exactly for the seeded draws to match.
Every function works on the LAST dimension of ``logits`` (the vocabulary); leading dimensions are a batch.
"""

import torch


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature; ValueError if temperature <= 0."""
    raise NotImplementedError("apply_temperature is not written yet")


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Set every logit smaller than the k-th largest (along the last dimension) to -inf.

    Ties with the k-th largest are kept. k >= vocabulary size keeps everything; ValueError if k < 1.
    """
    raise NotImplementedError("top_k_filter is not written yet")


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter: keep the most probable tokens until their probability reaches p; the rest get -inf.

    A token is kept when the total probability of the tokens ranked above it is < p.
    p == 1 keeps everything; ValueError unless 0 < p <= 1.
    """
    raise NotImplementedError("top_p_filter is not written yet")


def probabilities(logits, temperature=1.0, top_k=None, top_p=None) -> torch.Tensor:
    """The distribution that ``sample`` draws from (same shape as logits).

    temperature == 0: one-hot at the argmax. Otherwise: temperature, then top-k, then top-p, then softmax.
    """
    raise NotImplementedError("probabilities is not written yet")


def sample(logits, temperature=1.0, top_k=None, top_p=None, seed=0) -> torch.Tensor:
    """Draw one token id per row of logits; returns a LongTensor of shape logits.shape[:-1].

    temperature == 0: the argmax, no randomness. Otherwise exactly:
        generator = torch.Generator().manual_seed(seed)
        torch.multinomial(probs.reshape(-1, vocab), num_samples=1, generator=generator)
    reshaped to logits.shape[:-1].
    """
    raise NotImplementedError("sample is not written yet")
