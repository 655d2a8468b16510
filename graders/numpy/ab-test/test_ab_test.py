"""Hidden grader for numpy/ab-test.

Counts, rates and seeds are drawn per submission with submission_rng; expected values come from the
grader's own formulas below (the simulation is replayed with the same int seed), so every test holds for
any draw.
"""

import math

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SQRT2 = math.sqrt(2.0)


# -- the grader's own answers ------------------------------------------------------------------------------


def _cdf(x):
    return 0.5 * math.erfc(-x / SQRT2)


def _ppf(p):
    low, high = -40.0, 40.0
    for _ in range(300):
        middle = (low + high) / 2
        low, high = (middle, high) if _cdf(middle) < p else (low, middle)
    return (low + high) / 2


def _ztest(ca, na, cb, nb, pooled=True):
    pa, pb = ca / na, cb / nb
    if pooled:
        pool = (ca + cb) / (na + nb)
        se = math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
    else:
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    if se == 0:
        return 0.0, 1.0
    z = (pb - pa) / se
    return z, math.erfc(abs(z) / SQRT2)


def _interval(ca, na, cb, nb, confidence, pooled=False):
    pa, pb = ca / na, cb / nb
    if pooled:
        pool = (ca + cb) / (na + nb)
        se = math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
    else:
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    margin = _ppf(0.5 + confidence / 2) * se
    return np.array([pb - pa - margin, pb - pa + margin])


def _n_exact(p1, mde, alpha, power, z_alpha=None):
    p2, p_bar = p1 + mde, p1 + mde / 2
    z_alpha = _ppf(1 - alpha / 2) if z_alpha is None else z_alpha
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + _ppf(power) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return root**2 / mde**2


def _peeking(p, n_per_arm, n_looks, n_experiments, alpha, seed):
    rng = np.random.default_rng(seed)
    ca = np.cumsum(rng.random((n_experiments, n_per_arm)) < p, axis=1)
    cb = np.cumsum(rng.random((n_experiments, n_per_arm)) < p, axis=1)
    significant = np.zeros((n_experiments, n_looks), dtype=bool)
    for j, seen in enumerate(k * n_per_arm // n_looks for k in range(1, n_looks + 1)):
        for i in range(n_experiments):
            significant[i, j] = _ztest(int(ca[i, seen - 1]), seen, int(cb[i, seen - 1]), seen)[1] < alpha
    return float(significant[:, -1].mean()), float(significant.any(axis=1).mean())


# -- helpers ---------------------------------------------------------------------------------------------------


def _pair(got, call, what):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{call} should return a tuple {what}, got {type(got).__name__}: {got!r:.200}"
    )
    for value in got:
        assert isinstance(value, (float, int)) and not isinstance(value, bool), (
            f"{call} should return two floats {what}, got {got!r:.200}"
        )
    return float(got[0]), float(got[1])


def _raises(func, call, why):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}; expected ValueError ({why})"
        return
    raise AssertionError(f"{call} returned {got!r:.200} instead of raising ValueError ({why})")


def _arms(rng, count):
    """Counts of realistic A/B tests: rates of 2% to 30%, 300 to 20000 visitors per arm, effects up to 30%."""
    arms = []
    for _ in range(count):
        rate = float(rng.uniform(0.02, 0.3))
        n_a, n_b = (int(v) for v in rng.integers(300, 20000, size=2))
        lift = float(rng.uniform(-0.3, 0.3))
        conv_a = int(rng.binomial(n_a, rate))
        conv_b = int(rng.binomial(n_b, min(rate * (1 + lift), 0.99)))
        arms.append((max(conv_a, 1), n_a, conv_b, n_b))
    return arms


# -- tests -------------------------------------------------------------------------------------------------------


