"""Hidden grader for mlops/drift-monitoring.

Reference and production samples are drawn per submission (`submission_rng`) with known shifts; the
expected values come from the grader's own short implementation below (`_edges`, `_psi`, `_ks`, ...).
"""

import math

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "mlops/drift-monitoring"


# --------------------------------------------------------------------------- the grader's own computation


def _edges(reference, n_bins=10):
    inner = np.unique(np.quantile(np.asarray(reference, dtype=float), np.linspace(0, 1, n_bins + 1)[1:-1]))
    return np.concatenate([[-np.inf], inner, [np.inf]])


def _shares(values, edges):
    index = np.digitize(np.asarray(values, dtype=float), edges[1:-1])
    return np.bincount(index, minlength=len(edges) - 1) / len(values)


def _psi_of(e, a, eps=1e-4):
    e, a = np.maximum(e, eps), np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi(reference, production, n_bins=10, eps=1e-4):
    edges = _edges(reference, n_bins)
    return _psi_of(_shares(reference, edges), _shares(production, edges), eps)


def _categorical_psi(reference, production, eps=1e-4):
    cats = sorted(set(reference) | set(production))
    e = np.array([list(reference).count(c) for c in cats]) / len(reference)
    a = np.array([list(production).count(c) for c in cats]) / len(production)
    return _psi_of(e, a, eps)


def _ks(a, b):
    a, b = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    x = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, x, "right") / len(a) - np.searchsorted(b, x, "right") / len(b))))


def _ks_at_first_sample_only(a, b):
    a, b = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    return float(np.max(np.abs(np.searchsorted(a, a, "right") / len(a) - np.searchsorted(b, a, "right") / len(b))))


def _pvalue(d, n, m):
    lam = d * math.sqrt(n * m / (n + m))
    if lam < 0.2:
        return 1.0
    j = np.arange(1, 101)
    return float(min(1.0, max(0.0, 2 * np.sum((-1.0) ** (j - 1) * np.exp(-2 * j**2 * lam**2)))))


def _report(reference, window, categorical, n_bins=10, threshold=0.2, alpha=0.01):
    features = {}
    for name, ref in reference.items():
        prod = [v for batch in window for v in list(batch[name])]
        if name in categorical:
            score = _categorical_psi(ref, prod)
            features[name] = {"kind": "categorical", "psi": score, "drift": score > threshold}
        else:
            score, d = _psi(ref, prod, n_bins), _ks(ref, prod)
            p = _pvalue(d, len(ref), len(prod))
            features[name] = {"kind": "numeric", "psi": score, "ks": d, "p_value": p,
                              "drift": score > threshold or p < alpha}
    return {"window_batches": len(window), "n_production": sum(len(b["age"]) for b in window),
            "features": features, "drifted": sorted(n for n, f in features.items() if f["drift"])}


# --------------------------------------------------------------------------- hidden data, per submission

CATEGORICAL = ["plan", "country"]


def _reference(rng, n=1500):
    return {
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(10, 0.5, n),
        "latency_ms": rng.normal(100, 15, n),
        "sessions": rng.poisson(3, n).astype(float),
        "plan": list(rng.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1])),
        "country": list(rng.choice(["de", "fr", "it", "es"], n, p=[0.4, 0.3, 0.2, 0.1])),
    }


def _batch(rng, rows=200, age_shift=0.0):
    """A production batch: income up 40%, latency twice as spread out, a new plan; age and sessions stable."""
    return {
        "age": rng.normal(40 + age_shift, 10, rows),
        "income": rng.lognormal(10, 0.5, rows) * 1.4,
        "latency_ms": rng.normal(100, 30, rows),
        "sessions": rng.poisson(3, rows).astype(float),
        "plan": list(rng.choice(["free", "pro", "team", "enterprise"], rows, p=[0.45, 0.3, 0.1, 0.15])),
        "country": list(rng.choice(["de", "fr", "it", "es"], rows, p=[0.4, 0.3, 0.2, 0.1])),
    }


