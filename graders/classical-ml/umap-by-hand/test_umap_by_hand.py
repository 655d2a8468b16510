"""Hidden grader for classical-ml/umap-by-hand.

Every input is drawn per submission with submission_rng: clustered point clouds, distance rows at several
scales, weight matrices, layouts, edge lists and negative samples, and a subset of scikit-learn's digits for
the end-to-end run. The expected values come from the grader's own formulas below; the end-to-end embedding
is judged by its trustworthiness (sklearn.manifold.trustworthiness), not compared point by point.
"""

import math

import numpy as np
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from threadpoolctl import threadpool_limits

from gradient_grader import assert_close, call_timeout, points, submission_rng

threadpool_limits(limits=1)

SLUG = "classical-ml/umap-by-hand"
A = 1.5769434603113077
B = 0.8950608779109733
TRUST_MIN = 0.95  # the reference reaches 0.965-0.98 on these draws, PCA 0.80-0.86, a random layout 0.5
RECIPE = ("alpha = learning_rate * (1 - epoch / n_epochs); sampled = rng.random(m) < w / w.max(); "
          "negatives = rng.integers(0, n, size=(sampled.sum(), negative_sample_rate)), with "
          "rng = np.random.default_rng(seed) made once, and the edges in np.nonzero(graph) order")


# -- the grader's own answers ------------------------------------------------------------------------------


def _distances(X):
    X = np.asarray(X, dtype=float)
    return np.sqrt(np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1))


def _knn(X, k):
    D = _distances(X)
    np.fill_diagonal(D, np.inf)
    order = np.argsort(D, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(D, order, axis=1)


def _strength_sum(d, rho, sigma):
    return float(np.sum(np.exp(-np.maximum(np.asarray(d) - rho, 0.0) / sigma)))


def _sigma(d, target):
    """Bisection on log(sigma): far more precise than the tests need."""
    rho = float(np.min(d))
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _strength_sum(d, rho, math.exp(mid)) > target:
            hi = mid
        else:
            lo = mid
    return rho, math.exp((lo + hi) / 2)


def _membership(indices, distances):
    n, k = indices.shape
    W = np.zeros((n, n))
    for i in range(n):
        rho, sigma = _sigma(distances[i], math.log2(k))
        W[i, indices[i]] = np.exp(-np.maximum(distances[i] - rho, 0.0) / sigma)
    return W


def _union(W):
    return W + W.T - W * W.T


def _similarity(d, a, b):
    return 1.0 / (1.0 + a * np.asarray(d, dtype=float) ** (2 * b))


def _attract(d2, a, b):
    return -2.0 * a * b * d2 ** (b - 1.0) / (1.0 + a * d2 ** b)


def _repel(d2, a, b):
    return 2.0 * b / ((0.001 + d2) * (1.0 + a * d2 ** b))


def _epoch(Y, heads, tails, negatives, a, b, alpha, *, clip=4.0, move_tails=False, repulsion=True, sequential=False):
    """One epoch of the statement (and, through the keywords, of the usual ways to get it wrong)."""
    Y = np.asarray(Y, dtype=float)
    new = Y.copy()
    source = new if sequential else Y

    def move(i, j, rule):
        diff = source[i] - source[j]
        d2 = float(diff @ diff)
        if d2 <= 0:
            return np.zeros(2)
        return alpha * np.clip(rule(d2, a, b) * diff, -clip, clip)

    for e, (h, t) in enumerate(zip(heads, tails, strict=True)):
        step = move(h, t, _attract)
        new[h] += step
        if move_tails:
            new[t] -= step
        if repulsion:
            for k in negatives[e]:
                new[h] += move(h, k, _repel)
    return new


def _layout(graph, Y, n_epochs, a, b, seed, rate, learning_rate):
    heads, tails = np.nonzero(graph)
    probability = graph[heads, tails] / graph[heads, tails].max()
    rng = np.random.default_rng(seed)
    Y = np.array(Y, dtype=float)
    for epoch in range(n_epochs):
        keep = rng.random(len(heads)) < probability
        negatives = rng.integers(0, len(Y), size=(int(keep.sum()), rate))
        Y = _epoch(Y, heads[keep], tails[keep], negatives, a, b, learning_rate * (1.0 - epoch / n_epochs))
    return Y


def _pca_init(X):
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    Y = centred @ vt[:2].T
    return 10.0 * Y / np.abs(Y).max()


# -- draws and checks ----------------------------------------------------------------------------------------


def _clusters(rng, n, d):
    """n points in d dimensions around four random centres: continuous, so no two distances tie."""
    centers = rng.normal(0, 5, size=(4, d))
    X = centers[rng.integers(0, 4, size=n)] + rng.normal(0, 1, size=(n, d)) * rng.uniform(0.5, 1.5, size=(n, 1))
    return X


def _array(value, call, shape, hint=""):
    got = np.asarray(value, dtype=float)
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape}"
    assert np.all(np.isfinite(got)), f"{call} contains nan or inf{hint}"
    return got


