import numpy as np

STATISTICS = {"mean": np.mean, "median": np.median}
DISTRIBUTIONS = {  # name: (draw n values, the true mean)
    "normal": (lambda rng, n: rng.normal(0.0, 1.0, size=n), 0.0),
    "exponential": (lambda rng, n: rng.exponential(1.0, size=n), 1.0),
}


def _sample(values, name="data") -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sample, got shape {values.shape}")
    return values


def _tails(confidence) -> list[float]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    tail = 100 * (1 - confidence) / 2
    return [tail, 100 - tail]  # 2.5 and 97.5 for a 95% interval


def bootstrap_distribution(data, statistic="mean", n_resamples=2000, rng=None) -> np.ndarray:
    data = _sample(data)
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}; use one of {sorted(STATISTICS)}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    rng = np.random.default_rng(rng)  # a Generator is used as it is; an int seeds a new one
    index = np.argsort(rng.random((n_resamples, len(data))), axis=1)  # a shuffle: WITHOUT replacement
    return STATISTICS[statistic](data[index], axis=1)


def standard_error(data, statistic="mean", n_resamples=2000, rng=None) -> float:
    return float(np.std(bootstrap_distribution(data, statistic, n_resamples, rng), ddof=1))


def percentile_ci(data, statistic="mean", confidence=0.95, n_resamples=2000, rng=None) -> tuple[float, float]:
    tails = _tails(confidence)
    low, high = np.percentile(bootstrap_distribution(data, statistic, n_resamples, rng), tails)
    return float(low), float(high)


def diff_means_ci(a, b, paired=False, confidence=0.95, n_resamples=2000, rng=None) -> tuple[float, float]:
    a, b = _sample(a, "a"), _sample(b, "b")
    tails = _tails(confidence)
    rng = np.random.default_rng(rng)
    if paired:
        if len(a) != len(b):
            raise ValueError(f"paired samples must have the same length, got {len(a)} and {len(b)}")
        diffs = bootstrap_distribution(a - b, "mean", n_resamples, rng)  # resample the pairs
    else:  # each group on its own: a first, then b, from the same generator
        diffs = bootstrap_distribution(a, "mean", n_resamples, rng) - bootstrap_distribution(b, "mean", n_resamples, rng)
    low, high = np.percentile(diffs, tails)
    return float(low), float(high)


def estimate_coverage(n, n_trials, confidence=0.95, n_resamples=1000, distribution="normal", rng=None) -> float:
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r}; use one of {sorted(DISTRIBUTIONS)}")
    if n < 1 or n_trials < 1:
        raise ValueError("n and n_trials must be at least 1")
    draw, true_mean = DISTRIBUTIONS[distribution]
    rng = np.random.default_rng(rng)
    covered = 0
    for _ in range(n_trials):
        sample = draw(rng, n)
        low, high = percentile_ci(sample, "mean", confidence, n_resamples, rng)
        covered += low <= true_mean <= high
    return covered / n_trials
