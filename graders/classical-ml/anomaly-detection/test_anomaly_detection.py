"""Hidden grader for classical-ml/anomaly-detection.

Data sets with planted anomalies are drawn for each submission (`submission_rng`). Expected values come
from the grader's own formulas below, from SciPy's multivariate normal, and from scikit-learn's
IsolationForest and average_precision_score run here with the same settings.
"""

import numpy as np
from scipy.stats import multivariate_normal
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "classical-ml/anomaly-detection"


# ------------------------------------------------------------------------------------- the grader's own


def _planted(rng, n_normal, n_anomalies, d=2):
    """Correlated normal points plus anomalies pushed away from them; returns X, y (1 = anomaly), shuffled."""
    L = np.array([[1.0, 0.0], [0.8, 0.6]]) if d == 2 else np.linalg.cholesky(np.eye(d) * 0.5 + 0.5)
    normal = rng.normal(size=(n_normal, d)) @ L.T * rng.uniform(0.8, 1.5) + rng.normal(size=d)
    direction = rng.normal(size=(n_anomalies, d))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    anomalies = normal.mean(axis=0) + direction * rng.uniform(3.0, 6.0, size=(n_anomalies, 1))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(n_normal, int), np.ones(n_anomalies, int)]
    order = rng.permutation(len(X))
    return X[order], y[order]


def _f1(scores, y, t):
    flagged, y = scores >= t, y.astype(bool)
    tp, fp, fn = int(np.sum(flagged & y)), int(np.sum(flagged & ~y)), int(np.sum(~flagged & y))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def _select(scores, y):
    table = [(float(t), _f1(scores, y, t)) for t in np.unique(scores)]
    best = max(f for _, f in table)
    return max(t for t, f in table if f == best), best


def _nll(X, mean, cov):
    return -multivariate_normal(mean=mean, cov=cov).logpdf(X)


def _average_precision(scores, y):
    hits = y[np.argsort(-scores, kind="stable")] == 1
    return float((np.cumsum(hits) / np.arange(1, len(hits) + 1))[hits].mean())


def _array(value, call, shape=None):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    if shape is not None:
        assert value.shape == shape, f"{call} returned shape {value.shape}, expected {shape}"
    return value


def _pair(got, call, what):
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple {what}, got {got!r:.200}"
    return got


# ---------------------------------------------------------------------------------------------- tests


@shows_expected
@points(1)
def test_robust_z_scores_worked_example(student):
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    call = "robust_z_scores([1, 2, 3, 4, 100])"
    got = _array(student.robust_z_scores(x), call, (5,))
    # median 3, MAD = median(|x - 3|) = median([2, 1, 0, 1, 97]) = 1
    assert_close(got, (x - 3.0) / 1.4826, rtol=1e-9, what=f"{call} (median 3, MAD 1: z = (x - 3) / (1.4826 * 1))")
    try:
        student.robust_z_scores(np.array([5.0, 5.0, 5.0, 1.0]))
    except StudentError as error:
        assert error.type_name == "ValueError", f"robust_z_scores([5, 5, 5, 1]) raised {error.type_name}, expected ValueError (MAD = 0)"
    else:
        raise AssertionError("robust_z_scores([5, 5, 5, 1]) returned instead of raising ValueError: its MAD is 0")


@points(1)
def test_robust_z_scores_per_column(student):
    rng = submission_rng(f"{SLUG}:robust")
    X, _ = _planted(rng, 80, 6)
    call = "robust_z_scores(<86 x 2 array with 6 planted anomalies>)"
    got = _array(student.robust_z_scores(X), call, X.shape)
    median = np.median(X, axis=0)
    mad = np.median(np.abs(X - median), axis=0)
    if np.allclose(got, (X - median) / mad):
        raise AssertionError(f"{call} divides by the raw MAD: multiply the MAD by 1.4826 so it estimates the standard deviation")
    assert_close(got, (X - median) / (1.4826 * mad), rtol=1e-9, atol=1e-12, what=f"{call} (per column, axis 0)")