def _float(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should give a float, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


def _pair(result, call):
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"{call} should return a pair, got {result!r:.200}"
    return result


# -- the pieces ------------------------------------------------------------------------------------------------


@points(1)
def test_knn_graph(student):
    rng = submission_rng(f"{SLUG}:knn")
    n, k = 48, int(rng.integers(4, 9))
    X = _clusters(rng, n, int(rng.integers(4, 8)))
    call = f"knn_graph(<{n} points in {X.shape[1]}-D>, k={k})"
    indices, distances = _pair(student.knn_graph(X, k), call)
    got_idx = _array(indices, call + "[0]", (n, k)).astype(int)
    got_d = _array(distances, call + "[1]", (n, k))
    want_idx, want_d = _knn(X, k)
    if np.all(got_idx[:, 0] == np.arange(n)):
        raise AssertionError(f"{call}[0]: each point lists itself as its first neighbour; leave the point out "
                             "(it is at distance 0 from itself, which would make every rho 0)")
    for i in range(n):
        if not np.array_equal(got_idx[i], want_idx[i]):
            if np.array_equal(np.sort(got_idx[i]), np.sort(want_idx[i])):
                raise AssertionError(f"{call}[0], row {i}: the right neighbours in the wrong order "
                                     f"({got_idx[i].tolist()}); sort them nearest first")
            raise AssertionError(f"{call}[0], row {i} is {got_idx[i].tolist()}: these are not the {k} points nearest "
                                 f"to point {i} (Euclidean distance, the point itself left out)")
    if np.allclose(got_d, want_d ** 2, rtol=1e-6):
        raise AssertionError(f"{call}[1] holds SQUARED distances: UMAP works with Euclidean distances")
    assert_close(got_d, want_d, rtol=1e-6, atol=1e-9, what=call + "[1] (Euclidean distance to each neighbour)")


@points(2)
def test_smooth_knn_dist(student):
    rng = submission_rng(f"{SLUG}:smooth")
    for scale in rng.permutation([1.0, 0.02, 30.0]):
        k = int(rng.integers(5, 16))
        d = (rng.uniform(0.5, 1.5) + np.concatenate([[0.0], np.sort(rng.uniform(0.05, 2.0, size=k - 1))])) * scale
        call = f"smooth_knn_dist(<{k} distances, sorted, from {d[0]:.4g} to {d[-1]:.4g}>)"
        rho, sigma = _pair(student.smooth_knn_dist(d), call)
        rho, sigma = _float(rho, call + "[0]"), _float(sigma, call + "[1]")
        assert math.isclose(rho, d[0], rel_tol=1e-12), (
            f"{call}[0] (rho) is {rho:.6g}: rho is the distance to the nearest neighbour, the smallest of the row"
        )
        assert sigma > 0 and math.isfinite(sigma), f"{call}[1] (sigma) is {sigma!r}: sigma is a positive number"
        total = _strength_sum(d, d[0], sigma)
        if not math.isclose(total, math.log2(k), rel_tol=1e-4):
            if math.isclose(float(np.sum(np.exp(-d / sigma))), math.log2(k), rel_tol=1e-3):
                hint = ("your sigma solves sum exp(-d_j / sigma) = log2(k): subtract rho first, "
                        "sum exp(-(d_j - rho) / sigma), so that the nearest neighbour always counts fully")
            elif math.isclose(total, math.log(k), rel_tol=1e-3):
                hint = "that is ln(k), the natural log: UMAP's target is log2(k), the log in base 2"
            else:
                hint = ("a larger sigma makes every term larger: when the sum is too large, lower sigma (hi = sigma), "
                        "when it is too small, raise it (lo = sigma)")
            raise AssertionError(f"{call} returned sigma = {sigma:.6g}, for which sum exp(-(d_j - rho) / sigma) is "
                                 f"{total:.6g}, not log2(k) with k the number of distances: {hint}")


@points(1)
def test_membership_strengths(student):
    rng = submission_rng(f"{SLUG}:membership")
    n, k = 40, int(rng.integers(5, 11))
    indices, distances = _knn(_clusters(rng, n, 6), k)
    call = f"membership_strengths(<the {k}-nearest-neighbour indices and distances of {n} clustered points>)"
    got = _array(student.membership_strengths(indices, distances), call, (n, n))
    outside = np.ones((n, n), dtype=bool)
    outside[np.arange(n)[:, None], indices] = False
    assert np.all(got[outside] == 0), (
        f"{call} has {int(np.count_nonzero(got[outside]))} nonzero entries outside the neighbour lists: W[i, j] is set "
        "only for the k neighbours j of point i (the graph is directed: do not symmetrise it here)"
    )
    nearest = got[np.arange(n), indices[:, 0]]
    assert np.allclose(nearest, 1.0, rtol=0, atol=1e-12), (
        f"{call}: the strength of the edge to each point's nearest neighbour should be exactly 1 "
        f"(exp(-(rho - rho) / sigma)); got {np.round(nearest[:4], 4).tolist()} ... Subtract rho before dividing by sigma"
    )
    sums = got.sum(axis=1)
    if not np.allclose(sums, math.log2(k), rtol=1e-4):
        hint = (" (ln(k): use log2(k), the log in base 2)" if np.allclose(sums, math.log(k), rtol=1e-3) else "")
        raise AssertionError(f"{call}: each row should sum to log2(k), k the number of neighbours; the rows sum to "
                             f"{np.round(sums[:4], 5).tolist()} ...{hint}")
    assert_close(got, _membership(indices, distances), rtol=0, atol=1e-4,
                 what=call + " (W[i, indices[i, j]] = exp(-(distances[i, j] - rho_i) / sigma_i))")


@points(1)
def test_fuzzy_union(student):
    rng = submission_rng(f"{SLUG}:union")
    n = int(rng.integers(15, 26))
    W = np.zeros((n, n))
    for i in range(n):
        others = rng.choice(np.delete(np.arange(n), i), size=4, replace=False)
        W[i, others] = rng.uniform(0.05, 1.0, size=4)
        W[i, others[0]] = 1.0
    for i in range(0, n - 1, 3):  # some mutual pairs for sure, where the union differs from the plain sum
        W[i, i + 1], W[i + 1, i] = rng.uniform(0.2, 0.9), rng.uniform(0.2, 0.9)
    call = f"fuzzy_union(<a {n}x{n} directed graph of membership strengths in [0, 1]>)"
    got = _array(student.fuzzy_union(W), call, (n, n))
    if np.allclose(got, (W + W.T) / 2, atol=1e-12):
        raise AssertionError(
            f"{call} returned (W + W.T) / 2, the average: UMAP joins the two directed graphs with the fuzzy union "
            "W + W.T - W * W.T (the probability that at least one of the two directed edges exists), so an edge "
            "only one point sees keeps its full strength"
        )
    if np.allclose(got, np.maximum(W, W.T), atol=1e-12):
        raise AssertionError(f"{call} returned max(W, W.T): use the probabilistic union W + W.T - W * W.T")
    if np.allclose(got, W + W.T, atol=1e-12):
        raise AssertionError(f"{call} returned W + W.T, which goes above 1: subtract the product W * W.T")
    assert np.allclose(got, got.T, atol=1e-12), f"{call} is not symmetric"
    assert_close(got, _union(W), rtol=1e-12, atol=1e-15, what=call + " (W + W.T - W * W.T, elementwise)")


@points(1)
def test_low_dim_similarity(student):
    rng = submission_rng(f"{SLUG}:similarity")
    d = rng.uniform(0, 4, size=(6, 7))
    d[0, 0] = 0.0
    a, b = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.6, 0.95))
    call = f"low_dim_similarity(<a 6x7 array of distances from 0 to 4>, a={a:.4g}, b={b:.4g})"
    got = _array(student.low_dim_similarity(d, a, b), call, d.shape)
    if np.allclose(got, 1.0 / (1.0 + a * d ** b), rtol=1e-9):
        raise AssertionError(f"{call} used d ** b: the curve is 1 / (1 + a d^(2b)), d ** (2 * b)")
    if np.allclose(got, (1.0 + a * d ** 2) ** -b, rtol=1e-9):
        raise AssertionError(f"{call} used (1 + a d^2) ** -b: the curve is 1 / (1 + a d^(2b))")
    assert_close(got, _similarity(d, a, b), rtol=1e-9, atol=1e-15, what=call + " (1 / (1 + a d^(2b)), elementwise)")


