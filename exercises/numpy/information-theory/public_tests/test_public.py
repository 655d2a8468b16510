"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example of README.md. The hidden grader checks more, on distributions, tables, labels
and bigram models of its own (with zeros, other bases, and the ValueErrors).
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    conditional_entropy,
    contingency_table,
    cross_entropy,
    entropy,
    joint_entropy,
    kl_divergence,
    mutual_information,
    mutual_information_from_labels,
    perplexity,
    sequence_perplexity,
)

T = [[0.3, 0.1, 0.0], [0.0, 0.2, 0.4]]
P, Q = [0.5, 0.25, 0.25, 0.0], [0.25, 0.25, 0.25, 0.25]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_readme_entropy():
    assert close(entropy([0.5, 0.5]), 1.0), f"entropy([0.5, 0.5]) returned {entropy([0.5, 0.5])}, expected 1.0 bit"
    got = entropy(P)
    assert not math.isnan(got), "entropy([0.5, 0.25, 0.25, 0.0]) is nan: 0 * log 0 must count as 0"
    assert close(got, 1.5), f"entropy([0.5, 0.25, 0.25, 0.0]) returned {got}, expected 1.5"
    got = entropy(P, base=math.e)
    assert close(got, 1.0397207708399179), f"entropy(..., base=math.e) returned {got}, expected 1.5 * ln 2 = 1.0397..."


def test_readme_joint_and_conditional_entropy():
    assert close(joint_entropy(T), 1.8464393446710154), f"joint_entropy(T) returned {joint_entropy(T)}"
    got = conditional_entropy(T)
    assert close(got, 0.875488750216347), f"conditional_entropy(T) returned {got}, expected H(Y | X) = 0.8755 (rows are X)"


def test_readme_cross_entropy_and_kl():
    assert close(cross_entropy(P, Q), 2.0), f"cross_entropy(p, q) returned {cross_entropy(P, Q)}, expected 2.0"
    assert close(kl_divergence(P, Q), 0.5), f"kl_divergence(p, q) returned {kl_divergence(P, Q)}, expected 0.5"
    assert kl_divergence(Q, P) == math.inf, f"kl_divergence(q, p) returned {kl_divergence(Q, P)}, expected math.inf"
    got = kl_divergence([0.5, 0.5], [0.9, 0.1])
    assert close(got, 0.7369655941662061), f"kl_divergence([0.5, 0.5], [0.9, 0.1]) returned {got}, expected 0.73697 (D(p || q))"


def test_readme_mutual_information():
    assert close(mutual_information(T), 0.6954618442383217), f"mutual_information(T) returned {mutual_information(T)}"
    got = mutual_information([[30, 10, 0], [0, 20, 40]])
    assert close(got, 0.6954618442383217), f"mutual_information of the same table as counts returned {got}, expected 0.69546"
    x, y = ["cat", "cat", "dog", "dog", "dog", "fish"], [1, 1, 0, 0, 1, 0]
    table = np.asarray(contingency_table(x, y))
    assert table.tolist() == [[0, 2], [2, 1], [1, 0]], f"contingency_table(x, y) returned {table.tolist()}"
    got = mutual_information_from_labels(x, y)
    assert close(got, 0.5408520829727551), f"mutual_information_from_labels(x, y) returned {got}, expected 0.54085"


def test_readme_perplexity():
    assert close(perplexity([0.25] * 4), 4.0), f"perplexity([0.25] * 4) returned {perplexity([0.25] * 4)}, expected 4.0"
    assert close(perplexity([0.5, 0.25, 0.125]), 4.0), f"perplexity([0.5, 0.25, 0.125]) returned {perplexity([0.5, 0.25, 0.125])}"
    initial = [0.5, 0.5, 0.0]
    transition = [[0.1, 0.6, 0.3], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]]
    got = sequence_perplexity(initial, transition, [0, 1, 2, 2, 0])
    assert close(got, 2.21513268649658), f"sequence_perplexity(..., [0, 1, 2, 2, 0]) returned {got}, expected 2.21513"
    got = sequence_perplexity(initial, transition, [0, 1, 1])
    assert got == math.inf, f"sequence_perplexity(..., [0, 1, 1]) returned {got}, expected math.inf"