def _float(got, call):
    assert isinstance(got, (int, float)) and not isinstance(got, bool), (
        f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
    )
    got = float(got)
    assert math.isfinite(got), (
        f"{call} returned {got}: a bin or category that is empty on one side gives ln(0); replace every "
        "proportion below eps by eps before taking the logarithm"
    )
    return got


def _array(got, call):
    assert isinstance(got, (np.ndarray, list, tuple)), f"{call} should return an array, got {type(got).__name__}"
    return np.asarray(got, dtype=float)


# --------------------------------------------------------------------------- tests


@shows_expected
@points(1)
def test_bin_edges_small_examples(student):
    ref = [4, 8, 15, 16, 23, 42, 7, 1, 9, 10]
    call = f"quantile_bin_edges({ref}, n_bins=5)"
    got = _array(student.quantile_bin_edges(ref, 5), call)
    want = [-math.inf, 6.4, 8.6, 12.0, 17.4, math.inf]
    assert got.shape == (6,) and np.isinf(got[0]) and got[0] < 0 and np.isinf(got[-1]) and got[-1] > 0, (
        f"{call} returned {got.tolist()}, expected 6 edges from -inf to +inf: {want}"
    )
    assert_close(got[1:-1], want[1:-1], rtol=1e-12, what=f"the inner edges of {call} (np.quantile at 0.2, 0.4, 0.6, 0.8)")
    ref = [0, 0, 0, 0, 0, 0, 1, 1, 2, 5]
    call = f"quantile_bin_edges({ref}, n_bins=4)"
    got = _array(student.quantile_bin_edges(ref, 4), call)
    assert got.tolist() == [-math.inf, 0.0, 1.0, math.inf], (
        f"{call} returned {got.tolist()}, expected [-inf, 0.0, 1.0, inf]: the quantiles are 0, 0 and 1, and equal "
        "edges are kept once"
    )
    edges = np.array([-np.inf, 0.0, 1.0, np.inf])
    values = [-3.0, 0.0, 0.5, 1.0, 9.0, 1.0, 0.99, -0.01]
    call = f"bin_proportions({values}, [-inf, 0, 1, inf])"
    got = _array(student.bin_proportions(values, edges), call)
    assert_close(got, [0.25, 0.375, 0.375], rtol=1e-12, what=f"{call} (bin i is edges[i] <= v < edges[i+1])")


@points(1)
def test_bin_edges_and_proportions_on_random_data(student):
    rng = submission_rng(f"{SLUG}:edges")
    reference = np.round(rng.normal(50, 12, 400), 1)  # rounded: some values repeat
    production = np.round(rng.normal(56, 12, 300), 1)
    for n_bins in (10, 4, 7):
        call = f"quantile_bin_edges(<400 reference values>, n_bins={n_bins})"
        got = _array(student.quantile_bin_edges(reference, n_bins), call)
        want = _edges(reference, n_bins)
        assert got.shape == want.shape, f"{call} returned {len(got)} edges, expected {expected(len(want))}"
        assert got[0] == -np.inf and got[-1] == np.inf, f"{call} should start at -inf and end at +inf, got {got[0]} .. {got[-1]}"
        assert_close(got[1:-1], want[1:-1], rtol=1e-12, what=f"the inner edges of {call} (the reference's quantiles)")
        call = f"bin_proportions(<300 production values>, quantile_bin_edges(reference, {n_bins}))"
        got = _array(student.bin_proportions(production, want), call)
        assert_close(got, _shares(production, want), atol=1e-12, what=call)
    ties = np.repeat([1.0, 2.0, 3.0, 10.0], [50, 30, 15, 5])
    rng.shuffle(ties)
    call = "quantile_bin_edges(<100 values, only 1, 2, 3 and 10>, n_bins=10)"
    got = _array(student.quantile_bin_edges(ties, 10), call)
    want = _edges(ties, 10)
    assert got.shape == want.shape, (
        f"{call} returned {len(got)} edges ({got.tolist()}); equal quantiles should be kept once, "
        f"giving {expected(len(want))}"
    )
    assert_close(got[1:-1], want[1:-1], rtol=1e-12, what=call)