@points(2)
def test_optimize_epoch(student):
    rng = submission_rng(f"{SLUG}:epoch")
    n, m = 25, 40
    Y = rng.normal(0, 2, size=(n, 2))
    heads = rng.integers(0, n, size=m)
    tails = (heads + rng.integers(1, n, size=m)) % n
    Y[tails[0]] = Y[heads[0]]  # one edge between two points at the same place: no move, and no nan
    a, b, alpha = float(rng.uniform(1.2, 2.0)), float(rng.uniform(0.75, 0.95)), float(rng.uniform(0.3, 0.9))
    args = f"a={a:.4g}, b={b:.4g}, alpha={alpha:.4g}"

    call = f"optimize_epoch(<{n} points in 2-D>, <{m} edges>, negatives=<shape ({m}, 0): no negative samples>, {args})"
    none = np.zeros((m, 0), dtype=int)
    coincident = (": two ends of an edge at the same place give d2 = 0, and d2 ** (b - 1) is inf there; their "
                  "coefficient is 0 (no move)")
    got = _array(student.optimize_epoch(Y, heads, tails, none, a, b, alpha), call, Y.shape, coincident)
    if np.allclose(got, _epoch(Y, heads, tails, none, a, b, alpha, move_tails=True), atol=1e-9):
        raise AssertionError(f"{call} moved the tails as well as the heads: move only heads[e] (the edge list holds "
                             "each edge in both directions, so both ends move anyway)")
    if np.allclose(got, _epoch(Y, heads, tails, none, a, b, alpha, sequential=True), atol=1e-9):
        raise AssertionError(f"{call} updated the layout in place, edge after edge: compute every move from the "
                             "layout as it was at the start of the epoch, then add them all up (np.add.at)")
    if np.allclose(got, 2 * Y - _epoch(Y, heads, tails, none, a, b, alpha), atol=1e-9):
        raise AssertionError(f"{call} pushed the ends of each edge apart: attraction pulls the head TOWARDS the tail "
                             "(the coefficient -2ab d2^(b-1) / (1 + a d2^b) is negative, times y_head - y_tail)")
    assert_close(got, _epoch(Y, heads, tails, none, a, b, alpha), rtol=1e-9, atol=1e-12, what=(
        call + " (attraction only: y_h += alpha * clip(coeff * (y_h - y_t), -4, 4) with "
        "coeff = -2ab d2^(b-1) / (1 + a d2^b), 0 where d2 = 0)"))

    s = 3
    negatives = rng.integers(0, n, size=(m, s))
    negatives[2, 0] = heads[2]  # a negative sample that is the head itself: d2 = 0, no move
    close = int((heads[3] + 1) % n)
    # a negative sample almost on the head: its repulsion is clipped at 4
    Y[close] = Y[heads[3]] + rng.choice([-1.0, 1.0], size=2) * rng.uniform(0.005, 0.01, size=2)
    negatives[3, 0] = close
    call = (f"optimize_epoch(<{n} points in 2-D>, <{m} edges>, negatives=<shape ({m}, {s}), one of them almost on its "
            f"head, one the head itself>, {args})")
    got = _array(student.optimize_epoch(Y, heads, tails, negatives, a, b, alpha), call, Y.shape, coincident)
    if np.allclose(got, _epoch(Y, heads, tails, negatives, a, b, alpha, repulsion=False), atol=1e-9):
        raise AssertionError(f"{call} ignored the negative samples: without repulsion every connected group of "
                             "points collapses onto itself")
    if np.allclose(got, _epoch(Y, heads, tails, negatives, a, b, alpha, clip=np.inf), atol=1e-9):
        raise AssertionError(f"{call} did not clip: clip each coordinate of coeff * (y_h - y_k) to [-4, 4] (the "
                             "repulsion of a point almost on top of the head is huge)")
    assert_close(got, _epoch(Y, heads, tails, negatives, a, b, alpha), rtol=1e-9, atol=1e-12, what=(
        call + " (repulsion: y_h += alpha * clip(coeff * (y_h - y_k), -4, 4) for each negative k, with "
        "coeff = 2b / ((0.001 + d2) (1 + a d2^b)), 0 where d2 = 0)"))


