"""Hidden grader for classical-ml/kmeans-scratch.

Expected results come from `_replay`, the README's loop written out with NumPy, on blobs drawn with
the seeded `rng` fixture.
"""

import numpy as np

from gradient_grader import assert_close, expected, points, shows_expected


def _assign(X, C):
    return np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)


def _update(X, labels, C):
    new = C.astype(float).copy()
    for k in range(len(C)):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def _replay(X, C, max_iter=100, tol=1e-6):
    C = C.astype(float).copy()
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        new = _update(X, _assign(X, C), C)
        shift = np.max(np.linalg.norm(new - C, axis=1))
        C = new
        if shift <= tol:
            break
    return C, _assign(X, C), n_iter


def _blobs(rng, centers, n_each=25, scale=0.6):
    X = np.vstack([rng.normal(loc=c, scale=scale, size=(n_each, len(c))) for c in centers])
    return X[rng.permutation(len(X))]


def _array(value, call):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    return value


def _result(got, call):
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"{call} should return a tuple (centroids, labels, n_iter), got {type(got).__name__}: {got!r:.200}"
    )
    centroids, labels, n_iter = got
    _array(centroids, f"{call}[0] (centroids)")
    _array(labels, f"{call}[1] (labels)")
    assert isinstance(n_iter, int) and not isinstance(n_iter, bool), f"{call}[2] (n_iter) should be an int, got {n_iter!r}"
    return centroids, labels, n_iter


@shows_expected
@points(2)
def test_assign_clusters(student):
    X = np.array([[0.0, 0.0], [4.0, 0.5], [10.0, 10.0], [1.0, 0.0], [5.0, 0.0], [7.5, 0.0]])
    C = np.array([[0.0, 0.0], [10.0, 10.0], [5.0, 0.0], [10.0, 0.0]])
    call = f"assign_clusters(X={X.tolist()}, centroids={C.tolist()})"
    got = _array(student.assign_clusters(X, C), call)
    want = [0, 2, 1, 0, 2, 2]
    assert got.tolist() == want, (
        f"{call} returned {got.tolist()}, expected {want} (nearest centroid by Euclidean distance; "
        "a point exactly halfway between two centroids goes to the one with the lower index)"
    )
    X = np.array([[2.5, 0.0], [0.0, 3.0]])
    C = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 6.0]])
    call = f"assign_clusters(X={X.tolist()}, centroids={C.tolist()})"
    got = _array(student.assign_clusters(X, C), call)
    assert got.tolist() == [0, 0], f"{call} returned {got.tolist()}, expected [0, 0] (ties go to the lowest index)"


@shows_expected
@points(1)
def test_update_centroids(student):
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [12.0, 14.0], [1.0, 3.0]])
    labels = np.array([0, 0, 1, 1, 0])
    C = np.array([[5.0, 5.0], [6.0, 6.0]])
    call = "update_centroids(X, labels=[0, 0, 1, 1, 0], centroids)"
    got = _array(student.update_centroids(X, labels, C), call)
    assert_close(got, [[1.0, 1.0], [11.0, 12.0]], what=f"{call} (each centroid is the mean of its points)")


@points(2)
def test_empty_cluster_keeps_its_centroid(student):
    X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    labels = np.array([0, 0, 2, 2])
    C = np.array([[0.5, 1.0], [50.0, 50.0], [9.0, 0.0]])
    call = "update_centroids(X, labels=[0, 0, 2, 2], centroids=[[0.5, 1], [50, 50], [9, 0]])"
    got = _array(student.update_centroids(X, labels, C), call)
    assert np.all(np.isfinite(got)), (
        f"{call} returned {got.tolist()}: cluster 1 has no points and its centroid became NaN; "
        "an empty cluster keeps its previous centroid"
    )
    assert_close(got, [[0.5, 0.0], [50.0, 50.0], [10.5, 0.0]], what=f"{call} (cluster 1 is empty and keeps [50, 50])")

    init = np.array([[0.0, 0.0], [100.0, 100.0], [11.0, 0.0]])
    call = "kmeans(X, init_centroids=[[0, 0], [100, 100], [11, 0]])"
    centroids, labels, n_iter = _result(student.kmeans(X, init), call)
    want_c, want_l, want_n = _replay(X, init)
    assert np.all(np.isfinite(centroids)), f"{call} returned centroids {centroids.tolist()}: an empty cluster must not become NaN"
    assert_close(centroids, want_c, what=f"{call}: the centroids")
    assert labels.tolist() == want_l.tolist(), f"{call} returned labels {labels.tolist()}, expected {expected(want_l.tolist())}"


