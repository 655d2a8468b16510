"""Hidden grader for classical-ml/hierarchical-clustering.

Linkage matrices are compared with scipy.cluster.hierarchy.linkage and cuts with fcluster (relabelled by
first appearance) on points drawn for each submission (`submission_rng`); the tie rule, which SciPy does
not promise, is checked against `_replay`, the README's loop written out.
"""

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from gradient_grader import StudentError, assert_close, points, shows_expected, submission_rng

SLUG = "classical-ml/hierarchical-clustering"


def _replay(X, method):
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(axis=2))
    n = len(X)
    members = {i: [i] for i in range(n)}
    rows = []
    for step in range(n - 1):
        pairs = []
        for a in sorted(members):
            for b in sorted(members):
                if a < b:
                    block = D[np.ix_(members[a], members[b])]
                    d = {"single": block.min, "complete": block.max, "average": block.mean}[method]()
                    pairs.append((d, a, b))
        d, a, b = min(pairs)  # smallest distance, then smallest (a, b)
        members[n + step] = members.pop(a) + members.pop(b)
        rows.append([a, b, d, len(members[n + step])])
    return np.array(rows)


def _first_appearance(labels):
    names = {}
    return [names.setdefault(label, len(names)) for label in labels]


def _matrix(got, call, n):
    assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}: {got!r:.200}"
    assert got.shape == (n - 1, 4), f"{call} returned shape {got.shape}, expected ({n - 1}, 4): one row per merge"
    return got


def _compare(got, want, call):
    ids_ok = got[:, :2].tolist() == want[:, :2].tolist()
    if not ids_ok:
        first = int(np.flatnonzero(np.any(got[:, :2] != want[:, :2], axis=1))[0])
        raise AssertionError(
            f"{call}: merge {first} (row {first}) joins clusters {got[first, :2].astype(int).tolist()}, which differs "
            "from the expected merge (smaller id first; a merged cluster gets id n + row index)"
        )
    assert_close(got[:, 2], want[:, 2], rtol=1e-9, atol=1e-12, what=f"{call}: the merge distances (column 2)")
    assert got[:, 3].tolist() == want[:, 3].tolist(), f"{call}: column 3 must be the number of points in the new cluster"


@shows_expected
@points(1)
def test_single_linkage_worked_example(student):
    X = np.array([[0.0], [1.0], [5.0], [7.0], [20.0]])
    call = "linkage_matrix([[0], [1], [5], [7], [20]], 'single')"
    got = _matrix(student.linkage_matrix(X, "single"), call, 5)
    want = np.array([[0, 1, 1, 2], [2, 3, 2, 2], [5, 6, 4, 4], [4, 7, 13, 5]], dtype=float)
    assert_close(got, want, what=f"{call} (rows: id a, id b, distance, size; the merged clusters get ids 5, 6, 7)")


@points(1)
def test_single_linkage_matches_scipy(student):
    rng = submission_rng(f"{SLUG}:single")
    X = rng.normal(size=(30, 2))
    call = "linkage_matrix(<30 x 2 points>, 'single')"
    _compare(_matrix(student.linkage_matrix(X, "single"), call, 30), linkage(X, "single"), call)


@points(1)
def test_complete_linkage_matches_scipy(student):
    rng = submission_rng(f"{SLUG}:complete")
    X = rng.normal(size=(30, 3))
    call = "linkage_matrix(<30 x 3 points>, 'complete')"
    _compare(_matrix(student.linkage_matrix(X, "complete"), call, 30), linkage(X, "complete"), call)


@points(2)
def test_average_linkage_matches_scipy(student):
    rng = submission_rng(f"{SLUG}:average")
    X = np.vstack([rng.normal(loc=c, size=(10, 2)) for c in ((0, 0), (4, 0), (2, 4))])
    call = "linkage_matrix(<30 x 2 points in 3 blobs>, 'average')"
    got = _matrix(student.linkage_matrix(X, "average"), call, 30)
    if not np.allclose(got, linkage(X, "average")) and np.allclose(got, linkage(X, "weighted")):
        raise AssertionError(
            f"{call} averages the two merged parts' distances (WPGMA); average linkage is the mean distance over "
            "ALL pairs of points, one from each cluster, so a bigger part weighs more"
        )
    _compare(got, linkage(X, "average"), call)


@points(1)
def test_tie_rule_on_a_grid(student):
    rng = submission_rng(f"{SLUG}:ties")
    X = rng.choice(np.arange(12), size=(16, 2), replace=True).astype(float)
    X = X[np.unique(X, axis=0, return_index=True)[1]]  # distinct points, many equal distances
    X = X[rng.permutation(len(X))]
    for method in ("single", "complete"):
        call = f"linkage_matrix(<{len(X)} distinct points on an integer grid>, {method!r})"
        _compare(_matrix(student.linkage_matrix(X, method), call, len(X)), _replay(X, method), call)


@points(1)
def test_input_checks(student):
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    try:
        student.linkage_matrix(X, "ward")
    except StudentError as error:
        assert error.type_name == "ValueError", f"linkage_matrix(X, 'ward') raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("linkage_matrix(X, 'ward') returned instead of raising ValueError for an unknown method")
    Z = linkage(X, "single")
    try:
        student.cut_tree(Z, 4)
    except StudentError as error:
        assert error.type_name == "ValueError", f"cut_tree(Z of 3 points, k=4) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("cut_tree(Z of 3 points, k=4) returned instead of raising ValueError (k must be 1..n)")


@shows_expected
@points(1)
def test_cut_tree_worked_example(student):
    Z = np.array([[0, 1, 1, 2], [2, 3, 2, 2], [5, 6, 4, 4], [4, 7, 13, 5]], dtype=float)
    for k, want in ((1, [0, 0, 0, 0, 0]), (2, [0, 0, 0, 0, 1]), (3, [0, 0, 1, 1, 2]), (5, [0, 1, 2, 3, 4])):
        call = f"cut_tree({Z.astype(int).tolist()}, k={k})"
        got = student.cut_tree(Z, k)
        assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}"
        assert got.tolist() == want, (
            f"{call} returned {got.tolist()}, expected {want} (apply the first n - k merges, then number the "
            "clusters 0, 1, ... in order of their first point)"
        )


@points(2)
def test_cut_tree_matches_fcluster(student):
    rng = submission_rng(f"{SLUG}:cut")
    X = np.vstack([rng.normal(loc=c, scale=0.8, size=(9, 2)) for c in ((0, 0), (5, 0), (0, 5), (5, 5))])
    X = X[rng.permutation(len(X))]
    for method, k in (("average", 4), ("complete", 3), ("single", 6)):
        Z = linkage(X, method)
        call = f"cut_tree(<linkage of 36 points, {method}>, k={k})"
        got = student.cut_tree(Z, k)
        assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}"
        want = _first_appearance(fcluster(Z, k, criterion="maxclust").tolist())
        n_clusters = len(set(got.tolist()))
        assert n_clusters == k, f"{call} returned {n_clusters} clusters, expected {k}"
        wrong = int(np.sum(np.asarray(got) != np.asarray(want)))
        assert got.tolist() == want, (
            f"{call}: {wrong} of 36 labels differ from the cut into {k} clusters, numbered by first appearance"
        )