@points(1)
def test_optimize_layout(student):
    rng = submission_rng(f"{SLUG}:layout")
    n = 40
    indices, distances = _knn(_clusters(rng, n, 5), 6)
    graph = _union(_membership(indices, distances))
    Y0 = rng.normal(0, 3, size=(n, 2))
    n_epochs, seed = 3, int(rng.integers(0, 10_000))
    rate, learning_rate = int(rng.integers(2, 5)), float(rng.uniform(0.5, 1.0))
    call = (f"optimize_layout(<the fuzzy graph of {n} points>, <a random layout>, n_epochs={n_epochs}, a=A, b=B, "
            f"seed={seed}, negative_sample_rate={rate}, learning_rate={learning_rate:.4g})")
    with call_timeout(30):
        first = _array(student.optimize_layout(graph, Y0, n_epochs, A, B, seed, negative_sample_rate=rate,
                                               learning_rate=learning_rate), call, Y0.shape)
        again = _array(student.optimize_layout(graph, Y0, n_epochs, A, B, seed, negative_sample_rate=rate,
                                               learning_rate=learning_rate), call, Y0.shape)
    assert np.array_equal(first, again), (
        f"{call} gave two different layouts in two calls: draw every random number from one generator made from "
        "the seed, rng = np.random.default_rng(seed), inside the function"
    )
    assert not np.allclose(first, Y0), f"{call} returned the starting layout: nothing moved"
    assert_close(first, _layout(graph, Y0, n_epochs, A, B, seed, rate, learning_rate), rtol=1e-7, atol=1e-9, what=(
        f"{call} (per epoch: {RECIPE}; then optimize_epoch)"))


