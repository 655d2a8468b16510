"""Hidden grader for classical-ml/logistic-regression-scratch.

Expected values are computed here with NumPy from the README's formulas (the stable forms), on data
drawn with the seeded `rng` fixture.
"""

import math

import numpy as np

from gradient_grader import assert_close, points, shows_expected


def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def _loss_from_logits(y, z):
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _replay(X, y, lr, n_iters):
    n, d = X.shape
    w, b, losses = np.zeros(d), 0.0, []
    for _ in range(n_iters):
        z = X @ w + b
        losses.append(_loss_from_logits(y, z))
        error = _sigmoid(z) - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * float(np.mean(error))
    return w, b, losses


def _blobs(rng, n_per_class=60):
    a = rng.normal(loc=[2.0, 2.0], scale=0.8, size=(n_per_class, 2))
    b = rng.normal(loc=[5.0, 5.0], scale=0.8, size=(n_per_class, 2))
    X = np.vstack([a, b])
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    order = rng.permutation(len(y))
    return X[order], y[order]


def _array(value, call):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    return value


@shows_expected
@points(1)
def test_sigmoid_values(student):
    z = np.array([[0.0, 1.0, -1.0], [2.0, -3.5, 10.0]])
    call = "sigmoid([[0, 1, -1], [2, -3.5, 10]])"
    got = _array(student.sigmoid(z), call)
    assert got.shape == z.shape, f"{call} returned shape {got.shape}, expected {z.shape} (element-wise, same shape)"
    assert_close(got, _sigmoid(z), rtol=1e-9, atol=1e-12, what=call)


@shows_expected
@points(2)
def test_sigmoid_extreme_inputs(student):
    z = np.array([-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0])
    call = "sigmoid([-1000, -745, -50, 0, 50, 745, 1000])"
    got = _array(student.sigmoid(z), call)
    assert got.shape == z.shape, f"{call} returned shape {got.shape}, expected {z.shape}"
    assert np.all(np.isfinite(got)), (
        f"{call} returned {got}: NaN or inf appears when exp() overflows. Use exp(-z) for z >= 0 and "
        "exp(z) / (1 + exp(z)) for z < 0, so exp never sees a large positive number"
    )
    assert_close(got, _sigmoid(z), rtol=1e-6, atol=1e-300, what=call)


@shows_expected
@points(1)
def test_log_loss_clips(student):
    y = np.array([1, 0, 1, 0, 1])
    p = np.array([0.9, 0.2, 0.6, 0.0, 1.0])
    call = "log_loss([1, 0, 1, 0, 1], [0.9, 0.2, 0.6, 0.0, 1.0])"
    got = student.log_loss(y, p)
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    pc = np.clip(p, 1e-15, 1 - 1e-15)
    want = float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
    assert_close(got, want, rtol=1e-6, what=call)

    p = np.array([0.0, 1.0])
    call = "log_loss([1, 0], [0.0, 1.0])  (both predictions certain and wrong)"
    got = student.log_loss(np.array([1, 0]), p)
    assert isinstance(got, float) and math.isfinite(got), (
        f"{call} returned {got!r}: clip p to [eps, 1 - eps] (eps = 1e-15) before taking logs"
    )
    assert_close(got, -math.log(1e-15), rtol=1e-3, what=call)


@shows_expected
@points(2)
def test_log_loss_from_logits_is_stable(student):
    y = np.array([1, 0, 1, 0])
    z = np.array([2.0, -1.0, 0.5, 3.0])
    call = "log_loss_from_logits([1, 0, 1, 0], [2, -1, 0.5, 3])"
    got = student.log_loss_from_logits(y, z)
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    assert_close(got, _loss_from_logits(y, z), rtol=1e-9, what=call)

    y = np.array([1, 0, 1, 0])
    z = np.array([-800.0, 900.0, 40.0, -40.0])
    call = "log_loss_from_logits([1, 0, 1, 0], [-800, 900, 40, -40])"
    got = student.log_loss_from_logits(y, z)
    want = _loss_from_logits(y, z)  # (800 + 900 + tiny + tiny) / 4
    assert isinstance(got, float) and math.isfinite(got), f"{call} returned {got!r}, expected {want:.6g}"
    assert_close(got, want, rtol=1e-6, what=(
        f"{call} (confidently wrong logits cost |z|; going through sigmoid and clipping caps each term "
        "near 34.5: compute log(1 + e^z) with np.logaddexp(0, z))"
    ))


