"""Information theory with NumPy: entropy, cross-entropy, KL divergence, mutual information and perplexity.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Remember: 0 * log 0 counts as 0 (NumPy says nan), and base=2 means bits, base=math.e nats.
"""

import math  # noqa: F401  (math.inf, math.log)

import numpy as np  # noqa: F401


def entropy(p, base=2) -> float:
    """H(p) = -sum p_i log p_i in the given base; zero entries add nothing."""
    raise NotImplementedError("entropy is not written yet")


def joint_entropy(table, base=2) -> float:
    """H(X, Y) of a 2-D table of probabilities or counts (normalise it first)."""
    raise NotImplementedError("joint_entropy is not written yet")


def conditional_entropy(table, base=2) -> float:
    """H(Y | X) = H(X, Y) - H(X); rows of the table are X, columns are Y."""
    raise NotImplementedError("conditional_entropy is not written yet")


def cross_entropy(p, q, base=2) -> float:
    """H(p, q) = -sum p_i log q_i; math.inf if some q_i = 0 where p_i > 0."""
    raise NotImplementedError("cross_entropy is not written yet")


def kl_divergence(p, q, base=2) -> float:
    """D(p || q) = sum p_i log(p_i / q_i); math.inf if some q_i = 0 where p_i > 0."""
    raise NotImplementedError("kl_divergence is not written yet")


def mutual_information(table, base=2) -> float:
    """I(X; Y) of a 2-D table of probabilities or counts (normalise it first)."""
    raise NotImplementedError("mutual_information is not written yet")


def contingency_table(x, y) -> np.ndarray:
    """Integer counts: row i = i-th distinct value of x (sorted), column j = j-th distinct value of y."""
    raise NotImplementedError("contingency_table is not written yet")


def mutual_information_from_labels(x, y, base=2) -> float:
    """The mutual information of contingency_table(x, y)."""
    raise NotImplementedError("mutual_information_from_labels is not written yet")


def perplexity(token_probs) -> float:
    """exp of the mean negative log-probability of the tokens (math.inf if one of them is 0)."""
    raise NotImplementedError("perplexity is not written yet")


def sequence_perplexity(initial, transition, sequence) -> float:
    """Perplexity of a bigram model: initial[first token], then transition[previous][current] for each later token."""
    raise NotImplementedError("sequence_perplexity is not written yet")
