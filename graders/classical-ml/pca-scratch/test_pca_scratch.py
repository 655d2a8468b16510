"""Hidden grader for classical-ml/pca-scratch.

Expected values come from NumPy's eigendecomposition of the sample covariance matrix (a different
route from the SVD most solutions use). A principal direction is only defined up to its sign, so
each of the student's components (and the matching column of the projections) is flipped to agree
with the expected one before comparing.
"""

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def _expected(X, k):
    mean = X.mean(axis=0)
    cov = np.cov(X - mean, rowvar=False, ddof=1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    return mean, vectors[:, :k].T, values[:k], values[:k] / values.sum()


def _data(rng, n=60, scales=(5.0, 2.0, 1.0, 0.3)):
    d = len(scales)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    X = (rng.normal(size=(n, d)) * np.array(scales)) @ Q.T
    return X + rng.uniform(-10, 10, size=d)  # far from the origin on purpose


def _signs(got_components, want_components):
    return np.where(np.sum(got_components * want_components, axis=1) < 0, -1.0, 1.0)


def _array(value, call):
    assert isinstance(value, np.ndarray), f"{call} should be a NumPy array, got {type(value).__name__}: {value!r:.200}"
    return value


def _fit(student, X, k, call):
    pca = student.PCA(k)
    pca.fit(X)
    components = _array(pca.components_, f"{call}.components_")
    d = X.shape[1]
    assert components.shape == (k, d), (
        f"{call}.components_ has shape {components.shape}, expected ({k}, {d}): one principal direction per ROW"
    )
    return pca, components


@points(2)
def test_mean_and_components(student, rng):
    X = _data(rng)
    mean, want, _, _ = _expected(X, 3)
    call = "PCA(3).fit(<60x4 data>)"
    pca, components = _fit(student, X, 3, call)
    assert_close(pca.mean_, mean, rtol=1e-9, atol=1e-9, what=f"{call}.mean_")
    assert_close(components @ components.T, np.eye(3), rtol=1e-7, atol=1e-7,
                 what=f"{call}.components_ @ components_.T (the rows must be orthonormal)")
    aligned = components * _signs(components, want)[:, None]
    assert_close(aligned, want, rtol=1e-6, atol=1e-6,
                 what=f"{call}.components_ (each row compared up to its sign; first row = direction of largest variance)")


@points(2)
def test_explained_variance(student, rng):
    X = _data(rng, n=50, scales=(4.0, 3.0, 0.5, 0.2, 0.1))
    _, _, variance, ratio = _expected(X, 2)
    call = "PCA(2).fit(<50x5 data>)"
    pca, _ = _fit(student, X, 2, call)
    assert_close(pca.explained_variance_, variance, rtol=1e-7,
                 what=f"{call}.explained_variance_ (variance along each component, with n - 1 in the denominator)")
    assert_close(pca.explained_variance_ratio_, ratio, rtol=1e-7,
                 what=f"{call}.explained_variance_ratio_ (divided by the TOTAL variance of all features, "
                      "so the ratios of kept components sum to less than 1)")


@points(2)
def test_transform_new_data(student, rng):
    X = _data(rng, n=70)
    X_new = _data(rng, n=10) + 3.0
    mean, want, _, _ = _expected(X, 2)
    call = "PCA(2).fit(X_train)"
    pca, components = _fit(student, X, 2, call)
    signs = _signs(components, want)
    got = _array(pca.transform(X_new), f"{call}.transform(X_new)")
    assert got.shape == (10, 2), f"{call}.transform(<10 new rows>) has shape {got.shape}, expected (10, 2)"
    assert_close(got * signs, (X_new - mean) @ want.T, rtol=1e-6, atol=1e-6,
                 what=f"{call}.transform(<10 new rows>) (centre with the TRAINING mean, then project; "
                      "columns compared up to the sign of their component)")
    fitted = _array(student.PCA(2).fit_transform(X), "PCA(2).fit_transform(X_train)")
    assert_close(fitted * signs, (X - mean) @ want.T, rtol=1e-6, atol=1e-6, what="PCA(2).fit_transform(X_train)")


@points(2)
def test_inverse_transform(student, rng):
    X = _data(rng, n=40)
    call = "PCA(4).fit(<40x4 data>)"
    pca, _ = _fit(student, X, 4, call)
    back = _array(pca.inverse_transform(pca.transform(X)), f"{call}.inverse_transform(transform(X))")
    assert_close(back, X, rtol=1e-7, atol=1e-7,
                 what=f"{call}: inverse_transform(transform(X)) with all 4 components (must give X back)")

    mean, want, _, _ = _expected(X, 2)
    call = "PCA(2).fit(<40x4 data>)"
    pca, _ = _fit(student, X, 2, call)
    back = _array(pca.inverse_transform(pca.transform(X)), f"{call}.inverse_transform(transform(X))")
    projection = (X - mean) @ want.T @ want + mean
    assert_close(back, projection, rtol=1e-6, atol=1e-6,
                 what=f"{call}: inverse_transform(transform(X)) with 2 of 4 components (the projection onto the "
                      "2-D principal plane, moved back by the mean)")


@shows_expected
@points(1)
def test_low_rank_data(student, rng):
    t = rng.normal(size=(30, 2)) * np.array([3.0, 1.0])
    X = t @ np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]) + np.array([5.0, -2.0, 7.0])
    call = "PCA(2).fit(<30 points lying on a plane in 3-D>)"
    pca, _ = _fit(student, X, 2, call)
    assert_close(float(np.sum(pca.explained_variance_ratio_)), 1.0, rtol=1e-9,
                 what=f"{call}: the sum of explained_variance_ratio_ (two components hold all the variance)")
    back = _array(pca.inverse_transform(pca.transform(X)), f"{call}.inverse_transform(transform(X))")
    assert_close(back, X, rtol=1e-7, atol=1e-7, what=f"{call}: inverse_transform(transform(X))")


@points(1)
def test_invalid_n_components(student):
    X = np.arange(12.0).reshape(4, 3)
    for k in (0, 4):
        call = f"PCA({k}).fit(<4x3 data>)"
        try:
            student.PCA(k).fit(X)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message[:200]}, expected ValueError"
        else:
            raise AssertionError(f"{call} did not raise: n_components must be between 1 and min(n_samples, n_features) = 3")