@points(1)
def test_normal_cdf_and_ppf(student):
    rng = submission_rng("numpy/ab-test:normal")
    for x in [float(v) for v in rng.uniform(-6, 6, size=8)] + [0.0]:
        call = f"normal_cdf({x!r})"
        got = student.normal_cdf(x)
        assert_close(got, _cdf(x), rtol=1e-12, atol=1e-15, what=f"{call} (0.5 * erfc(-x / sqrt(2)))")
    for p in [float(v) for v in rng.uniform(0.0005, 0.9995, size=8)] + [0.5, 1e-6, 1 - 1e-6]:
        call = f"normal_ppf({p!r})"
        got = student.normal_ppf(p)
        assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
        assert abs(_cdf(got) - p) < 1e-9 or abs(got - _ppf(p)) < 1e-9, (
            f"{call} returned {got!r}, and normal_cdf of that is {_cdf(got)!r}, not {p!r}: refine the search until the "
            "interval is below about 1e-10"
        )
    for p in (0.0, 1.0, -0.2, 1.5):
        _raises(lambda q=p: student.normal_ppf(q), f"normal_ppf({p})", "a probability strictly between 0 and 1")


@shows_expected
@points(1)
def test_ztest_statement_example(student):
    call = "two_proportion_ztest(200, 2000, 250, 2000)"
    z, p_value = _pair(student.two_proportion_ztest(200, 2000, 250, 2000), call, "(z, p_value)")
    want_z, want_p = _ztest(200, 2000, 250, 2000)
    assert math.isclose(z, want_z, rel_tol=1e-9), (
        f"{call} returned z = {z!r}, expected {want_z!r}: (0.125 - 0.10) / sqrt(p_pool (1 - p_pool) (1/2000 + 1/2000)) "
        "with p_pool = 450 / 4000"
    )
    assert math.isclose(p_value, want_p, rel_tol=1e-7), (
        f"{call} returned p = {p_value!r}, expected {want_p!r} (two-sided: 2 * (1 - Phi(|z|)))"
    )


@points(2)
def test_ztest_drawn_counts(student):
    rng = submission_rng("numpy/ab-test:ztest")
    for conv_a, n_a, conv_b, n_b in _arms(rng, 12):
        call = f"two_proportion_ztest({conv_a}, {n_a}, {conv_b}, {n_b})"
        z, p_value = _pair(student.two_proportion_ztest(conv_a, n_a, conv_b, n_b), call, "(z, p_value)")
        want_z, want_p = _ztest(conv_a, n_a, conv_b, n_b)
        unpooled_z = _ztest(conv_a, n_a, conv_b, n_b, pooled=False)[0]
        if abs(z + want_z) < 1e-9 * abs(want_z) and abs(want_z) > 1e-6:
            raise AssertionError(f"{call} returned z = {z:.6g}: the sign is flipped; z is (p_b - p_a) / se, B minus A")
        if math.isclose(z, unpooled_z, rel_tol=1e-9) and not math.isclose(z, want_z, rel_tol=1e-6):
            raise AssertionError(
                f"{call} returned z = {z:.6g}, computed with the UNPOOLED standard error; the test assumes H0 (one shared "
                "rate), so pool: p_pool = (conv_a + conv_b) / (n_a + n_b)"
            )
        assert math.isclose(z, want_z, rel_tol=1e-9, abs_tol=1e-12), f"{call} returned z = {z!r}, expected {expected(want_z)}"
        if math.isclose(p_value, want_p / 2, rel_tol=1e-7) or math.isclose(p_value, 1 - want_p / 2, rel_tol=1e-7):
            raise AssertionError(
                f"{call} returned p = {p_value:.6g}: one tail only. The test is two-sided, a difference either way counts: "
                "p = 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt(2))"
            )
        assert_close(p_value, want_p, rtol=1e-6, atol=1e-12, what=f"{call}: the two-sided p-value")


@points(1)
def test_ztest_edge_cases(student):
    rng = submission_rng("numpy/ab-test:edges")
    n_a, n_b = (int(v) for v in rng.integers(50, 500, size=2))
    for conv_a, conv_b in [(0, 0), (n_a, n_b)]:
        call = f"two_proportion_ztest({conv_a}, {n_a}, {conv_b}, {n_b})"
        got = _pair(student.two_proportion_ztest(conv_a, n_a, conv_b, n_b), call, "(z, p_value)")
        assert got == (0.0, 1.0), (
            f"{call} returned {got!r}: both arms at the same extreme rate make the pooled standard error 0; return "
            "(0.0, 1.0), no evidence of a difference"
        )
    call = f"two_proportion_ztest(7, {n_a}, 7, {n_a})"
    z, p_value = _pair(student.two_proportion_ztest(7, n_a, 7, n_a), call, "(z, p_value)")
    assert abs(z) < 1e-12 and abs(p_value - 1.0) < 1e-12, f"{call} returned {(z, p_value)!r}: equal rates give z = 0 and p = 1"
    bad = [(5, 0, 3, 10), (11, 10, 3, 10), (-1, 10, 3, 10), (3, 10, 12, 10), (3, 10, 2, -4)]
    for args in bad:
        _raises(lambda a=args: student.two_proportion_ztest(*a), f"two_proportion_ztest{args}",
                "each arm needs n > 0 and 0 <= conversions <= n")


