"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example from the statement (either sign of a component is accepted) and a few rules it
states. The hidden grader checks more (generated data in more dimensions, new data, low-rank data).
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import PCA  # noqa: E402

# the statement's example: far from the origin, most of the spread along the first axis
X = np.array([[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]]) + [10.0, 5.0]


def test_statement_example_mean_and_component():
    pca = PCA(1).fit(X)
    assert isinstance(pca, PCA), "fit should return self"
    assert np.allclose(pca.mean_, [10.0, 5.0]), f"mean_ is {pca.mean_}, expected [10, 5]"
    components = np.asarray(pca.components_)
    assert components.shape == (1, 2), f"components_ should have shape (n_components, d) = (1, 2), got {components.shape}"
    assert np.allclose(np.abs(components), [[1.0, 0.0]]), (
        f"components_ is {components.tolist()}, expected [[1, 0]] or [[-1, 0]]: the direction of LARGEST variance "
        "of the CENTRED data"
    )


def test_statement_example_explained_variance():
    pca = PCA(1).fit(X)
    assert np.allclose(pca.explained_variance_, [8 / 3]), f"explained_variance_ is {pca.explained_variance_}, expected [2.6667] (denominator n - 1)"
    assert np.allclose(pca.explained_variance_ratio_, [0.8]), (
        f"explained_variance_ratio_ is {pca.explained_variance_ratio_}, expected [0.8]: divide by the TOTAL variance "
        "of all features (8/3 + 2/3), not by the sum over the kept components"
    )


def test_statement_example_transform_and_back():
    pca = PCA(1).fit(X)
    Z = np.asarray(pca.transform(X))
    assert Z.shape == (4, 1), f"transform(X) should have shape (4, 1), got {Z.shape}"
    sign = np.sign(pca.components_[0][0])
    assert np.allclose(Z.ravel(), sign * np.array([2.0, 0.0, -2.0, 0.0])), (
        f"transform(X) is {Z.ravel().tolist()}; with components_ {np.asarray(pca.components_).tolist()} expected "
        f"{(sign * np.array([2.0, 0.0, -2.0, 0.0])).tolist()}"
    )
    assert np.allclose(PCA(1).fit_transform(X), Z), "fit_transform(X) should equal fit(X).transform(X)"
    back = np.asarray(pca.inverse_transform(Z))
    assert np.allclose(back, [[12, 5], [10, 5], [8, 5], [10, 5]]), (
        f"inverse_transform(transform(X)) is {back.tolist()}, expected [[12, 5], [10, 5], [8, 5], [10, 5]]"
    )


def test_all_components_give_the_data_back():
    pca = PCA(2).fit(X)
    components = np.asarray(pca.components_)
    assert np.allclose(components @ components.T, np.eye(2)), "the components should be orthonormal rows"
    assert np.allclose(pca.inverse_transform(pca.transform(X)), X), "with all components, inverse_transform(transform(X)) is X"
    assert np.allclose(pca.explained_variance_, [8 / 3, 2 / 3]), f"explained_variance_ is {pca.explained_variance_}, expected [8/3, 2/3], largest first"


def test_invalid_n_components_raise_value_error():
    for k in (0, 3):
        with pytest.raises(ValueError):
            PCA(k).fit(X)  # n_components must be between 1 and min(n, d) = 2
