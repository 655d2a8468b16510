"""Hidden grader for classical-ml/knn-from-scratch.

Expected values come from `_neighbours`, `_classify` and friends below: the README's rules written out
with plain loops and direct distances, on data drawn for each submission (`submission_rng`). Much of the
data sits on an integer grid, so distances tie exactly and the tie rules decide.
"""

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "classical-ml/knn-from-scratch"


# ------------------------------------------------------------------------------------- the grader's own


def _distance(a, b, metric):
    return float(np.sqrt(((a - b) ** 2).sum())) if metric == "euclidean" else float(np.abs(a - b).sum())


def _neighbours(X_train, x, k, metric):
    d = [(_distance(x, row, metric), j) for j, row in enumerate(X_train)]
    return [j for _, j in sorted(d)[:k]], sorted(d)[:k]


def _vote(labels, weights):
    totals = {}
    for label, weight in zip(labels, weights):
        totals[label] = totals.get(label, 0.0) + weight
    best = max(totals.values())
    return min(label for label, total in totals.items() if total == best)


def _classify(X_train, y_train, X_query, k, metric="euclidean", weighted=False):
    out = []
    for x in X_query:
        index, pairs = _neighbours(X_train, x, k, metric)
        dist = np.array([d for d, _ in pairs])
        if not weighted:
            weights = np.ones(k)
        elif np.any(dist == 0):
            weights = (dist == 0).astype(float)
        else:
            weights = 1.0 / dist
        out.append(_vote([int(y_train[j]) for j in index], weights))
    return out


def _loo(X, y, k, metric="euclidean"):
    hits = 0
    for i in range(len(X)):
        keep = [j for j in range(len(X)) if j != i]
        hits += _classify(X[keep], y[keep], X[i : i + 1], k, metric)[0] == y[i]
    return hits / len(X)