@points(2)
def test_diff_confidence_interval(student):
    rng = submission_rng("numpy/ab-test:interval")
    levels = [0.95, 0.9, 0.99, round(float(rng.uniform(0.6, 0.85)), 3)]
    for (conv_a, n_a, conv_b, n_b), confidence in zip(_arms(rng, 4), levels, strict=True):
        call = f"diff_confidence_interval({conv_a}, {n_a}, {conv_b}, {n_b}, confidence={confidence})"
        got = np.array(_pair(student.diff_confidence_interval(conv_a, n_a, conv_b, n_b, confidence), call, "(low, high)"))
        centre = conv_b / n_b - conv_a / n_a
        assert abs(got.mean() - centre) < 1e-9, (
            f"{call} returned {got.round(6).tolist()}, centred on {got.mean():.6g}; the interval is centred on the observed "
            f"difference p_b - p_a = {centre:.6g}"
        )
        want = _interval(conv_a, n_a, conv_b, n_b, confidence)
        pooled = _interval(conv_a, n_a, conv_b, n_b, confidence, pooled=True)
        # Where the two drawn rates are nearly equal, the pooled interval agrees with the right one to within
        # allclose's atol (1e-8), and the right answer would be named pooled: name the mistake only for an answer
        # that also misses the right interval (the check below holds every answer to the unpooled one).
        if np.allclose(got, pooled, rtol=1e-9) and not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            raise AssertionError(
                f"{call} uses the POOLED standard error; the interval does not assume equal rates: use "
                "sqrt(p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b)"
            )
        one_sided = _interval(conv_a, n_a, conv_b, n_b, 2 * confidence - 1)
        if np.allclose(got, one_sided, rtol=1e-9):
            raise AssertionError(
                f"{call}: the margin uses normal_ppf(confidence); a two-sided interval puts (1 - confidence) / 2 in each "
                "tail: normal_ppf((1 + confidence) / 2)"
            )
        assert_close(got, want, rtol=1e-9, atol=1e-12,
                     what=f"{call} ((p_b - p_a) +/- normal_ppf((1 + confidence) / 2) * unpooled se)")
    _raises(lambda: student.diff_confidence_interval(10, 100, 12, 100, 1.0),
            "diff_confidence_interval(10, 100, 12, 100, confidence=1.0)", "confidence is strictly between 0 and 1")


@points(1)
def test_relative_lift(student):
    rng = submission_rng("numpy/ab-test:lift")
    for conv_a, n_a, conv_b, n_b in _arms(rng, 5):
        call = f"relative_lift({conv_a}, {n_a}, {conv_b}, {n_b})"
        got = student.relative_lift(conv_a, n_a, conv_b, n_b)
        pa, pb = conv_a / n_a, conv_b / n_b
        if math.isclose(got, (pb - pa) / pb, rel_tol=1e-9) and not math.isclose(pb, pa):
            raise AssertionError(f"{call} returned {got:.6g}: divided by p_b; the lift is relative to the baseline A")
        if math.isclose(got, pb - pa, rel_tol=1e-9) and not math.isclose(pb, pa):  # equal rates: both are 0
            raise AssertionError(f"{call} returned {got:.6g}, the absolute difference p_b - p_a; divide it by p_a")
        assert_close(got, (pb - pa) / pa, rtol=1e-9, atol=1e-12, what=f"{call} ((p_b - p_a) / p_a)")
    _raises(lambda: student.relative_lift(0, 500, 4, 500), "relative_lift(0, 500, 4, 500)", "a lift over a 0% baseline is undefined")


