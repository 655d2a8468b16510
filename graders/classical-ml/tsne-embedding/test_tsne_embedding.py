"""Hidden grader for classical-ml/tsne-embedding.

Clustered data sets (clusters of very different spreads at random centres), distance rows, probability
matrices and low-dimensional layouts are drawn per submission with submission_rng; the expected values come
from the grader's own formulas below, and the t-SNE embedding from scikit-learn run here with the settings
of the statement (it is bit-for-bit reproducible in the same image, whatever the thread count).
"""

import math

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from threadpoolctl import threadpool_limits

from gradient_grader import StudentError, assert_close, call_timeout, points, submission_rng

threadpool_limits(limits=1)

SLUG = "classical-ml/tsne-embedding"
SPREADS = np.array([0.3, 0.6, 1.0, 2.0, 3.0])


# -- the grader's own answers ------------------------------------------------------------------------------


def _sqdist(X):
    X = np.asarray(X, dtype=float)
    return np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)


def _row(d, beta):
    d = np.asarray(d, dtype=float)
    w = np.exp(-beta * (d - d.min()))
    p = w / w.sum()
    nz = p[p > 0]
    h_bits = float(-np.sum(nz * np.log2(nz)))
    return p, 2.0 ** h_bits, h_bits


def _beta(d, target):
    """Bisection on log(beta): precise to far below the tolerance of the tests."""
    lo, hi = -40.0, 40.0
    for _ in range(56):  # the bracket shrinks to 80 / 2**56: beta to a relative 1e-15
        mid = (lo + hi) / 2
        if _row(d, math.exp(mid))[1] > target:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


def _conditional(X, perplexity):
    D = _sqdist(X)
    n = len(D)
    P = np.zeros((n, n))
    for i in range(n):
        others = np.arange(n) != i
        P[i, others] = _row(D[i, others], _beta(D[i, others], perplexity))[0]
    return P


def _joint(P):
    P = np.asarray(P, dtype=float)
    return (P + P.T) / (2 * len(P))


def _q(Y, kernel="student"):
    D = _sqdist(Y)
    W = 1.0 / (1.0 + D) if kernel == "student" else np.exp(-D)
    np.fill_diagonal(W, 0.0)
    return W / W.sum()


def _cost(P, Q):
    nz = P > 0
    return float(np.sum(P[nz] * np.log(P[nz] / Q[nz])))


def _grad(P, Y):
    Y = np.asarray(Y, dtype=float)
    W = 1.0 / (1.0 + _sqdist(Y))
    np.fill_diagonal(W, 0.0)
    M = (P - _q(Y)) * W
    return 4.0 * (M.sum(axis=1)[:, None] * Y - M @ Y)


def _corr_of_distances(A, B):
    iu = np.triu_indices(len(A), k=1)
    return float(np.corrcoef(np.sqrt(_sqdist(A))[iu], np.sqrt(_sqdist(B))[iu])[0, 1])


def _report(X, Y, labels, k):
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    classes = np.unique(labels)
    cx = np.array([X[labels == c].mean(axis=0) for c in classes])
    cy = np.array([Y[labels == c].mean(axis=0) for c in classes])
    return {"trustworthiness": float(trustworthiness(X, Y, n_neighbors=k)),
            "distance_correlation": _corr_of_distances(X, Y),
            "centroid_distance_correlation": _corr_of_distances(cx, cy)}


# -- draws -----------------------------------------------------------------------------------------------------


def _clusters(rng, per=20, d=10):
    """Five clusters of very different spreads at random centres, rows shuffled, labels not 0..4."""
    centers = rng.normal(0, 8, size=(5, d))
    spreads = rng.permutation(SPREADS) * rng.uniform(0.8, 1.2, size=5)
    X = np.vstack([c + rng.normal(0, s, size=(per, d)) for c, s in zip(centers, spreads, strict=True)])
    names = rng.choice(np.arange(1, 60), size=5, replace=False)
    labels = np.repeat(names, per)
    order = rng.permutation(len(X))
    return X[order], labels[order]


_DATA = {}


