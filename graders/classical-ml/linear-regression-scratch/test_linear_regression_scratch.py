"""Hidden grader for classical-ml/linear-regression-scratch.

Expected values come from NumPy's least-squares solver and from replaying the update rule of the
README; data are drawn with the seeded `rng` fixture.
"""

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def _data(rng, n=80, d=3, noise=0.1, intercept=4.0):
    X = rng.normal(size=(n, d))
    true_w = rng.uniform(-3, 3, size=d)
    y = intercept + X @ true_w + noise * rng.normal(size=n)
    return X, y, true_w


def _lstsq(X, y):
    Xb = np.hstack([np.ones((len(X), 1)), X])
    return np.linalg.lstsq(Xb, y, rcond=None)[0]


def _gd(X, y, lr, n_iters):
    Xb = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(Xb.shape[1])
    for _ in range(n_iters):
        w = w - lr * (2.0 / len(X)) * (Xb.T @ (Xb @ w - y))
    return w


def _array(value, call):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    return value


@shows_expected
@points(1)
def test_add_bias(student):
    X = np.array([[2.0, -1.0], [0.5, 3.0], [7.0, 0.0]])
    call = "add_bias([[2, -1], [0.5, 3], [7, 0]])"
    got = _array(student.add_bias(X), call)
    want = np.array([[1.0, 2.0, -1.0], [1.0, 0.5, 3.0], [1.0, 7.0, 0.0]])
    assert_close(got, want, what=f"{call} (a column of ones first, then the features)")


@shows_expected
@points(2)
def test_normal_equation_exact_line(student):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, -1.0], [4.0, 5.0]])
    y = 3.0 + 2.0 * X[:, 0] - 1.0 * X[:, 1]
    call = "fit_normal_equation(X, y) with y = 3 + 2*x1 - 1*x2 exactly"
    got = _array(student.fit_normal_equation(X, y), call)
    assert_close(got, [3.0, 2.0, -1.0], rtol=1e-6, atol=1e-6,
                 what=f"{call}: the weights [intercept, w1, w2]")


@points(1)
def test_normal_equation_noisy(student, rng):
    X, y, _ = _data(rng, n=60, d=4, noise=0.5)
    call = "fit_normal_equation(<60x4 noisy data>)"
    got = _array(student.fit_normal_equation(X, y), call)
    assert_close(got, _lstsq(X, y), rtol=1e-6, atol=1e-8, what=f"{call}: the least-squares weights")


@points(1)
def test_collinear_features(student, rng):
    base = rng.normal(size=(40, 2))
    X = np.hstack([base, base[:, :1] * 2.0])  # the third column is twice the first
    y = 1.0 + base @ np.array([1.5, -2.0]) + 0.05 * rng.normal(size=40)
    call = "fit_normal_equation(X, y) where column 3 of X is 2 * column 1"
    try:
        w = student.fit_normal_equation(X, y)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:200]}; with collinear columns X^T X is singular, "
            "so solve it with np.linalg.lstsq (or pinv) instead of inverting it"
        ) from None
    w = _array(w, call)
    assert w.shape == (4,), f"{call} returned weights of shape {w.shape}, expected (4,)"
    Xb = np.hstack([np.ones((40, 1)), X])
    assert_close(Xb @ w, Xb @ _lstsq(X, y), rtol=1e-6, atol=1e-6,
                 what=f"{call}: the predictions of the fitted weights (any least-squares solution is accepted)")


@points(2)
def test_gradient_descent_steps(student, rng):
    X, y, _ = _data(rng, n=30, d=2)
    for lr, n_iters in ((0.05, 1), (0.05, 4), (0.2, 10)):
        call = f"fit_gradient_descent(<30x2 data>, lr={lr}, n_iters={n_iters})"
        got = _array(student.fit_gradient_descent(X, y, lr=lr, n_iters=n_iters), call)
        assert_close(got, _gd(X, y, lr, n_iters), rtol=1e-7, atol=1e-9,
                     what=f"{call}: the weights (start at zeros; w -= lr * (2/n) * Xb.T @ (Xb @ w - y))")


@points(2)
def test_gradient_descent_converges(student, rng):
    X, y, _ = _data(rng, n=100, d=3, noise=0.3, intercept=-2.5)
    call = "fit_gradient_descent(<100x3 standardised data>, lr=0.1, n_iters=2000)"
    got = _array(student.fit_gradient_descent(X, y, lr=0.1, n_iters=2000), call)
    assert np.all(np.isfinite(got)), f"{call} returned {got}: the updates diverged (did you average the gradient over n?)"
    assert_close(got, _lstsq(X, y), rtol=1e-4, atol=1e-4, what=f"{call}: the weights after convergence (normal-equation solution)")


@shows_expected
@points(1)
def test_predict_and_mse(student):
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    w = np.array([0.5, 2.0, -1.0])
    call = "predict([[1, 2], [0, -1], [3, 0.5]], w=[0.5, 2, -1])"
    got = _array(student.predict(X, w), call)
    assert_close(got, [0.5, 1.5, 6.0], what=f"{call} (w[0] is the intercept)")
    call = "mse([1, 2, 3, 4], [1.5, 2, 2, 6])"
    got = student.mse(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 6.0]))
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    assert_close(got, 1.3125, what=call)


@points(2)
def test_linear_regression_class(student, rng):
    X, y, _ = _data(rng, n=120, d=3, noise=0.2, intercept=10.0)
    X_train, y_train, X_test = X[:90], y[:90], X[90:]
    w = _lstsq(X_train, y_train)
    model = student.LinearRegression()
    model.fit(X_train, y_train)
    assert_close(model.intercept_, w[0], rtol=1e-6, atol=1e-6, what="LinearRegression().fit(X, y).intercept_")
    assert_close(model.coef_, w[1:], rtol=1e-6, atol=1e-6, what="LinearRegression().fit(X, y).coef_ (the weights without the intercept)")
    assert_close(model.predict(X_test), w[0] + X_test @ w[1:], rtol=1e-6, atol=1e-6,
                 what="LinearRegression().fit(X_train, y_train).predict(X_test)")

    gd = student.LinearRegression(method="gd", lr=0.1, n_iters=1500)
    gd.fit(X_train, y_train)
    assert_close(gd.predict(X_test), w[0] + X_test @ w[1:], rtol=1e-4, atol=1e-4,
                 what="LinearRegression(method='gd', lr=0.1, n_iters=1500).fit(X_train, y_train).predict(X_test)")