@points(2)
def test_psi_on_shifted_data(student):
    rng = submission_rng(f"{SLUG}:psi")
    reference = rng.normal(0, 1, 2000)
    cases = [
        ("the same distribution", rng.normal(0, 1, 1500), 10),
        ("a mean shifted by 0.5", rng.normal(0.5, 1, 1500), 10),
        ("a spread twice as wide", rng.normal(0, 2, 1500), 10),
        ("a mean shifted by 5 (most bins empty)", rng.normal(5, 1, 800), 10),
        ("a mean shifted by 0.3, 5 bins", rng.normal(0.3, 1, 1000), 5),
    ]
    scores = {}
    for what, production, n_bins in cases:
        call = f"psi(<2000 values from N(0, 1)>, <{len(production)} values: {what}>, n_bins={n_bins})"
        got = _float(student.psi(reference, production, n_bins), call)
        want = _psi(reference, production, n_bins)
        edges = _edges(production, n_bins)
        if not math.isclose(got, want, rel_tol=1e-9) and math.isclose(
            got, _psi_of(_shares(reference, edges), _shares(production, edges)), rel_tol=1e-6
        ):
            raise AssertionError(
                f"{call} returned {got:.6g}, the PSI on bins cut at the PRODUCTION sample's quantiles. The bins "
                "come from the reference (the distribution the model was trained on): the question is how far "
                "production has moved from it, so the same reference bins must be used for every window"
            )
        assert_close(got, want, rtol=1e-9, what=call)
        scores[what] = got
    unshifted, big = scores["the same distribution"], scores["a mean shifted by 5 (most bins empty)"]
    assert unshifted < 0.1 < big, f"psi gave {unshifted:.4g} for an unshifted sample and {big:.4g} for a large shift"
    call = "psi(reference, reference[:500])"
    got = _float(student.psi(reference, reference[:500]), call)
    assert_close(got, _psi(reference, reference[:500]), rtol=1e-9, what=call)
    call = "psi(<2000 values>, <800 values>, n_bins=10, eps=0.01)"
    got = _float(student.psi(reference, cases[3][1], 10, 0.01), call)
    assert_close(got, _psi(reference, cases[3][1], 10, 0.01), rtol=1e-9, what=f"{call} (the eps argument)")


@points(1)
def test_categorical_psi_with_new_and_gone_categories(student):
    rng = submission_rng(f"{SLUG}:categorical")
    reference = list(rng.choice(["red", "green", "blue", "grey"], 600, p=[0.4, 0.3, 0.2, 0.1]))
    cases = [
        ("the same shares", list(rng.choice(["red", "green", "blue", "grey"], 400, p=[0.4, 0.3, 0.2, 0.1]))),
        ("a new category 'pink'", list(rng.choice(["red", "green", "blue", "grey", "pink"], 400,
                                                  p=[0.3, 0.25, 0.2, 0.1, 0.15]))),
        ("'grey' gone", list(rng.choice(["red", "green", "blue"], 400, p=[0.5, 0.3, 0.2]))),
    ]
    for what, production in cases:
        call = f"categorical_psi(<600 colours>, <400 colours: {what}>)"
        got = _float(student.categorical_psi(reference, production), call)
        assert_close(got, _categorical_psi(reference, production), rtol=1e-9, what=call)
    call = "categorical_psi(['a', 'a', 'b'], ['b', 'c', 'c', 'c'], eps=0.001)"
    got = _float(student.categorical_psi(["a", "a", "b"], ["b", "c", "c", "c"], 0.001), call)
    assert_close(got, _categorical_psi(["a", "a", "b"], ["b", "c", "c", "c"], 0.001), rtol=1e-9, what=call)