def _tsne_draw():
    """The data, perplexity and seed of the t-SNE tests, with the grader's embedding (computed once per run)."""
    if not _DATA:
        rng = submission_rng(f"{SLUG}:tsne")
        X, labels = _clusters(rng, per=16)
        perplexity, seed = float(rng.choice([10.0, 15.0, 20.0, 25.0])), int(rng.integers(0, 10_000))
        Y = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", max_iter=500,
                 random_state=seed).fit_transform(X)  # float32, as TSNE returns it
        _DATA.update(X=X, labels=labels, perplexity=perplexity, seed=seed, Y=Y, rng=rng)
    return _DATA


def _matrix(value, call, shape):
    got = np.asarray(value, dtype=float)
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape}"
    assert np.all(np.isfinite(got)), (
        f"{call} contains nan or inf: exp(-beta * d) underflows to 0 for large distances (0 / 0); subtract the "
        "row's smallest distance before exponentiating"
    )
    return got


def _float(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should return a float, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


# -- the pieces ------------------------------------------------------------------------------------------------


@points(1)
def test_pairwise_squared_distances(student):
    rng = submission_rng(f"{SLUG}:distances")
    X = rng.normal(0, 1, size=(25, 6)) * rng.uniform(0.5, 3, size=6) + rng.uniform(50, 150)
    X[7] = X[3]  # a duplicated point: its distance is exactly 0, never a tiny negative number
    call = "pairwise_squared_distances(<25 points in 6-D, far from the origin, rows 3 and 7 equal>)"
    got = _matrix(student.pairwise_squared_distances(X), call, (25, 25))
    want = _sqdist(X)
    assert np.all(got >= 0), (
        f"{call} has negative entries (smallest {got.min():.3g}): with |x|^2 + |y|^2 - 2 x.y, round-off can go below "
        "0; clip at 0 (np.maximum(D, 0))"
    )
    assert np.all(np.diag(got) == 0), f"{call}: the diagonal should be exactly 0, got up to {np.abs(np.diag(got)).max():.3g}"
    assert np.allclose(got, got.T, rtol=0, atol=1e-9), f"{call} is not symmetric"
    if np.allclose(got, np.sqrt(want), rtol=1e-6, atol=1e-6):
        raise AssertionError(f"{call} returned Euclidean distances: t-SNE's kernels use SQUARED distances")
    assert_close(got, want, rtol=1e-9, atol=1e-6, what=call + " (entry [i, j] = sum over features of (x_i - x_j)^2)")


@points(1)
def test_conditional_row(student):
    rng = submission_rng(f"{SLUG}:row")
    for offset, beta in [(0.0, float(rng.uniform(0.05, 0.5))), (float(rng.uniform(1000, 3000)), 1.0),
                         (0.0, float(rng.uniform(2, 5)))]:
        d = np.sort(rng.uniform(0, 12, size=int(rng.integers(10, 20)))) + offset
        d = d[rng.permutation(len(d))]
        where = f"<{len(d)} squared distances between {d.min():.4g} and {d.max():.4g}>"
        call = f"conditional_row({where}, beta={beta:.4g})"
        result = student.conditional_row(d, beta)
        assert isinstance(result, (tuple, list)) and len(result) == 2, (
            f"{call} should return a pair (p, perplexity), got {result!r:.200}"
        )
        p = _matrix(result[0], call + "[0]", d.shape)
        perplexity = _float(result[1], call + "[1]")
        want_p, want_perp, h_bits = _row(d, beta)
        assert abs(p.sum() - 1) < 1e-9, f"{call}: p sums to {p.sum():.6g}, it should sum to 1"
        assert_close(p, want_p, rtol=1e-7, atol=1e-12, what=f"{call}[0] (p_j = exp(-beta d_j) / sum_k exp(-beta d_k))")
        h_nats = h_bits * math.log(2)
        if math.isclose(perplexity, 2.0 ** h_nats, rel_tol=1e-7) and h_bits > 1e-3:
            raise AssertionError(
                f"{call}[1] is {perplexity:.6g}, 2 raised to the entropy in NATS: the perplexity is 2 ** H with H "
                "in bits (-sum p log2 p), or equally exp(H) with H in nats; do not mix the two"
            )
        assert_close(perplexity, want_perp, rtol=1e-7, what=f"{call}[1] (2 ** H(p), H in bits)")


@points(2)
def test_find_beta(student):
    rng = submission_rng(f"{SLUG}:beta")
    X, _ = _clusters(rng, per=12)
    D = _sqdist(X)
    for i, scale in [(int(rng.integers(60)), 1.0), (int(rng.integers(60)), 1e-3), (int(rng.integers(60)), 40.0)]:
        d = np.delete(D[i], i) * scale
        while True:
            target = float(rng.uniform(4, 30))
            if abs(_row(d, 1.0)[1] - target) > 0.5:  # beta = 1, the starting point, must not already be an answer
                break
        call = f"find_beta(<the {len(d)} squared distances of a point, between {d.min():.3g} and {d.max():.3g}>, {target:.4g})"
        beta = _float(student.find_beta(d, target), call)
        assert beta > 0 and math.isfinite(beta), f"{call} returned {beta}: beta = 1 / (2 sigma^2) is a positive number"
        got = _row(d, beta)[1]
        if not math.isclose(got, target, rel_tol=1e-4):
            hint = ("a LARGER beta narrows the kernel and LOWERS the perplexity: when the perplexity is too high, "
                    "raise beta (beta_min = beta), when it is too low, lower it (beta_max = beta)")
            raise AssertionError(f"{call} returned beta = {beta:.6g}, whose row has perplexity {got:.6g} instead of "
                                 f"{target:.4g}: {hint}")
    d = np.delete(D[0], 0)
    for bad in (float(len(d)), float(len(d) + 5), 1.0, 0.5):
        call = f"find_beta(<{len(d)} squared distances>, {bad:g})"
        try:
            got = student.find_beta(d, bad)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}; expected ValueError"
            continue
        raise AssertionError(
            f"{call} returned {got!r:.60} instead of raising ValueError: the perplexity of {len(d)} neighbours lies "
            f"strictly between 1 (one neighbour) and {len(d)} (all equally likely)"
        )


