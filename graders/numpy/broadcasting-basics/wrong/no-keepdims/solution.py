import numpy as np


def outer_product(u, v):
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    return u[:, None] * v[None, :]


def pairwise_distances(X, Y):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    diff = X[:, None, :] - Y[None, :, :]
    return np.sqrt(np.einsum("nmd,nmd->nm", diff, diff))


def nearest_neighbors(X, Y):
    return np.argmin(pairwise_distances(X, Y), axis=1)


def standardize_columns(X):
    X = np.asarray(X, dtype=float)
    constant = np.ptp(X, axis=0) == 0
    std = np.where(constant, 1.0, X.std(axis=0))
    return np.where(constant, 0.0, (X - X.mean(axis=0)) / std)


def normalize_rows(X):
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=1)  # shape (n,), broadcasts along the rows, not the columns
    return X / np.where(norms == 0, 1.0, norms)
