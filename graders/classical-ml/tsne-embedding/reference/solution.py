"""Reference solution for classical-ml/tsne-embedding."""

import numpy as np
from sklearn.manifold import TSNE, trustworthiness


def pairwise_squared_distances(X):
    X = np.asarray(X, dtype=float)
    sq = np.sum(X * X, axis=1)
    D = sq[:, None] + sq[None, :] - 2.0 * X @ X.T
    D = np.maximum(D, 0.0)
    np.fill_diagonal(D, 0.0)
    return D


def conditional_row(distances, beta):
    d = np.asarray(distances, dtype=float)
    w = np.exp(-beta * (d - d.min()))
    p = w / w.sum()
    nz = p > 0
    entropy_bits = -np.sum(p[nz] * np.log2(p[nz]))
    return p, float(2.0 ** entropy_bits)


def find_beta(distances, target_perplexity, tol=1e-5, max_iter=100):
    d = np.asarray(distances, dtype=float)
    if not 1 < target_perplexity < len(d):
        raise ValueError(f"target_perplexity must lie between 1 and {len(d)} (the number of neighbours)")
    target = np.log2(target_perplexity)
    beta, beta_min, beta_max = 1.0, 0.0, np.inf
    for _ in range(max_iter):
        _, perp = conditional_row(d, beta)
        diff = np.log2(perp) - target
        if abs(diff) < tol:
            break
        if diff > 0:  # too flat: sharpen the kernel
            beta_min = beta
            beta = beta * 2.0 if beta_max == np.inf else (beta + beta_max) / 2.0
        else:  # too peaked: widen it
            beta_max = beta
            beta = beta / 2.0 if beta_min == 0.0 else (beta + beta_min) / 2.0
    return float(beta)


def conditional_probabilities(X, perplexity):
    D = pairwise_squared_distances(X)
    n = D.shape[0]
    P = np.zeros((n, n))
    for i in range(n):
        others = np.arange(n) != i
        beta = find_beta(D[i, others], perplexity)
        P[i, others], _ = conditional_row(D[i, others], beta)
    return P


def joint_probabilities(P_conditional):
    P = np.asarray(P_conditional, dtype=float)
    return (P + P.T) / (2.0 * P.shape[0])


def student_t_affinities(Y):
    W = 1.0 / (1.0 + pairwise_squared_distances(Y))
    np.fill_diagonal(W, 0.0)
    return W / W.sum()


def kl_cost(P, Q):
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    nz = P > 0
    return float(np.sum(P[nz] * np.log(P[nz] / Q[nz])))


def kl_gradient(P, Y):
    P, Y = np.asarray(P, dtype=float), np.asarray(Y, dtype=float)
    Q = student_t_affinities(Y)
    W = 1.0 / (1.0 + pairwise_squared_distances(Y))
    np.fill_diagonal(W, 0.0)
    M = (P - Q) * W
    return 4.0 * (M.sum(axis=1)[:, None] * Y - M @ Y)


def tsne_embedding(X, perplexity, seed):
    model = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", max_iter=500,
                 random_state=seed)
    return model.fit_transform(np.asarray(X, dtype=float))


def _distances(Z):
    return np.sqrt(pairwise_squared_distances(Z))


def _upper(M):
    return M[np.triu_indices(M.shape[0], k=1)]


def structure_report(X, Y, labels, n_neighbors=10):
    X, Y, labels = np.asarray(X, dtype=float), np.asarray(Y, dtype=float), np.asarray(labels)
    classes = np.unique(labels)
    cx = np.array([X[labels == c].mean(axis=0) for c in classes])
    cy = np.array([Y[labels == c].mean(axis=0) for c in classes])
    return {
        "trustworthiness": float(trustworthiness(X, Y, n_neighbors=n_neighbors)),
        "distance_correlation": float(np.corrcoef(_upper(_distances(X)), _upper(_distances(Y)))[0, 1]),
        "centroid_distance_correlation": float(np.corrcoef(_upper(_distances(cx)), _upper(_distances(cy)))[0, 1]),
    }


def compare_embeddings(X, embeddings, labels, n_neighbors=10):
    reports = {name: structure_report(X, Y, labels, n_neighbors) for name, Y in embeddings.items()}
    return {
        "reports": reports,
        "best_local": max(reports, key=lambda name: reports[name]["trustworthiness"]),
        "best_global": max(reports, key=lambda name: reports[name]["centroid_distance_correlation"]),
    }