@points(1)
def test_conditional_probabilities(student):
    rng = submission_rng(f"{SLUG}:conditional")
    X, _ = _clusters(rng, per=10)
    perplexity = float(rng.uniform(5, 15))
    call = f"conditional_probabilities(<50 points in 10-D, five clusters>, perplexity={perplexity:.4g})"
    with call_timeout(20):
        got = _matrix(student.conditional_probabilities(X, perplexity), call, (50, 50))
    assert np.all(np.diag(got) == 0), f"{call}: the diagonal should be 0 (p_i|i = 0, a point is not its own neighbour)"
    assert np.allclose(got.sum(axis=1), 1, atol=1e-9), (
        f"{call}: each ROW i is the distribution p_j|i over the other points and sums to 1; row sums are "
        f"{np.round(got.sum(axis=1)[:4], 4).tolist()} ..."
    )
    perps = np.array([2.0 ** float(-np.sum(r[r > 0] * np.log2(r[r > 0]))) for r in got])
    bad = np.flatnonzero(np.abs(perps / perplexity - 1) > 1e-4)
    assert bad.size == 0, (
        f"{call}: row {bad[0]} has perplexity {perps[bad[0]]:.6g} (2 ** its entropy in bits), not {perplexity:.4g}; "
        f"{bad.size} rows miss the target"
    )
    # Each row must be the Gaussian kernel of its distances at SOME beta (the perplexity check above pins that
    # beta down). Compare with the kernel at the beta the row itself implies, read off the slope of log p
    # against d: where a point has a few near neighbours and the rest far away, the perplexity hardly moves
    # with beta, so two correct searches may stop at betas 1e-4 apart.
    D = _sqdist(X)
    for i in range(len(X)):
        d, row = np.delete(D[i], i), np.delete(got[i], i)
        seen = row > 1e-250
        beta = -np.polyfit(d[seen], np.log(row[seen]), 1)[0] if seen.sum() >= 2 else 0.0
        assert_close(row, _row(d, beta)[0], rtol=1e-6, atol=1e-12, what=(
            f"{call}, row {i} without its diagonal entry (it should be exp(-beta d_j) / sum_k exp(-beta d_k) over the "
            "squared distances d from point i to the others, one beta for the whole row)"))


