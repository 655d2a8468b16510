"""Hidden grader for numpy/information-theory.

Distributions (with zeros), tables of probabilities and counts, label arrays and bigram models are drawn per
submission with submission_rng; the expected values come from the grader's own formulas below, so every
test holds for any draw. Where a known mistake could agree with the right answer by accident (H(Y|X) and
H(X|Y) of a table whose marginals have equal entropy), the draw is repeated until the two differ.
"""

import math

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "numpy/information-theory"
TOL = {"rtol": 1e-9, "atol": 1e-12}


# -- the grader's own answers ------------------------------------------------------------------------------


def _h(p, base=2.0):
    p = np.asarray(p, dtype=float).ravel()
    p = p / p.sum()
    nz = p[p > 0]
    return float(-np.sum(nz * np.log(nz)) / math.log(base))


def _cond(table, base=2.0):
    t = np.asarray(table, dtype=float)
    return _h(t, base) - _h(t.sum(axis=1), base)


def _ce(p, q, base=2.0):
    p, q = np.asarray(p, float), np.asarray(q, float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(-np.sum(p[nz] * np.log(q[nz])) / math.log(base))


def _kl(p, q, base=2.0):
    p, q = np.asarray(p, float), np.asarray(q, float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(np.sum(p[nz] * np.log(p[nz] / q[nz])) / math.log(base))


def _mi(table, base=2.0):
    t = np.asarray(table, dtype=float)
    return max(0.0, _h(t.sum(axis=1), base) + _h(t.sum(axis=0), base) - _h(t, base))


def _counts(x, y):
    _, xi = np.unique(np.asarray(x), return_inverse=True)
    _, yi = np.unique(np.asarray(y), return_inverse=True)
    out = np.zeros((xi.max() + 1, yi.max() + 1), dtype=np.int64)
    np.add.at(out, (xi, yi), 1)
    return out


def _pp(probs):
    probs = np.asarray(probs, dtype=float)
    return math.inf if np.any(probs == 0) else float(np.exp(-np.mean(np.log(probs))))


# -- draws ---------------------------------------------------------------------------------------------------


def _dist(rng, k, zeros=0):
    """A distribution over k outcomes, exactly `zeros` of them 0."""
    p = rng.dirichlet(np.full(k, 1.5))
    p[rng.choice(k, size=zeros, replace=False)] = 0.0
    return (p / p.sum()).tolist()


def _table(rng, shape, zeros):
    """A joint table with zeros whose row and column marginals have clearly different entropies."""
    while True:
        t = rng.dirichlet(np.full(shape[0] * shape[1], 1.2)).reshape(shape)
        flat = rng.choice(t.size, size=zeros, replace=False)
        t.ravel()[flat] = 0.0
        t /= t.sum()
        if t.sum(axis=1).min() > 0 and t.sum(axis=0).min() > 0 and abs(_h(t.sum(axis=1)) - _h(t.sum(axis=0))) > 1e-2:
            return t


# -- helpers for messages ------------------------------------------------------------------------------------


def _number(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should return a float, got {type(value).__name__}: {value!r:.200}"
    )
    value = float(value)
    assert not math.isnan(value), (
        f"{call} returned nan: NumPy computes 0 * log(0) as 0 * -inf = nan; by the rule 0 log 0 = 0, leave the "
        "zero-probability terms out of the sum (sum only where p > 0)"
    )
    return value


def _fmt(values):
    return "[" + ", ".join(f"{v:.4g}" for v in np.asarray(values, dtype=float).ravel()) + "]"


def _raises(func, call, why):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}; expected ValueError ({why})"
        return
    raise AssertionError(f"{call} returned {got!r:.200} instead of raising ValueError ({why})")


# -- entropy -----------------------------------------------------------------------------------------------


@shows_expected
@points(1)
def test_entropy_worked_example(student):
    for args, kwargs, want in [(([0.5, 0.5],), {}, 1.0), (([0.25] * 4,), {}, 2.0),
                               (([0.5, 0.25, 0.25, 0.0],), {}, 1.5), (([1.0, 0.0],), {}, 0.0),
                               (([0.5, 0.25, 0.25, 0.0],), {"base": math.e}, 1.5 * math.log(2))]:
        call = f"entropy({args[0]}{', base=math.e' if kwargs else ''})"
        got = _number(student.entropy(*args, **kwargs), call)
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"{call} returned {got}, expected {expected(want)}"


@points(1)
def test_entropy_drawn_with_zeros(student):
    rng = submission_rng(f"{SLUG}:entropy")
    for _ in range(4):
        k = int(rng.integers(4, 9))
        p = _dist(rng, k, zeros=int(rng.integers(1, 3)))
        shown = _fmt(p)
        bits = _number(student.entropy(p), f"entropy({shown})")
        nats = _number(student.entropy(p, base=math.e), f"entropy({shown}, base=math.e)")
        if math.isclose(bits, _h(p, math.e), rel_tol=1e-9) and not math.isclose(_h(p), _h(p, math.e)):
            raise AssertionError(
                f"entropy({shown}) returned {bits:.6g}, the entropy in nats: the default base=2 measures in bits, "
                "so divide ln(p) by ln(2) (or use np.log2)"
            )
        assert_close(bits, _h(p), **TOL, what=f"entropy({shown}) (bits)")
        assert_close(nats, _h(p, math.e), **TOL, what=f"entropy({shown}, base=math.e) (nats)")
        got = _number(student.entropy(np.asarray(p), base=10), f"entropy(np.array({shown}), base=10)")
        assert_close(got, _h(p, 10), **TOL, what=f"entropy(np.array({shown}), base=10) (log base 10: ln(p) / ln(10))")


# -- joint and conditional entropy ---------------------------------------------------------------------------


@points(2)
def test_joint_and_conditional_entropy(student):
    rng = submission_rng(f"{SLUG}:conditional")
    for shape in [(3, 5), (4, 2)]:
        t = _table(rng, shape, zeros=2)
        counts = np.rint(t * int(rng.integers(200, 1000))).astype(int)
        for table, kind in [(t.tolist(), "probabilities"), (counts.tolist(), "counts")]:
            shown = f"<a {shape[0]}x{shape[1]} table of {kind}, first row {_fmt(np.asarray(table)[0])}>"
            call = f"joint_entropy({shown})"
            got = _number(student.joint_entropy(table), call)
            assert_close(got, _h(table), **TOL, what=f"{call} (the entropy of all the table's cells, normalised)")
            call = f"conditional_entropy({shown})"
            got = _number(student.conditional_entropy(table), call)
            backwards = _cond(np.asarray(table, float).T)
            if math.isclose(got, backwards, rel_tol=1e-9):
                raise AssertionError(
                    f"{call} returned {got:.6g}, which is H(X | Y): the statement asks for H(Y | X) with the rows as X, "
                    "H(X, Y) minus the entropy of the ROW sums"
                )
            assert_close(got, _cond(table), **TOL, what=f"{call} (H(Y | X) = H(X, Y) - H(X), rows are X)")
            rows = _h(np.asarray(table, float).sum(axis=1), math.e)
            chain = _number(student.joint_entropy(table, base=math.e), f"joint_entropy({shown}, base=math.e)")
            cond = _number(student.conditional_entropy(table, base=math.e), f"conditional_entropy({shown}, base=math.e)")
            assert_close(chain - cond, rows, **TOL, what=(
                f"joint_entropy - conditional_entropy of {shown} in nats (by the chain rule H(X, Y) = H(X) + H(Y | X), "
                "it should be H(X), the entropy of the row sums)"))


# -- cross-entropy and KL ------------------------------------------------------------------------------------


@points(1)
def test_cross_entropy(student):
    rng = submission_rng(f"{SLUG}:cross-entropy")
    for _ in range(3):
        k = int(rng.integers(4, 8))
        p = _dist(rng, k, zeros=1)
        q = _dist(rng, k, zeros=0)
        zero = int(np.flatnonzero(np.asarray(p) == 0)[0])
        q_hole = np.asarray(q)
        q_hole[zero] = 0.0  # q is 0 only where p is 0 too: that term counts 0, the result stays finite
        q_hole = (q_hole / q_hole.sum()).tolist()
        for qq, base, note in [(q, 2, ""), (q_hole, 2, " (q is 0 only where p is 0: that term counts 0)"), (q, math.e, "")]:
            call = f"cross_entropy({_fmt(p)}, {_fmt(qq)}{', base=math.e' if base != 2 else ''})"
            got = _number(student.cross_entropy(p, qq, base=base), call)
            assert math.isfinite(got), f"{call} returned {got}: p is 0 wherever q is 0, so every term is finite{note}"
            assert_close(got, _ce(p, qq, base), **TOL, what=call + note)
        positive = int(np.flatnonzero(np.asarray(p) > 0)[0])
        q_bad = np.asarray(q)
        q_bad[positive] = 0.0
        q_bad = (q_bad / q_bad.sum()).tolist()
        call = f"cross_entropy({_fmt(p)}, {_fmt(q_bad)})"
        got = _number(student.cross_entropy(p, q_bad), call)
        assert got == math.inf, (
            f"{call} returned {got}: q gives probability 0 to outcome {positive}, which p says can happen, so the "
            "cross-entropy is math.inf"
        )


@points(2)
def test_kl_divergence(student):
    rng = submission_rng(f"{SLUG}:kl")
    for _ in range(3):
        k = int(rng.integers(3, 7))
        p, q = _dist(rng, k), _dist(rng, k)
        call = f"kl_divergence({_fmt(p)}, {_fmt(q)})"
        got = _number(student.kl_divergence(p, q), call)
        if math.isclose(got, _kl(q, p), rel_tol=1e-9) and not math.isclose(_kl(p, q), _kl(q, p), rel_tol=1e-6):
            raise AssertionError(
                f"{call} returned {got:.6g}, which is D(q || p): KL divergence is not symmetric, and "
                "kl_divergence(p, q) is sum p_i log(p_i / q_i), weighted by the FIRST argument"
            )
        assert_close(got, _kl(p, q), **TOL, what=f"{call} (sum p_i log2(p_i / q_i))")
        assert got >= 0, f"{call} returned {got}: a KL divergence is never negative"
        call_e = f"kl_divergence({_fmt(p)}, {_fmt(q)}, base=math.e)"
        assert_close(_number(student.kl_divergence(p, q, base=math.e), call_e), _kl(p, q, math.e), **TOL, what=call_e)
    for _ in range(2):
        k = int(rng.integers(4, 7))
        p = _dist(rng, k, zeros=1)
        q = _dist(rng, k)
        call = f"kl_divergence({_fmt(p)}, {_fmt(q)})"
        got = _number(student.kl_divergence(p, q), call)
        assert_close(got, _kl(p, q), **TOL, what=f"{call} (the term where p is 0 counts 0)")
        call = f"kl_divergence({_fmt(q)}, {_fmt(p)})"
        got = _number(student.kl_divergence(q, p), call)
        assert got == math.inf, (
            f"{call} returned {got}: the second argument is 0 where the first is positive, so D(first || second) "
            "is math.inf"
        )
    p = _dist(rng, 5, zeros=2)
    call = f"kl_divergence(p, p) with p = {_fmt(p)}"
    got = _number(student.kl_divergence(p, p), call)
    assert abs(got) < 1e-12, f"{call} returned {got}: the divergence of a distribution from itself is 0"


# -- mutual information ------------------------------------------------------------------------------------


@points(1)
def test_mutual_information_tables(student):
    rng = submission_rng(f"{SLUG}:mi")
    for shape in [(3, 4), (2, 5)]:
        t = _table(rng, shape, zeros=2)
        counts = np.rint(t * int(rng.integers(50, 300))).astype(int)
        while counts.sum(axis=1).min() == 0 or counts.sum(axis=0).min() == 0:
            counts[rng.integers(shape[0]), rng.integers(shape[1])] += 1
        for table, kind in [(t.tolist(), "probabilities"), (counts.tolist(), f"counts (total {counts.sum()})")]:
            call = f"mutual_information(<a {shape[0]}x{shape[1]} table of {kind}, first row {_fmt(np.asarray(table)[0])}>)"
            got = _number(student.mutual_information(table), call)
            if kind != "probabilities" and abs(got - _mi(table)) > 1e-6:
                raise AssertionError(
                    f"{call} returned {got:.6g}: a table of counts must be divided by its sum first, so that the cells "
                    "and the marginals are probabilities (with counts, n_ij / (n_i n_j) is not P(i, j) / (P(i) P(j)))"
                )
            assert_close(got, _mi(table), **TOL, what=f"{call} (sum of P(i, j) log2(P(i, j) / (P(i) P(j))))")
    px, py = _dist(rng, 3), _dist(rng, 4)
    independent = np.outer(px, py)
    call = f"mutual_information(np.outer({_fmt(px)}, {_fmt(py)}))"
    got = _number(student.mutual_information(independent), call)
    assert 0 <= got < 1e-9, f"{call} returned {got}: independent variables share no information (0, never negative)"


@points(1)
def test_mutual_information_from_labels(student):
    rng = submission_rng(f"{SLUG}:labels")
    names = np.array(["ant", "bee", "cat", "dog", "eel"])[rng.permutation(5)[:4]]
    x = rng.choice(names, size=60)
    codes = {name: int(v) for name, v in zip(names, rng.choice([2, 5, 11, 17, 23, 40], size=4, replace=False), strict=True)}
    y = np.array([codes[v] if rng.random() < 0.6 else int(rng.choice(list(codes.values()))) for v in x])
    call = "contingency_table(x, y) with 60 animal labels x and integer labels y"
    table = np.asarray(student.contingency_table(x.tolist(), y.tolist()))
    want = _counts(x, y)
    assert table.shape == want.shape, (
        f"{call} returned shape {table.shape}: one row per distinct x ({len(set(x))}) and one column per distinct y "
        f"({len(set(y.tolist()))})"
    )
    assert np.array_equal(table, want), (
        f"{call}: the counts differ (row sums {table.sum(axis=1).tolist()}, column sums {table.sum(axis=0).tolist()}); "
        "rows follow the sorted distinct values of x (np.unique), columns those of y"
    )
    call = "mutual_information_from_labels(x, y) on the same labels"
    assert_close(_number(student.mutual_information_from_labels(x.tolist(), y.tolist()), call), _mi(want), **TOL, what=call)
    call = "mutual_information_from_labels(x, y, base=math.e)"
    got = _number(student.mutual_information_from_labels(x.tolist(), y.tolist(), base=math.e), call)
    assert_close(got, _mi(want, math.e), **TOL, what=call + " (nats, as sklearn's mutual_info_score)")
    call = "mutual_information_from_labels(x, x)"
    got = _number(student.mutual_information_from_labels(x.tolist(), x.tolist()), call)
    assert_close(got, _h(_counts(x, x).sum(axis=1)), **TOL, what=call + " (a variable shares all its entropy with itself: I(X; X) = H(X))")


# -- perplexity --------------------------------------------------------------------------------------------


def _bigram(rng, k):
    initial = np.asarray(_dist(rng, k, zeros=1))
    transition = np.array([_dist(rng, k, zeros=int(rng.integers(0, 2))) for _ in range(k)])
    transition[0] = _dist(rng, k, zeros=1)  # at least one impossible transition
    return initial, transition


def _walk(rng, initial, transition, n):
    seq = [int(rng.choice(len(initial), p=initial))]
    for _ in range(n - 1):
        seq.append(int(rng.choice(len(initial), p=transition[seq[-1]])))
    return seq


@points(2)
def test_perplexity(student):
    rng = submission_rng(f"{SLUG}:perplexity")
    probs = rng.uniform(0.02, 0.9, size=int(rng.integers(8, 20)))
    call = f"perplexity({_fmt(probs)})"
    got = _number(student.perplexity(probs.tolist()), call)
    nats = float(-np.mean(np.log(probs)))
    if math.isclose(got, 2.0 ** nats, rel_tol=1e-9):
        raise AssertionError(
            f"{call} returned {got:.6g}, 2 raised to the mean surprise in NATS: exponentiate in the base of the "
            "logarithm, exp(mean(-ln p)) or 2 ** mean(-log2 p)"
        )
    assert_close(got, _pp(probs), **TOL, what=f"{call} (exp of the mean of -ln p)")
    with_zero = probs.copy()
    with_zero[int(rng.integers(len(probs)))] = 0.0
    call = f"perplexity({_fmt(with_zero)})"
    got = _number(student.perplexity(with_zero.tolist()), call)
    assert got == math.inf, f"{call} returned {got}: a token of probability 0 makes the perplexity math.inf"
    k = int(rng.integers(4, 7))
    call = f"perplexity([1 / {k}] * 30)"
    assert_close(_number(student.perplexity([1.0 / k] * 30), call), float(k), **TOL, what=call + " (a uniform model over k tokens)")

    initial, transition = _bigram(rng, 5)
    shown = f"initial={_fmt(initial)}, transition=<5x5, first row {_fmt(transition[0])}>"
    for n in (12, 25):
        seq = _walk(rng, initial, transition, n)
        call = f"sequence_perplexity({shown}, sequence={seq})"
        got = _number(student.sequence_perplexity(initial.tolist(), transition.tolist(), seq), call)
        want = _pp([initial[seq[0]]] + [transition[a, b] for a, b in zip(seq[:-1], seq[1:], strict=True)])
        inner = _pp([transition[a, b] for a, b in zip(seq[:-1], seq[1:], strict=True)])
        if math.isclose(got, inner, rel_tol=1e-9) and not math.isclose(want, inner, rel_tol=1e-6):
            raise AssertionError(
                f"{call} returned {got:.6g}, the perplexity of the transitions only: the first token counts too, "
                "with probability initial[sequence[0]] (N = len(sequence) probabilities)"
            )
        assert_close(got, want, **TOL, what=call)
    b = int(np.flatnonzero(transition[0] == 0)[0])
    seq = _walk(rng, initial, transition, 4) + [0, b]  # the step 0 -> b has probability 0
    call = f"sequence_perplexity({shown}, sequence={seq})"
    got = _number(student.sequence_perplexity(initial.tolist(), transition.tolist(), seq), call)
    assert got == math.inf, f"{call} returned {got}: the sequence contains a transition of probability 0"


# -- errors ------------------------------------------------------------------------------------------------


@shows_expected
@points(1)
def test_value_errors(student):
    cases = [
        (lambda: student.entropy([0.5, 0.6]), "entropy([0.5, 0.6])", "a distribution sums to 1"),
        (lambda: student.entropy([1.2, -0.2]), "entropy([1.2, -0.2])", "probabilities cannot be negative"),
        (lambda: student.entropy([0.5, 0.5], base=1), "entropy([0.5, 0.5], base=1)", "log base 1 is undefined"),
        (lambda: student.entropy([0.5, 0.5], base=-2), "entropy([0.5, 0.5], base=-2)", "the base must be positive"),
        (lambda: student.cross_entropy([0.5, 0.5], [0.2, 0.3, 0.5]), "cross_entropy([0.5, 0.5], [0.2, 0.3, 0.5])",
         "p and q must have the same length"),
        (lambda: student.kl_divergence([0.5, 0.5], [0.7, 0.7]), "kl_divergence([0.5, 0.5], [0.7, 0.7])", "q sums to 1.4"),
        (lambda: student.joint_entropy([[0.5, -0.1], [0.3, 0.3]]), "joint_entropy([[0.5, -0.1], [0.3, 0.3]])",
         "a table cannot hold a negative number"),
        (lambda: student.mutual_information([[0, 0], [0, 0]]), "mutual_information([[0, 0], [0, 0]])",
         "a table of zeros cannot be normalised"),
        (lambda: student.contingency_table([1, 2, 3], [1, 2]), "contingency_table([1, 2, 3], [1, 2])",
         "x and y must have the same length"),
        (lambda: student.perplexity([0.5, 1.5]), "perplexity([0.5, 1.5])", "a probability is at most 1"),
        (lambda: student.sequence_perplexity([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [0, 2]),
         "sequence_perplexity([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [0, 2])", "token 2 does not exist when k = 2"),
        (lambda: student.sequence_perplexity([0.5, 0.5], [[0.5, 0.5], [0.9, 0.5]], [0, 1]),
         "sequence_perplexity([0.5, 0.5], [[0.5, 0.5], [0.9, 0.5]], [0, 1])", "a row of transition sums to 1.4"),
    ]
    for func, call, why in cases:
        _raises(func, call, why)