@points(2)
def test_ks_statistic_uses_both_samples(student):
    call = "ks_statistic([3, 4, 5, 6], [1, 2, 3.5])"
    got = _float(student.ks_statistic([3, 4, 5, 6], [1, 2, 3.5]), call)
    if math.isclose(got, 0.5):
        raise AssertionError(
            f"{call} returned 0.5, the largest gap at the points of the FIRST sample only; at x = 2 (a point of "
            "the second sample) F_a = 0 and F_b = 2/3, and just below 3 the gap is larger still. Evaluate both "
            "CDFs at the points of both samples"
        )
    assert_close(got, 0.75, rtol=1e-12, what=call)
    rng = submission_rng(f"{SLUG}:ks")
    cases = [
        ("N(0, 1) and N(-0.4, 1), shifted down", rng.normal(0, 1, 700), rng.normal(-0.4, 1, 450)),
        ("N(0, 1) and N(0.3, 1)", rng.normal(0, 1, 500), rng.normal(0.3, 1, 800)),
        ("N(0, 1) and N(0, 0.5), narrower", rng.normal(0, 1, 600), rng.normal(0, 0.5, 300)),
        ("integers 0..9 and integers 0..7 (many ties)", rng.integers(0, 10, 400).astype(float),
         rng.integers(0, 8, 250).astype(float)),
    ]
    for what, a, b in cases:
        call = f"ks_statistic(<{len(a)} values>, <{len(b)} values>) for {what}"
        got = _float(student.ks_statistic(a, b), call)
        want = _ks(a, b)
        if not math.isclose(got, want, rel_tol=1e-9) and math.isclose(got, _ks_at_first_sample_only(a, b), rel_tol=1e-9):
            raise AssertionError(
                f"{call} returned {got:.6g}: the largest gap at the first sample's points only. The second "
                "sample's CDF can rise first (here it does); take the maximum over the points of both samples"
            )
        assert_close(got, want, rtol=1e-9, what=call)
        call = f"ks_statistic(b, a) for {what}"
        assert_close(_float(student.ks_statistic(b, a), call), want, rtol=1e-9, what=f"{call} (D is symmetric)")


@points(1)
def test_ks_pvalue(student):
    rng = submission_rng(f"{SLUG}:pvalue")
    cases = [(0.05, 30, 40), (0.0, 100, 100), (1.0, 50, 50)]
    cases += [(float(rng.uniform(0.03, 0.2)), int(rng.integers(200, 2000)), int(rng.integers(200, 2000)))
              for _ in range(6)]
    for d, n, m in cases:
        call = f"ks_pvalue({d:.6g}, {n}, {m})"
        got = student.ks_pvalue(d, n, m)
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{call} should return a float, got {got!r:.100}"
        assert 0.0 <= got <= 1.0, f"{call} returned {got}: a p-value lies in [0, 1] (clip the series)"
        want = _pvalue(d, n, m)
        assert math.isclose(got, want, rel_tol=1e-7, abs_tol=1e-10), (
            f"{call} returned {got:.10g}, expected {expected(want)}: lam = d * sqrt(n m / (n + m)), "
            "p = 2 * sum_j (-1)^(j-1) exp(-2 j^2 lam^2) for j = 1..100, and 1.0 when lam < 0.2"
        )


def _check_report(got, want, call):
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    assert set(got) == {"window_batches", "n_production", "features", "drifted"}, (
        f"{call} returned the keys {sorted(got)}; a report has exactly the keys 'window_batches', 'n_production', "
        "'features' and 'drifted'"
    )
    for key in ("window_batches", "n_production"):
        assert got[key] == want[key], f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}"
    assert isinstance(got["features"], dict) and set(got["features"]) == set(want["features"]), (
        f"{call}['features'] has the features {sorted(got['features'])}: expected one entry for each key of the "
        "reference dict, no more"
    )
    for name, w in want["features"].items():
        g = got["features"][name]
        where = f"{call}['features'][{name!r}]"
        assert isinstance(g, dict) and set(g) == set(w), (
            f"{where} has the keys {sorted(g) if isinstance(g, dict) else g!r}: a numeric feature has 'kind', 'psi', "
            "'ks', 'p_value' and 'drift', a categorical one 'kind', 'psi' and 'drift'"
        )
        assert g["kind"] == w["kind"], (
            f"{where}['kind'] is {g['kind']!r}: the features named in `categorical` are 'categorical', the others "
            "'numeric'"
        )
        for key in ("psi", "ks", "p_value"):
            if key in w:
                value = _float(g[key], f"{where}[{key!r}]")
                assert_close(value, w[key], rtol=1e-8, atol=1e-12, what=f"{where}[{key!r}]")
        assert g["drift"] is w["drift"], (
            f"{where}['drift'] is {g['drift']!r} with psi {g['psi']:.4g}"
            + (f" and p_value {g['p_value']:.4g}" if "p_value" in g else "")
            + ": a numeric feature drifts when psi > psi_threshold or p_value < alpha, a categorical one when "
            "psi > psi_threshold (drift is True or False)"
        )
    assert got["drifted"] == want["drifted"], (
        f"{call}['drifted'] is {got['drifted']!r}, expected the names whose drift is True, sorted"
    )