@points(1)
def test_joint_probabilities(student):
    rng = submission_rng(f"{SLUG}:joint")
    n = int(rng.integers(12, 25))
    P = rng.dirichlet(np.full(n - 1, 0.7), size=n)
    P = np.array([np.insert(row, i, 0.0) for i, row in enumerate(P)])
    call = f"joint_probabilities(<a {n}x{n} matrix of conditional probabilities, rows summing to 1>)"
    got = _matrix(student.joint_probabilities(P), call, (n, n))
    assert np.allclose(got, got.T, atol=1e-12), (
        f"{call} is not symmetric: t-SNE's joint P is symmetrised, p_ij = (p_j|i + p_i|j) / (2n)"
    )
    assert math.isclose(got.sum(), 1.0, rel_tol=1e-9), (
        f"{call} sums to {got.sum():.6g}: divide the symmetrised matrix by 2n so that the joint P sums to 1"
    )
    assert_close(got, _joint(P), rtol=1e-9, atol=1e-15, what=call + " ((P + P.T) / (2n))")


@points(1)
def test_student_t_affinities(student):
    rng = submission_rng(f"{SLUG}:q")
    n = int(rng.integers(10, 20))
    Y = rng.normal(0, 2, size=(n, 2))
    call = f"student_t_affinities(<{n} points in 2-D>)"
    got = _matrix(student.student_t_affinities(Y), call, (n, n))
    if np.allclose(got, _q(Y, "gaussian"), rtol=1e-6, atol=1e-12):
        raise AssertionError(
            f"{call} used a Gaussian kernel exp(-d^2): in the embedding t-SNE uses the heavy-tailed Student-t "
            "kernel 1 / (1 + d^2), which lets moderately distant points sit far apart (no crowding)"
        )
    assert np.all(np.diag(got) == 0), f"{call}: the diagonal should be 0 (q_ii = 0)"
    assert math.isclose(got.sum(), 1.0, rel_tol=1e-9), f"{call} sums to {got.sum():.6g}: normalise over all pairs i != j"
    assert_close(got, _q(Y), rtol=1e-9, atol=1e-15, what=call + " (q_ij = (1 + |y_i - y_j|^2)^-1 / sum over k != l)")


@points(2)
def test_kl_cost_and_gradient(student):
    rng = submission_rng(f"{SLUG}:gradient")
    X, _ = _clusters(rng, per=5, d=6)
    P = _joint(_conditional(X, float(rng.uniform(4, 8))))
    Y = rng.normal(0, 1.5, size=(len(X), 2))
    Q = _q(Y)
    call = "kl_cost(P, Q) with P the joint P of 25 clustered points and Q the Student-t Q of a random layout"
    got = _float(student.kl_cost(P, Q), call)
    assert_close(got, _cost(P, Q), rtol=1e-9, what=call + " (sum of p_ij ln(p_ij / q_ij) over p_ij > 0, in nats)")
    call = "kl_gradient(P, Y) with the same P and the random 2-D layout Y"
    got = _matrix(student.kl_gradient(P, Y), call, Y.shape)
    want = _grad(P, Y)
    if np.allclose(got * 4, want, rtol=1e-6, atol=1e-12) or np.allclose(got, want * 2, rtol=1e-6, atol=1e-12):
        raise AssertionError(f"{call} is off by a constant factor: the gradient is 4 sum_j (p_ij - q_ij)(y_i - y_j) / (1 + |y_i - y_j|^2)")
    assert_close(got, want, rtol=1e-6, atol=1e-12,
                 what=call + " (4 sum_j (p_ij - q_ij)(y_i - y_j) / (1 + |y_i - y_j|^2); check it with finite differences of kl_cost)")
    assert np.allclose(got.sum(axis=0), 0, atol=1e-9), f"{call}: the rows should add up to 0 (moving every point alike changes nothing)"


# -- scikit-learn and what an embedding keeps --------------------------------------------------------------------