@shows_expected
@points(1)
def test_inertia(student):
    X = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0], [10.0, 2.0]])
    C = np.array([[0.0, 0.0], [10.0, 1.0]])
    labels = np.array([0, 0, 1, 1])
    call = "inertia(X, centroids, labels) with distances 0, 5, 1, 1"
    got = student.inertia(X, C, labels)
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    assert_close(got, 27.0, what=f"{call} (the sum of SQUARED distances: 0 + 25 + 1 + 1)")


@points(2)
def test_kmeans_on_blobs(student, rng):
    X = _blobs(rng, [(0.0, 0.0), (6.0, 1.0), (2.0, 7.0)], n_each=30)
    init = X[:3].copy()
    call = "kmeans(<90 points in 3 blobs>, init_centroids=X[:3])"
    centroids, labels, n_iter = _result(student.kmeans(X, init), call)
    want_c, want_l, want_n = _replay(X, init)
    assert centroids.shape == want_c.shape, f"{call}[0] has shape {centroids.shape}, expected {want_c.shape}"
    assert_close(centroids, want_c, rtol=1e-9, atol=1e-9, what=f"{call}: the centroids")
    wrong = int(np.sum(labels != want_l))  # how many, not which values
    assert labels.tolist() == want_l.tolist(), f"{call}: {wrong} of {len(X)} labels differ from the expected ones"
    assert n_iter == want_n, (
        f"{call} reported n_iter={n_iter}, expected {expected(want_n)} (count the update steps, including the last one "
        "whose largest centroid shift was <= tol)"
    )
    X5 = _blobs(rng, [(0.0, 0.0, 0.0), (5.0, 0.0, 1.0), (0.0, 5.0, 2.0), (5.0, 5.0, -1.0), (2.5, 2.5, 6.0)], n_each=12, scale=1.2)
    init = X5[[0, 1, 2, 3, 4]].copy()
    call = "kmeans(<60 points in 5 overlapping 3-D blobs>, init_centroids=X[:5])"
    centroids, labels, n_iter = _result(student.kmeans(X5, init), call)
    want_c, want_l, want_n = _replay(X5, init)
    assert_close(centroids, want_c, rtol=1e-9, atol=1e-9, what=f"{call}: the centroids")
    wrong = int(np.sum(labels != want_l))
    assert labels.tolist() == want_l.tolist() and n_iter == want_n, (
        f"{call} returned n_iter={n_iter} and {wrong} different labels; expected n_iter={expected(want_n)}"
    )


@points(2)
def test_max_iter_and_tol(student, rng):
    X = _blobs(rng, [(0.0, 0.0), (4.0, 4.0)], n_each=20, scale=1.5)
    init = np.array([[-5.0, 8.0], [9.0, -3.0]])
    for kwargs in ({"max_iter": 1}, {"max_iter": 2}, {"tol": 100.0}, {"tol": 0.0}):
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        call = f"kmeans(<40 points>, init_centroids=[[-5, 8], [9, -3]], {args})"
        centroids, labels, n_iter = _result(student.kmeans(X, init, **kwargs), call)
        want_c, want_l, want_n = _replay(X, init, **kwargs)
        assert n_iter == want_n, f"{call} reported n_iter={n_iter}, expected {expected(want_n)}"
        assert_close(centroids, want_c, rtol=1e-9, atol=1e-9, what=f"{call}: the centroids")
        wrong = int(np.sum(labels != want_l))
        assert labels.tolist() == want_l.tolist(), (
            f"{call}: labels must be the assignment to the RETURNED centroids; {wrong} of {len(X)} differ"
        )