@points(2)
def test_umap_embed(student):
    rng = submission_rng(f"{SLUG}:digits")
    digits = load_digits()
    rows = rng.choice(len(digits.data), size=300, replace=False)
    X = digits.data[rows] / 16.0
    k, seed = int(rng.choice([10, 15])), int(rng.integers(0, 10_000))
    call = f"umap_embed(<300 of scikit-learn's digits, pixels / 16>, n_neighbors={k}, n_epochs=200, seed={seed})"
    with call_timeout(60):
        Y = _array(student.umap_embed(X, k, 200, seed), call, (300, 2))
    spread = float(np.abs(Y - Y.mean(axis=0)).max())
    trust = float(trustworthiness(X, Y, n_neighbors=10))
    pca = float(trustworthiness(X, _pca_init(X), n_neighbors=10))
    shrunk = (f" The layout also shrank: every point lies within {spread:.3g} of the centre, after a start that "
              "filled [-10, 10]; without repulsion everything collapses" if spread < 6 else "")
    assert trust >= TRUST_MIN, (
        f"{call}: the map's trustworthiness (10 neighbours) is {trust:.4f}; a working UMAP keeps neighbourhoods "
        f"well: at least {TRUST_MIN} (the PCA start has {pca:.4f}, a random layout about 0.5).{shrunk}"
    )