@points(1)
def test_iqr_rule(student):
    rng = submission_rng(f"{SLUG}:iqr")
    x = np.r_[rng.normal(size=57) * 2.0, rng.uniform(8.0, 12.0, size=3) * rng.choice([-1, 1], size=3)]
    x = x[rng.permutation(60)]
    q1, q3 = np.percentile(x, [25, 75])
    for k in (1.5, 0.5):
        call = f"iqr_outliers(<60 values, 3 planted far away>, k={k})"
        got = _array(student.iqr_outliers(x, k=k), call, (60,))
        assert got.dtype == bool, f"{call} should return a boolean mask, got dtype {got.dtype}"
        want = (x < q1 - k * (q3 - q1)) | (x > q3 + k * (q3 - q1))
        wrong = int(np.sum(got != want))
        assert got.tolist() == want.tolist(), (
            f"{call} flagged {int(got.sum())} values and differs at {wrong} positions "
            "(fences Q1 - k*IQR and Q3 + k*IQR, np.percentile's default interpolation, strictly outside)"
        )


@points(2)
def test_gaussian_model(student):
    rng = submission_rng(f"{SLUG}:gaussian")
    X, _ = _planted(rng, 150, 0, d=3)
    Q = X[:10] + rng.normal(size=(10, 3)) * 2.0
    call = "fit_gaussian(<150 x 3>)"
    mean, cov = _pair(student.fit_gaussian(X), call, "(mean, cov)")
    mean, cov = _array(mean, f"{call}[0]", (3,)), _array(cov, f"{call}[1]", (3, 3))
    assert_close(mean, X.mean(axis=0), rtol=1e-9, atol=1e-12, what=f"{call}[0] (the mean)")
    want = np.cov(X, rowvar=False, bias=True)
    if np.allclose(cov, np.cov(X, rowvar=False)):
        raise AssertionError(f"{call}[1] divides by n - 1; the maximum-likelihood covariance divides by n")
    assert_close(cov, want, rtol=1e-9, atol=1e-12, what=f"{call}[1] (the covariance, divided by n)")
    call = "gaussian_scores(<10 x 3>, mean, cov)"
    got = _array(student.gaussian_scores(Q, X.mean(axis=0), want), call, (10,))
    assert_close(got, _nll(Q, X.mean(axis=0), want), rtol=1e-7, atol=1e-9, what=f"{call} (the negative log-density)")


@points(2)
def test_select_threshold(student):
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.7])
    y = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    call = "select_threshold([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.7], y=[0, 0, 1, 1, 0, 0, 1, 1])"
    t, f1 = _pair(student.select_threshold(scores, y), call, "(threshold, f1)")
    want_t, want_f1 = _select(scores, y)
    assert abs(f1 - want_f1) < 1e-12 and abs(t - want_t) < 1e-12, (
        f"{call} returned threshold={t}, f1={f1}; expected {expected((want_t, want_f1))}. Try every distinct "
        "score as the threshold, flag scores >= threshold, and keep the LARGEST threshold among equal F1s"
    )
    rng = submission_rng(f"{SLUG}:threshold")
    X, y = _planted(rng, 200, 12)
    scores = _nll(X, X[y == 0].mean(axis=0), np.cov(X[y == 0], rowvar=False)) + rng.normal(size=len(X)) * 0.5
    call = "select_threshold(<212 scores, 12 anomalies>, y)"
    t, f1 = _pair(student.select_threshold(scores, y), call, "(threshold, f1)")
    want_t, want_f1 = _select(scores, y)
    assert abs(f1 - want_f1) < 1e-12, f"{call} returned f1={f1}, expected {expected(want_f1)}: the best F1 over all thresholds"
    assert abs(t - want_t) < 1e-12, f"{call} returned threshold={t} (its F1 is {_f1(scores, y, t):.4f}); expected {expected(want_t)}"