@points(1)
def test_tsne_embedding(student):
    data = _tsne_draw()
    call = f"tsne_embedding(<{len(data['X'])} points in 10-D, five clusters>, perplexity={data['perplexity']:g}, seed={data['seed']})"
    with call_timeout(60):
        got = np.asarray(student.tsne_embedding(data["X"], data["perplexity"], data["seed"]), dtype=float)
    assert got.shape == (len(data["X"]), 2), f"{call} returned shape {got.shape}, expected ({len(data['X'])}, 2)"
    scale = float(np.abs(data["Y"]).max())
    assert_close(got, data["Y"], rtol=1e-5, atol=1e-5 * scale, what=(
        f"{call} (TSNE(n_components=2, perplexity=perplexity, init='pca', learning_rate='auto', max_iter=500, "
        "random_state=seed).fit_transform(X): with these settings the result is reproducible to the last digit)"))


@points(1)
def test_structure_report(student):
    data = _tsne_draw()
    X, Y, labels = data["X"], data["Y"].astype(np.float64), data["labels"]
    k = int(data["rng"].integers(5, 12))
    call = f"structure_report(X, <the t-SNE embedding of X>, labels, n_neighbors={k}) ({len(X)} points, labels {sorted(set(labels.tolist()))})"
    got = student.structure_report(X, Y, labels, k)
    keys = {"trustworthiness", "distance_correlation", "centroid_distance_correlation"}
    assert isinstance(got, dict) and set(got) == keys, (
        f"{call} should return a dict with the keys 'centroid_distance_correlation', 'distance_correlation' and "
        f"'trustworthiness', got {got!r:.200}"
    )
    want = _report(X, Y, labels, k)
    for key, note in [("trustworthiness", "sklearn.manifold.trustworthiness(X, Y, n_neighbors=n_neighbors)"),
                      ("distance_correlation", "Pearson correlation of all pairwise Euclidean distances i < j, in X and in Y"),
                      ("centroid_distance_correlation", "Pearson correlation of the distances between the cluster means, "
                       "each mean computed in its own space")]:
        assert_close(_float(got[key], f"{call}[{key!r}]"), want[key], rtol=1e-6, atol=1e-9, what=f"{call}[{key!r}] ({note})")


@points(1)
def test_compare_embeddings(student):
    data = _tsne_draw()
    X, labels, rng = data["X"], data["labels"], data["rng"]
    embeddings = {"tsne": data["Y"].astype(np.float64), "pca": PCA(n_components=2).fit_transform(X),
                  "random_projection": X @ rng.normal(0, 1, size=(X.shape[1], 2))}
    order = list(rng.permutation(list(embeddings)))
    embeddings = {str(name): embeddings[name] for name in order}
    call = f"compare_embeddings(X, <embeddings {list(embeddings)}>, labels, n_neighbors=8)"
    got = student.compare_embeddings(X, embeddings, labels, 8)
    assert isinstance(got, dict) and {"reports", "best_local", "best_global"} <= set(got), (
        f"{call} should return a dict with 'reports', 'best_local' and 'best_global', got {got!r:.200}"
    )
    assert isinstance(got["reports"], dict) and set(got["reports"]) == set(embeddings), (
        f"{call}['reports'] should have one report per embedding name, got {got['reports']!r:.200}"
    )
    reports = {name: _report(X, Y, labels, 8) for name, Y in embeddings.items()}
    for name in embeddings:
        for key in reports[name]:
            assert_close(_float(got["reports"][name][key], f"{call}['reports'][{name!r}][{key!r}]"), reports[name][key],
                         rtol=1e-6, atol=1e-9, what=f"{call}['reports'][{name!r}][{key!r}] (structure_report of that embedding)")
    for field, key, meaning in [("best_local", "trustworthiness", "neighbourhoods"),
                                ("best_global", "centroid_distance_correlation", "the distances between clusters")]:
        values = sorted((reports[name][key] for name in embeddings), reverse=True)
        top = {name for name in embeddings if reports[name][key] >= values[0] - 1e-9}
        assert got[field] in top, (
            f"{call}[{field!r}] is {got[field]!r}; it should name the embedding with the highest {key!r}, the one "
            f"that best keeps {meaning} (your reports: "
            + ", ".join(f"{name} {float(got['reports'][name][key]):.4f}" for name in embeddings) + ")"
        )
