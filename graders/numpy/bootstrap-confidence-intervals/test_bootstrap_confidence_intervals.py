"""Hidden grader for numpy/bootstrap-confidence-intervals.

Data and seeds are drawn per submission with submission_rng; the grader replays the README's resampling
protocol with the same int seeds (`_boot` and friends below) and compares, so every test holds for any draw.
"""

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, submission_rng

STATS = {"mean": np.mean, "median": np.median}


# -- the grader's replay of the README's protocol ------------------------------------------------------------


def _boot(data, statistic, n_resamples, rng):
    rng = np.random.default_rng(rng)
    data = np.asarray(data, dtype=float)
    index = rng.integers(0, len(data), size=(n_resamples, len(data)))
    return STATS[statistic](data[index], axis=1)


def _tails(confidence):
    tail = 100 * (1 - confidence) / 2
    return [tail, 100 - tail]


def _ci(data, statistic, confidence, n_resamples, seed):
    return np.percentile(_boot(data, statistic, n_resamples, seed), _tails(confidence))


def _diff_ci(a, b, paired, confidence, n_resamples, seed):
    rng = np.random.default_rng(seed)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        diffs = _boot(a - b, "mean", n_resamples, rng)
    else:
        diffs = _boot(a, "mean", n_resamples, rng) - _boot(b, "mean", n_resamples, rng)
    return np.percentile(diffs, _tails(confidence))


def _coverage(n, n_trials, confidence, n_resamples, distribution, seed):
    rng = np.random.default_rng(seed)
    covered = 0
    for _ in range(n_trials):
        if distribution == "normal":
            sample, truth = rng.normal(0.0, 1.0, size=n), 0.0
        else:
            sample, truth = rng.exponential(1.0, size=n), 1.0
        low, high = _ci(sample, "mean", confidence, n_resamples, rng)
        covered += low <= truth <= high
    return covered / n_trials


# -- helpers for messages ----------------------------------------------------------------------------------


def _seed(rng):
    return int(rng.integers(0, 2**31 - 1))


def _interval(got, call):
    assert isinstance(got, (tuple, list, np.ndarray)) and len(got) == 2, (
        f"{call} should return a tuple (low, high) of two floats, got {type(got).__name__}: {got!r:.200}"
    )
    low, high = (float(v) for v in got)
    assert low <= high, f"{call} returned ({low:.6g}, {high:.6g}): low should not be above high"
    return np.array([low, high])


def _raises(func, call, why):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}; expected ValueError ({why})"
        return
    raise AssertionError(f"{call} returned {got!r:.200} instead of raising ValueError ({why})")


# -- tests ---------------------------------------------------------------------------------------------------