def _grid(rng, n, classes=3):
    X = rng.integers(0, 7, size=(n, 2)).astype(float)
    y = ((X[:, 0] + 2 * X[:, 1]) // 5 % classes).astype(int)
    flip = rng.random(n) < 0.2
    y[flip] = rng.integers(0, classes, size=int(flip.sum()))
    return X, y


def _array(value, call, shape=None):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    if shape is not None:
        assert value.shape == shape, f"{call} returned shape {value.shape}, expected {shape}"
    return value


def _differ(got, want):
    return int(np.sum(np.asarray(got) != np.asarray(want)))


# ---------------------------------------------------------------------------------------------- tests


@points(1)
def test_euclidean_distances(student):
    rng = submission_rng(f"{SLUG}:euclidean")
    A, B = rng.normal(size=(9, 4)), rng.normal(size=(6, 4))
    call = "pairwise_distances(<9 x 4>, <6 x 4>)"
    got = _array(student.pairwise_distances(A, B), call, (9, 6))
    assert_close(got, np.sqrt(((A[:, None] - B[None]) ** 2).sum(axis=2)), rtol=1e-7, atol=1e-7, what=call)
    far = rng.normal(size=(12, 3)) * 0.01 + rng.uniform(5e3, 1e4)
    call = "pairwise_distances(X, X) for 12 points near (10^4, 10^4, 10^4)"
    got = _array(student.pairwise_distances(far, far), call, (12, 12))
    assert not np.isnan(got).any(), (
        f"{call} contains NaN: rounding made ||a||^2 + ||b||^2 - 2ab slightly negative; clamp it at 0 before the sqrt"
    )
    assert np.all(got >= 0) and np.all(np.diag(got) < 1e-2), (
        f"{call}: distances must be >= 0 and a point's distance to itself about 0; the diagonal is {np.round(np.diag(got), 4).tolist()}"
    )


@shows_expected
@points(1)
def test_manhattan_and_unknown_metric(student):
    A = np.array([[0.0, 0.0], [1.0, -2.0]])
    B = np.array([[3.0, 4.0], [1.0, 1.0], [0.0, 0.0]])
    call = "pairwise_distances([[0, 0], [1, -2]], [[3, 4], [1, 1], [0, 0]], metric='manhattan')"
    got = _array(student.pairwise_distances(A, B, metric="manhattan"), call, (2, 3))
    assert_close(got, [[7.0, 2.0, 0.0], [8.0, 3.0, 3.0]], what=f"{call} (sum of absolute differences)")
    try:
        student.pairwise_distances(A, B, metric="cosine")
    except StudentError as error:
        assert error.type_name == "ValueError", f"pairwise_distances(..., metric='cosine') raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("pairwise_distances(..., metric='cosine') returned instead of raising ValueError for an unknown metric")


@shows_expected
@points(1)
def test_vote_and_tie_rules(student):
    X = np.array([[0.0], [2.0], [-2.0], [3.0], [-3.0], [10.0]])
    y = np.array([5, 2, 2, 5, 7, 2])
    data = "X=[[0], [2], [-2], [3], [-3], [10]], y=[5, 2, 2, 5, 7, 2]"
    call = f"nearest_neighbours({data[:-22]}, X_query=[[0]], k=2)"
    got = student.nearest_neighbours(X, np.array([[0.0]]), 2)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (indices, distances), got {got!r:.200}"
    index = _array(np.asarray(got[0]), f"{call}[0]", (1, 2))
    assert index.tolist() == [[0, 1]], (
        f"{call} returned indices {index.tolist()}, expected [[0, 1]] (x=2 and x=-2 are both at distance 2: "
        "the lower training index comes first)"
    )
    assert_close(np.asarray(got[1], dtype=float), [[0.0, 2.0]], what=f"{call}[1] (the distances, nearest first)")
    got = _array(student.knn_classify(X, y, np.array([[0.5]]), 2), f"knn_classify({data}, [[0.5]], k=2)", (1,))
    assert got.tolist() == [2], (
        f"knn_classify({data}, [[0.5]], k=2) returned {got.tolist()}, expected [2]: labels 5 and 2 get one "
        "vote each, and a tied vote goes to the SMALLEST label"
    )
    got = _array(student.knn_classify(X, y, np.array([[-2.5]]), 3), f"knn_classify({data}, [[-2.5]], k=3)", (1,))
    assert got.tolist() == [2], (
        f"knn_classify({data}, [[-2.5]], k=3) returned {got.tolist()}, expected [2]: labels 2, 7 and 5 get one "
        "vote each, and a tied vote goes to the smallest label"
    )
    got = _array(student.knn_classify(X, y, np.array([[0.0], [-2.5]]), 4), f"knn_classify({data}, [[0], [-2.5]], k=4)", (2,))
    assert got.tolist() == [2, 2], (
        f"knn_classify({data}, [[0], [-2.5]], k=4) returned {got.tolist()}, expected [2, 2] "
        "(votes 5, 2, 2, 5 and 2, 7, 5, 2)"
    )


@points(1)
def test_classify_on_a_grid(student):
    rng = submission_rng(f"{SLUG}:grid")
    X, y = _grid(rng, 60)
    Q = rng.integers(0, 7, size=(25, 2)).astype(float)
    for k, metric in ((4, "euclidean"), (6, "manhattan")):
        call = f"knn_classify(<60 points on an integer grid, 3 classes>, y, <25 grid queries>, k={k}, metric={metric!r})"
        got = _array(student.knn_classify(X, y, Q, k, metric=metric), call, (25,))
        want = _classify(X, y, Q, k, metric)
        wrong = _differ(got, want)
        assert got.tolist() == want, (
            f"{call}: {wrong} of 25 predictions differ. On a grid many distances tie: the lower "
            "training index goes first, and a tied vote goes to the smallest label"
        )


@points(1)
def test_distance_weighted_vote(student):
    rng = submission_rng(f"{SLUG}:weighted")
    X = rng.normal(size=(50, 3))
    y = rng.integers(0, 3, size=50)
    Q = rng.normal(size=(20, 3))
    call = "knn_classify(<50 x 3>, y, <20 queries>, k=7, weighted=True)"
    got = _array(student.knn_classify(X, y, Q, 7, weighted=True), call, (20,))
    want = _classify(X, y, Q, 7, weighted=True)
    plain = _classify(X, y, Q, 7)
    wrong = _differ(got, want)
    note = " (they match the unweighted vote)" if got.tolist() == plain else ""
    assert got.tolist() == want, f"{call}: {wrong} of 20 predictions differ from votes weighted by 1 / distance{note}"
    X2 = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [1.0, 1.0], [1.0, 1.0]])
    y2 = np.array([0, 0, 0, 1, 1])
    call = "knn_classify([[0, 0], [0.1, 0], [0, 0.1], [1, 1], [1, 1]], y=[0, 0, 0, 1, 1], [[1, 1]], k=5, weighted=True)"
    got = _array(student.knn_classify(X2, y2, np.array([[1.0, 1.0]]), 5, weighted=True), call, (1,))
    assert got.tolist() == [1], (
        f"{call} returned {got.tolist()}: the query equals training points 3 and 4 (distance 0); exact matches "
        "decide the vote alone (and there is no division by zero)"
    )