@points(1)
def test_monitor_report_on_shifted_batches(student):
    rng = submission_rng(f"{SLUG}:monitor")
    reference = _reference(rng)
    batches = [_batch(rng) for _ in range(3)]
    call = "DriftMonitor(reference, categorical=['plan', 'country'], window_size=4)"
    monitor = student.DriftMonitor(reference, categorical=CATEGORICAL, window_size=4)
    for batch in batches:
        monitor.add_batch(batch)
    call += ", 3 batches of 200 rows added, then .report()"
    want = _report(reference, batches, CATEGORICAL)
    _check_report(monitor.report(), want, call)
    assert {"income", "latency_ms", "plan"} <= set(want["drifted"])  # the known shifts (a check of the grader)

    call = ("DriftMonitor(reference, categorical=['plan', 'country'], window_size=4, n_bins=5, psi_threshold=0.5, "
            "alpha=1e-6), one batch, then .report()")
    monitor = student.DriftMonitor(reference, categorical=CATEGORICAL, window_size=4, n_bins=5, psi_threshold=0.5,
                                   alpha=1e-6)
    monitor.add_batch(batches[0])
    _check_report(monitor.report(), _report(reference, batches[:1], CATEGORICAL, 5, 0.5, 1e-6), call)


@points(1)
def test_monitor_keeps_only_the_last_batches(student):
    rng = submission_rng(f"{SLUG}:window")
    reference = _reference(rng, 1000)
    old = [_batch(rng, 150, age_shift=25.0) for _ in range(2)]
    recent = [_batch(rng, 150) for _ in range(3)]
    monitor = student.DriftMonitor(reference, categorical=CATEGORICAL, window_size=3)
    for batch in old + recent:
        monitor.add_batch(batch)
    call = ("DriftMonitor(reference, categorical=['plan', 'country'], window_size=3) after 5 batches of 150 rows "
            "(the first 2 with age shifted by +25), .report()")
    got = monitor.report()
    if isinstance(got, dict) and got.get("window_batches") != 3:
        raise AssertionError(
            f"{call} reported window_batches={got.get('window_batches')!r} and n_production={got.get('n_production')!r}: "
            "the window keeps only the last window_size batches (a collections.deque(maxlen=window_size) does it)"
        )
    _check_report(got, _report(reference, recent, CATEGORICAL), call)

    try:
        student.DriftMonitor(reference, window_size=0)
    except StudentError as error:
        assert error.type_name == "ValueError", f"DriftMonitor(reference, window_size=0) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("DriftMonitor(reference, window_size=0) should raise ValueError")
    fresh = student.DriftMonitor(reference, categorical=CATEGORICAL)
    try:
        fresh.report()
    except StudentError as error:
        assert error.type_name == "ValueError", f"report() with no batch raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("report() before any add_batch should raise ValueError")
    partial = {name: values for name, values in recent[0].items() if name != "income"}
    try:
        fresh.add_batch(partial)
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"add_batch(<a batch without 'income'>) raised {error.type_name}, expected ValueError"
        )
    else:
        raise AssertionError("add_batch(<a batch without the feature 'income'>) should raise ValueError")