@points(1)
def test_threshold_is_chosen_on_validation(student):
    rng = submission_rng(f"{SLUG}:detector")
    X_train, _ = _planted(rng, 200, 0)
    X_val, y_val = _planted(rng, 100, 8)
    X_test, y_test = _planted(rng, 100, 8)
    mean, cov = X_train.mean(axis=0), np.cov(X_train, rowvar=False, bias=True)
    want_t, _ = _select(_nll(X_val, mean, cov), y_val)
    test_scores = _nll(X_test, mean, cov)
    call = "evaluate_gaussian_detector(X_train, X_val, y_val, X_test, y_test)"
    t, f1 = _pair(student.evaluate_gaussian_detector(X_train, X_val, y_val, X_test, y_test), call, "(threshold, test_f1)")
    on_test, _ = _select(test_scores, y_test)
    if abs(t - on_test) < 1e-9 and abs(t - want_t) > 1e-9:
        raise AssertionError(
            f"{call} returned threshold={t}, the best threshold for the TEST labels: choose it on the validation "
            "set, and only then measure F1 on the test set"
        )
    assert abs(t - want_t) < 1e-7 * max(1.0, abs(want_t)), (
        f"{call} returned threshold={t}; expected the F1-best threshold on the validation scores, {expected(want_t)}"
    )
    assert abs(f1 - _f1(test_scores, y_test, want_t)) < 1e-9, f"{call} returned test_f1={f1}: F1 of that threshold on the test set"


@points(2)
def test_isolation_forest(student):
    rng = submission_rng(f"{SLUG}:iforest")
    X_train, _ = _planted(rng, 300, 15)
    X_test, y_test = _planted(rng, 150, 10)
    seed = int(rng.integers(1000))
    call = f"isolation_forest_scores(<315 x 2>, <160 x 2 with 10 anomalies>, contamination=0.05, random_state={seed})"
    scores, flags = _pair(student.isolation_forest_scores(X_train, X_test, contamination=0.05, random_state=seed), call, "(scores, flags)")
    scores, flags = _array(np.asarray(scores, dtype=float), f"{call}[0]", (160,)), _array(np.asarray(flags), f"{call}[1]", (160,))
    model = IsolationForest(n_estimators=100, contamination=0.05, random_state=seed).fit(X_train)
    raw = model.score_samples(X_test)
    if np.allclose(scores, raw):
        raise AssertionError(
            f"{call}[0] is score_samples as it is, which is HIGHER for normal points; negate it so that a higher "
            "score means more anomalous"
        )
    assert_close(scores, -raw, rtol=1e-9, atol=1e-12, what=f"{call}[0] (-score_samples of IsolationForest(n_estimators=100, ...))")
    want = (model.predict(X_test) == -1).astype(int)
    wrong = int(np.sum(flags != want))
    assert flags.tolist() == want.tolist(), (
        f"{call}[1]: {wrong} of 160 flags differ from the model's predict (1 where it says -1)"
    )


@points(2)
def test_ranking_metrics(student):
    rng = submission_rng(f"{SLUG}:ranking")
    X, y = _planted(rng, 120, 9)
    scores = np.linalg.norm(X - np.median(X, axis=0), axis=1) + rng.normal(size=len(X)) * 0.8
    for k in (5, 9, 20):
        call = f"precision_at_k(<129 scores>, y, k={k})"
        got = student.precision_at_k(scores, y, k)
        want = float(np.mean(y[np.argsort(-scores, kind="stable")[:k]]))
        assert abs(got - want) < 1e-12, f"{call} returned {got}, expected {expected(want)} (the share of anomalies among the k highest scores)"
    call = "average_precision(<129 scores, 9 anomalies>, y)"
    got = student.average_precision(scores, y)
    want = _average_precision(scores, y)
    assert abs(got - average_precision_score(y, scores)) < 1e-9 or abs(got - want) < 1e-12, (
        f"{call} returned {got}; expected {expected(want)} (the mean of precision@rank over the ranks of the anomalies)"
    )
    ties = np.array([0.9, 0.5, 0.9, 0.1, 0.5])
    call = "precision_at_k([0.9, 0.5, 0.9, 0.1, 0.5], y=[0, 1, 1, 0, 0], k=3)"
    got = student.precision_at_k(ties, np.array([0, 1, 1, 0, 0]), 3)
    assert abs(got - 2 / 3) < 1e-12, f"{call} returned {got}: ties go to the lower index, so the top 3 are rows 0, 2, 1"