@points(1)
def test_regression(student):
    rng = submission_rng(f"{SLUG}:regress")
    X = rng.normal(size=(40, 2))
    target = np.sin(X[:, 0]) + X[:, 1] ** 2 + rng.normal(scale=0.1, size=40)
    Q = rng.normal(size=(15, 2))
    for k, metric in ((1, "euclidean"), (5, "manhattan")):
        call = f"knn_regress(<40 x 2>, y, <15 queries>, k={k}, metric={metric!r})"
        got = _array(student.knn_regress(X, target, Q, k, metric=metric), call, (15,))
        want = [float(np.mean(target[_neighbours(X, q, k, metric)[0]])) for q in Q]
        assert_close(got, want, rtol=1e-9, atol=1e-12, what=f"{call} (the mean target of the k nearest)")


@points(1)
def test_standardize_uses_training_statistics(student):
    rng = submission_rng(f"{SLUG}:scale")
    X_train = rng.normal(loc=[3.0, -50.0, 0.0], scale=[1.0, 20.0, 0.5], size=(30, 3))
    X_train[:, 2] = 4.0  # a constant column
    X_query = rng.normal(loc=[5.0, 0.0, 1.0], scale=[3.0, 5.0, 1.0], size=(10, 3))
    call = "standardize(<30 training rows, column 2 constant>, <10 query rows from another distribution>)"
    got = student.standardize(X_train, X_query)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (X_train_scaled, X_query_scaled), got {got!r:.200}"
    train_s, query_s = (_array(g, f"{call}[{i}]") for i, g in enumerate(got))
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    assert np.all(np.isfinite(train_s)), f"{call}[0] has NaN or inf: a constant column keeps a scale of 1"
    assert_close(train_s, (X_train - mean) / std, rtol=1e-9, atol=1e-9, what=f"{call}[0] (population std, ddof=0)")
    own = (X_query - X_query.mean(axis=0)) / X_query.std(axis=0)
    assert not np.allclose(query_s, own), (
        f"{call}[1] is scaled with the query set's own mean and std; use the TRAINING set's statistics for both"
    )
    assert_close(query_s, (X_query - mean) / std, rtol=1e-9, atol=1e-9, what=f"{call}[1] (scaled with the training mean and std)")


@points(2)
def test_leave_one_out_accuracy(student):
    rng = submission_rng(f"{SLUG}:loo")
    X, y = _grid(rng, 45)
    X = np.vstack([X, X[:5]])  # a few duplicated rows, with their labels
    y = np.concatenate([y, y[:5]])
    for k in (1, 4):
        call = f"loo_accuracy(<50 grid points, 5 duplicated>, y, k={k})"
        got = student.loo_accuracy(X, y, k)
        assert isinstance(got, (float, np.floating)), f"{call} should return a float, got {type(got).__name__}"
        want = _loo(X, y, k)
        selfish = float(np.mean(_classify(X, y, X, k) == y))
        if abs(got - selfish) < 1e-12 and abs(got - want) > 1e-12:
            raise AssertionError(
                f"{call} returned {got}, as if each point were still among its own neighbours; leave row i out "
                "of the training set when you predict it (drop it by index: a duplicate of it may stay)"
            )
        assert abs(got - want) < 1e-12, f"{call} returned {got}, expected {expected(want)}"


@points(1)
def test_choose_k(student):
    rng = submission_rng(f"{SLUG}:choose")
    X, y = _grid(rng, 40)
    ks = [1, 3, 5, 7, 9]
    call = f"choose_k(<40 grid points>, y, ks={ks})"
    got = student.choose_k(X, y, ks)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (best_k, accuracies), got {got!r:.200}"
    best, scores = got
    want_scores = [_loo(X, y, k) for k in ks]
    assert_close(np.asarray(scores, dtype=float), want_scores, rtol=1e-12, atol=1e-12, what=f"{call}[1] (leave-one-out accuracy per k)")
    want_best = min(k for k, s in zip(ks, want_scores) if s == max(want_scores))
    assert best == want_best, f"{call} chose k={best}; pick the k with the highest accuracy, the smallest k on a tie"