@points(2)
def test_sample_size_per_arm(student):
    rng = submission_rng("numpy/ab-test:sample-size")
    cases = [(0.10, 0.02, 0.05, 0.8)]
    while len(cases) < 7:
        p1 = round(float(rng.uniform(0.02, 0.5)), 3)
        mde = round(float(rng.uniform(0.05, 0.3)) * p1 * float(rng.choice([1, -1])), 4)
        alpha = float(rng.choice([0.01, 0.05, 0.1]))
        power = float(rng.choice([0.8, 0.9, 0.95]))
        exact = _n_exact(p1, mde, alpha, power)
        if mde != 0 and abs(exact - round(exact)) > max(1e-3, 1e-8 * exact):  # no case sits on a rounding edge
            cases.append((p1, mde, alpha, power))
    for p1, mde, alpha, power in cases:
        call = f"sample_size_per_arm({p1}, {mde}, alpha={alpha}, power={power})"
        got = student.sample_size_per_arm(p1, mde, alpha=alpha, power=power)
        assert isinstance(got, int) and not isinstance(got, bool), f"{call} should return an int, got {type(got).__name__}: {got!r:.100}"
        exact = _n_exact(p1, mde, alpha, power)
        if got == math.ceil(_n_exact(p1, mde, alpha, power, z_alpha=_ppf(1 - alpha))) != math.ceil(exact):
            raise AssertionError(
                f"{call} returned {got}: that uses z_(1 - alpha), a one-sided test; the test is two-sided, so use "
                "normal_ppf(1 - alpha / 2)"
            )
        if got in (math.floor(exact), round(exact)) and got != math.ceil(exact):
            raise AssertionError(f"{call} returned {got}: round UP (math.ceil), or the test falls just short of the power")
        assert got == math.ceil(exact), f"{call} returned {got}, expected {expected(math.ceil(exact))}"
    for args in [(0.1, 0.0), (0.0, 0.02), (0.95, 0.1), (0.1, 0.02, 0.0, 0.8), (0.1, 0.02, 0.05, 1.0)]:
        _raises(lambda a=args: student.sample_size_per_arm(*a), f"sample_size_per_arm{args}",
                "mde != 0, both rates strictly between 0 and 1, alpha and power strictly between 0 and 1")


@points(2)
def test_simulate_peeking(student):
    rng = submission_rng("numpy/ab-test:peeking")
    p = round(float(rng.uniform(0.05, 0.3)), 3)
    n_looks = int(rng.choice([5, 8, 10]))
    seed = int(rng.integers(0, 2**31 - 1))
    call = f"simulate_peeking({p}, n_per_arm=400, n_looks={n_looks}, n_experiments=800, alpha=0.05, rng={seed})"
    got = student.simulate_peeking(p, 400, n_looks, 800, 0.05, seed)
    assert isinstance(got, dict) and set(got) == {"fixed", "peeking"}, (
        f"{call} returned {got!r:.200}; expected a dict with the keys 'fixed' and 'peeking'"
    )
    fixed, peeking = float(got["fixed"]), float(got["peeking"])
    assert peeking >= fixed, (
        f"{call} returned fixed={fixed:.4g} > peeking={peeking:.4g}; the last look is one of the looks, so stopping at any "
        "significant look rejects at least as often"
    )
    want_fixed, want_peeking = _peeking(p, 400, n_looks, 800, 0.05, seed)
    assert abs(fixed - want_fixed) <= 2 / 800, (
        f"{call} returned fixed={fixed:.4g}, expected {expected(want_fixed)}: draw a = rng.random((800, 400)) < p, then b "
        "the same way, and test the conversions of all 400 visitors per arm at the last look"
    )
    assert abs(peeking - want_peeking) <= 2 / 800, (
        f"{call} returned peeking={peeking:.4g}, expected {expected(want_peeking)}: look after the first "
        "k * n_per_arm // n_looks visitors of each arm, k = 1..n_looks, and count an experiment once if any look has "
        "p < alpha"
    )
    _raises(lambda: student.simulate_peeking(0.1, 10, 20, 5, 0.05, 0), "simulate_peeking(0.1, 10, n_looks=20, ...)",
            "there cannot be more looks than visitors per arm")