@points(2)
def test_bootstrap_distribution_replays(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:distribution")
    for n, n_resamples, statistic in [(15, 400, "mean"), (40, 1000, "mean"), (24, 600, "median")]:
        data = np.round(rng.normal(50, 10, size=n), 2)
        seed = _seed(rng)
        call = f"bootstrap_distribution(<{n} values>, {statistic!r}, n_resamples={n_resamples}, rng={seed})"
        got = np.asarray(student.bootstrap_distribution(data.tolist(), statistic, n_resamples, seed), dtype=float)
        assert got.shape == (n_resamples,), f"{call} returned shape {got.shape}, expected ({n_resamples},): one statistic per resample"
        if statistic == "mean" and np.ptp(got) < 1e-9:
            raise AssertionError(
                f"{call}: all {n_resamples} resampled means are {got[0]:.6g}, the mean of the data. Resampling WITHOUT "
                "replacement only shuffles the data, so every resample has the same mean; draw indices with "
                "replacement (rng.integers(0, n, size=(n_resamples, n)))"
            )
        want = _boot(data, statistic, n_resamples, seed)
        if not np.allclose(got, want, rtol=1e-12, atol=1e-12) and np.allclose(np.sort(got), np.sort(want), rtol=1e-12):
            raise AssertionError(f"{call}: the right resamples in another order; row b of the index array is resample b")
        assert_close(got, want, rtol=1e-12, atol=1e-12, what=(
            f"{call} (rng = np.random.default_rng(rng), then ONE call rng.integers(0, n, size=(n_resamples, n)); "
            f"the {statistic} of each row of data[index])"
        ))
        again = np.asarray(student.bootstrap_distribution(data.tolist(), statistic, n_resamples, seed), dtype=float)
        assert np.array_equal(again, got), f"{call} gave different results on a second call with the same seed"


@points(1)
def test_invalid_arguments(student):
    data = [1.0, 2.0, 4.0, 8.0]
    cases = [
        (lambda: student.bootstrap_distribution(data, "mode", 10, 0), "bootstrap_distribution(data, 'mode', 10, 0)",
         "the statistic is 'mean' or 'median'"),
        (lambda: student.bootstrap_distribution([], "mean", 10, 0), "bootstrap_distribution([], 'mean', 10, 0)",
         "there is nothing to resample"),
        (lambda: student.bootstrap_distribution([[1.0, 2.0], [3.0, 4.0]], "mean", 10, 0),
         "bootstrap_distribution([[1, 2], [3, 4]], 'mean', 10, 0)", "data must be 1-D"),
        (lambda: student.bootstrap_distribution(data, "mean", 0, 0), "bootstrap_distribution(data, 'mean', 0, 0)",
         "n_resamples must be at least 1"),
    ]
    for confidence in (0.0, 1.0, 95):
        cases.append((lambda c=confidence: student.percentile_ci(data, "mean", c, 10, 0),
                      f"percentile_ci(data, 'mean', confidence={confidence}, n_resamples=10, rng=0)",
                      "confidence is strictly between 0 and 1 (95% is 0.95)"))
    for func, call, why in cases:
        _raises(func, call, why)


@points(1)
def test_standard_error(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:se")
    for n, statistic in [(30, "mean"), (21, "median")]:
        data = rng.gamma(2.0, 3.0, size=n)
        seed = _seed(rng)
        call = f"standard_error(<{n} values>, {statistic!r}, n_resamples=800, rng={seed})"
        got = student.standard_error(data, statistic, 800, seed)
        assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
        boot = _boot(data, statistic, 800, seed)
        if abs(got - np.std(data, ddof=1)) < 1e-9 or abs(got - np.std(data)) < 1e-9:
            raise AssertionError(
                f"{call} returned {got:.6g}, the standard deviation of the DATA; the standard error is the spread of "
                "the statistic across resamples: the std of the bootstrap distribution"
            )
        if abs(got - np.std(boot)) < 1e-12 and abs(np.std(boot) - np.std(boot, ddof=1)) > 1e-12:
            raise AssertionError(f"{call} returned {got:.6g}: the std of the bootstrap distribution, but with ddof=0; use ddof=1")
        assert_close(got, np.std(boot, ddof=1), rtol=1e-9, what=f"{call} (the std, ddof=1, of the bootstrap distribution)")


@points(2)
def test_percentile_ci(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:ci")
    levels = [0.95, 0.9, round(float(rng.uniform(0.6, 0.85)), 3)]
    for confidence, statistic in zip(levels, ["mean", "median", "mean"], strict=True):
        data = np.round(rng.lognormal(3.0, 0.5, size=int(rng.integers(20, 50))), 3)
        seed = _seed(rng)
        call = f"percentile_ci(<{len(data)} values>, {statistic!r}, confidence={confidence}, n_resamples=1500, rng={seed})"
        got = _interval(student.percentile_ci(data, statistic, confidence, 1500, seed), call)
        boot = _boot(data, statistic, 1500, seed)
        one_tail = np.percentile(boot, [100 * (1 - confidence), 100 * confidence])
        if np.allclose(got, one_tail, rtol=1e-9) and not np.allclose(one_tail, np.percentile(boot, _tails(confidence))):
            raise AssertionError(
                f"{call} returned {np.round(got, 6).tolist()}: the {100 * (1 - confidence):g}th and {100 * confidence:g}th "
                f"percentiles, which leave {100 * (1 - confidence):g}% out on EACH side (an interval of "
                f"{100 * (2 * confidence - 1):g}%); split 1 - confidence between the two tails"
            )
        assert_close(got, np.percentile(boot, _tails(confidence)), rtol=1e-9, atol=1e-12, what=(
            f"{call} (the {100 * (1 - confidence) / 2:g}th and {100 * (1 + confidence) / 2:g}th percentiles of the "
            "bootstrap distribution)"
        ))


@points(2)
def test_diff_means_independent_groups(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:unpaired")
    gap = float(rng.uniform(3.0, 5.0))
    a = np.round(rng.normal(20.0 + gap, 2.0, size=35), 2)
    b = np.round(rng.normal(20.0, 2.0, size=50), 2)
    seed = _seed(rng)
    call = f"diff_means_ci(<35 values>, <50 values>, paired=False, confidence=0.95, n_resamples=1500, rng={seed})"
    got = _interval(student.diff_means_ci(a, b, False, 0.95, 1500, seed), call)
    observed = a.mean() - b.mean()
    if got[0] <= 0.0 <= got[1]:
        raise AssertionError(
            f"{call} returned {np.round(got, 4).tolist()}, which contains 0 although mean(a) - mean(b) = {observed:.4g} and "
            "that is several standard errors away from 0: did you resample the two groups pooled together? Resample a on its own and b "
            "on its own, then subtract"
        )
    assert_close(got, _diff_ci(a, b, False, 0.95, 1500, seed), rtol=1e-9, atol=1e-12, what=(
        f"{call} (bootstrap_distribution(a, 'mean', ...) then bootstrap_distribution(b, 'mean', ...) with the same "
        "generator; percentiles of the differences)"
    ))
    a, b = np.round(rng.normal(5.0, 1.0, size=20), 2), np.round(rng.normal(4.0, 1.5, size=20), 2)
    seed = _seed(rng)
    call = f"diff_means_ci(<20 values>, <20 values>, paired=False, confidence=0.9, n_resamples=1000, rng={seed})"
    got = _interval(student.diff_means_ci(a, b, False, 0.9, 1000, seed), call)
    if np.allclose(got, _diff_ci(a, b, True, 0.9, 1000, seed), rtol=1e-9):
        raise AssertionError(
            f"{call}: this is the PAIRED interval (one set of indices for both groups); independent groups are resampled "
            "each with its own indices, a first and then b"
        )
    assert_close(got, _diff_ci(a, b, False, 0.9, 1000, seed), rtol=1e-9, atol=1e-12, what=f"{call} (equal sizes, not paired)")


@points(1)
def test_diff_means_paired(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:paired")
    base = rng.normal(100.0, 15.0, size=25)
    a = np.round(base + rng.normal(1.5, 1.0, size=25), 2)
    b = np.round(base, 2)
    seed = _seed(rng)
    call = f"diff_means_ci(<25 values>, <25 values>, paired=True, confidence=0.95, n_resamples=1200, rng={seed})"
    got = _interval(student.diff_means_ci(a, b, True, 0.95, 1200, seed), call)
    unpaired = _diff_ci(a, b, False, 0.95, 1200, seed)
    if np.allclose(got, unpaired, rtol=1e-9):
        raise AssertionError(
            f"{call} returned {np.round(got, 4).tolist()}, the UNPAIRED interval: with paired=True resample the pairs, "
            "i.e. the mean of a - b"
        )
    assert_close(got, _diff_ci(a, b, True, 0.95, 1200, seed), rtol=1e-9, atol=1e-12,
                 what=f"{call} (the percentile interval of the bootstrap distribution of mean(a - b))")
    _raises(lambda: student.diff_means_ci(a, b[:-1], True, 0.95, 100, seed),
            "diff_means_ci(<25 values>, <24 values>, paired=True, ...)", "pairs need two samples of the same length")


@points(2)
def test_estimate_coverage(student):
    rng = submission_rng("numpy/bootstrap-confidence-intervals:coverage")
    cases = [(12, 150, float(rng.choice([0.8, 0.9, 0.95])), 300, "normal"), (8, 150, 0.9, 300, "exponential")]
    for n, n_trials, confidence, n_resamples, distribution in cases:
        seed = _seed(rng)
        call = f"estimate_coverage({n}, {n_trials}, confidence={confidence}, n_resamples={n_resamples}, distribution={distribution!r}, rng={seed})"
        got = student.estimate_coverage(n, n_trials, confidence, n_resamples, distribution, seed)
        assert isinstance(got, float), f"{call} should return a float (a fraction of trials), got {type(got).__name__}: {got!r:.100}"
        assert 0.0 <= got <= 1.0, f"{call} returned {got}: a fraction of trials lies between 0 and 1"
        want = _coverage(n, n_trials, confidence, n_resamples, distribution, seed)
        assert abs(got - want) <= 1.0 / n_trials + 1e-12, (
            f"{call} returned {got}, expected {expected(want)}: per trial draw the sample first (rng.normal(0, 1, n) or "
            "rng.exponential(1, n)), then call percentile_ci with the SAME generator, and count low <= true mean <= high"
        )
    _raises(lambda: student.estimate_coverage(10, 5, 0.95, 50, "uniform", 0),
            "estimate_coverage(10, 5, 0.95, 50, 'uniform', 0)", "the distribution is 'normal' or 'exponential'")