@points(2)
def test_fit_replays_gradient_descent(student, rng):
    X, y = _blobs(rng, n_per_class=20)
    for lr, n_iters in ((0.5, 1), (0.05, 6)):
        w, b, losses = _replay(X, y, lr, n_iters)
        call = f"LogisticRegression(lr={lr}, n_iters={n_iters}).fit(<40x2 data>)"
        model = student.LogisticRegression(lr=lr, n_iters=n_iters)
        model.fit(X, y)
        assert_close(model.coef_, w, rtol=1e-7, atol=1e-10, what=f"{call}.coef_")
        assert_close(model.intercept_, b, rtol=1e-7, atol=1e-10, what=f"{call}.intercept_")
        history = model.loss_history_
        assert isinstance(history, (list, np.ndarray)) and len(history) == n_iters, (
            f"{call}.loss_history_ should be a list of {n_iters} losses (one per iteration), got {history!r:.200}"
        )
        assert_close(history, losses, rtol=1e-7, what=f"{call}.loss_history_ (the loss before each update; the first is log 2)")


@points(1)
def test_predict_proba_shape(student, rng):
    X, y = _blobs(rng, n_per_class=15)
    model = student.LogisticRegression(lr=0.1, n_iters=50)
    model.fit(X, y)
    call = "LogisticRegression(lr=0.1, n_iters=50).fit(X, y).predict_proba(X)"
    proba = _array(model.predict_proba(X), call)
    assert proba.shape == (30, 2), (
        f"{call} returned shape {proba.shape}, expected (30, 2): column 0 is P(y=0), column 1 is P(y=1)"
    )
    assert_close(proba.sum(axis=1), np.ones(30), rtol=1e-9, what=f"{call}: each row's sum")
    z = X @ np.asarray(model.coef_, dtype=float) + float(model.intercept_)
    assert_close(proba[:, 1], _sigmoid(z), rtol=1e-7, atol=1e-12, what=f"{call}[:, 1] (sigmoid(X @ coef_ + intercept_))")


@points(2)
def test_accuracy_on_held_out_data(student, rng):
    X, y = _blobs(rng, n_per_class=80)
    X_train, y_train, X_test, y_test = X[:120], y[:120], X[120:], y[120:]
    model = student.LogisticRegression(lr=0.1, n_iters=2000)
    model.fit(X_train, y_train)
    call = "LogisticRegression(lr=0.1, n_iters=2000).fit(X_train, y_train).predict(X_test)"
    pred = _array(model.predict(X_test), call)
    assert pred.shape == y_test.shape, f"{call} returned shape {pred.shape}, expected {y_test.shape}"
    assert set(np.unique(pred).tolist()) <= {0, 1}, f"{call} should return 0/1 labels, got values {np.unique(pred)[:10]}"
    accuracy = float(np.mean(pred == y_test))
    assert accuracy >= 0.9, (
        f"{call} has accuracy {accuracy:.3f} on two well separated blobs, expected at least 0.9 "
        "(the classes are not separated by a line through the origin: do you fit the intercept?)"
    )
    history = model.loss_history_
    assert history[-1] < history[0], f"the training loss went from {history[0]:.4f} to {history[-1]:.4f}: it should decrease"


@points(1)
def test_predict_threshold(student, rng):
    X, y = _blobs(rng, n_per_class=25)
    model = student.LogisticRegression(lr=0.1, n_iters=200)
    model.fit(X, y)
    p = _sigmoid(X @ np.asarray(model.coef_, dtype=float) + float(model.intercept_))
    for threshold in (0.5, 0.8, 0.2):
        call = f"model.predict(X, threshold={threshold})"
        got = _array(model.predict(X, threshold=threshold), call)
        by_proba = (p >= threshold).astype(int)  # from the student's own coef_ and intercept_
        assert got.tolist() == by_proba.tolist(), (
            f"{call} differs from (predict_proba(X)[:, 1] >= {threshold}) at {int(np.sum(got != by_proba))} of "
            f"{len(by_proba)} rows"
        )
