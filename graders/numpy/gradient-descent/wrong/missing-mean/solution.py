import numpy as np


def gradient_descent(grad, x0, lr, max_iters=1000, tol=1e-8):
    if not lr > 0:
        raise ValueError(f"the learning rate must be positive, got {lr}")
    if max_iters < 0:
        raise ValueError(f"max_iters must be zero or more, got {max_iters}")
    if tol < 0:
        raise ValueError(f"tol must be zero or more, got {tol}")
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below instead
        for step in range(1, max_iters + 1):
            g = grad(x)
            if not np.all(np.isfinite(g)):
                raise FloatingPointError(f"the gradient is not finite at step {step}: the iteration diverged")
            if np.linalg.norm(g) < tol:
                break
            x = x - lr * g
            if not np.all(np.isfinite(x)):
                raise FloatingPointError(f"x is not finite after step {step}: the iteration diverged")
            path.append(x.copy())
    return np.array(path)


def quadratic_gd(A, b, x0, lr, max_iters=1000, tol=1e-8):
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    return gradient_descent(lambda x: A @ x - b, x0, lr, max_iters, tol)


def least_squares_gd(X, y, lr, max_iters=1000, tol=1e-8, w0=None):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    start = np.zeros(X.shape[1]) if w0 is None else w0
    return gradient_descent(lambda w: X.T @ (X @ w - y), start, lr, max_iters, tol)


def max_stable_lr(A) -> float:
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError("A must be a symmetric matrix")
    eigenvalues = np.linalg.eigvalsh(A)
    if eigenvalues[0] <= 0:
        raise ValueError("A must be positive definite")
    return float(2.0 / eigenvalues[-1])
