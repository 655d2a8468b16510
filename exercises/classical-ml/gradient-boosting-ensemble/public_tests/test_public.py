"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and a few properties on small made-up data. The hidden grader checks
more: the forest rebuilt tree by tree, the learning rate, early stopping, on data drawn for each submission.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import GradientBoostingRegressor, RandomForest, bootstrap_indices, majority_vote  # noqa: E402

X_STEP = np.arange(8.0).reshape(-1, 1)
Y_STEP = np.array([1.0, 1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0])


def test_statement_bootstrap_indices():
    got = np.asarray(bootstrap_indices(8, 0))
    assert got.tolist() == [6, 5, 4, 2, 2, 0, 0, 0], f"bootstrap_indices(8, 0) returned {got.tolist()}"
    big = np.asarray(bootstrap_indices(1000, 3))
    share = len(np.unique(big)) / 1000
    assert 0.55 < share < 0.72, f"{share:.0%} of 1000 bootstrap indices are distinct: draw WITH replacement (about 63%)"


def test_statement_majority_vote():
    assert np.asarray(majority_vote(np.array([[0, 2, 1], [2, 2, 1], [0, 1, 2]]))).tolist() == [0, 2, 1]
    assert np.asarray(majority_vote(np.array([[1, 3], [3, 1]]))).tolist() == [1, 1], "a tie goes to the smallest label"


def test_forest_separates_two_clouds():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))])
    y = np.repeat([3, 7], 40)
    forest = RandomForest(n_estimators=7, random_state=1).fit(X, y)
    assert len(forest.estimators_) == 7, "estimators_ should hold n_estimators trees"
    got = np.asarray(forest.predict(np.array([[-2.0, -2.0, -2.0], [2.0, 2.0, 2.0]])))
    assert got.tolist() == [3, 7], f"the forest labels the centres of the clouds {got.tolist()}, expected [3, 7]"
    again = RandomForest(n_estimators=7, random_state=1).fit(X, y).predict(X)
    assert np.array_equal(again, forest.predict(X)), "the same random_state should give the same forest"


def test_statement_boosting_stages():
    model = GradientBoostingRegressor(n_estimators=3, learning_rate=0.5, max_depth=1).fit(X_STEP, Y_STEP)
    assert np.isclose(model.init_, 3.0), f"init_ is {model.init_}, expected the mean of y: 3.0"
    stages = np.asarray(model.staged_predict(np.array([[0.0], [7.0]])))
    assert np.allclose(stages, [[2.0, 4.0], [1.5, 4.5], [1.25, 4.75]]), f"staged_predict gave {stages.tolist()}"
    assert np.allclose(model.predict(np.array([[0.0], [7.0]])), [1.25, 4.75]), "predict should equal the last stage"
    assert np.allclose(model.train_loss_, [1.0, 0.25, 0.0625]), f"train_loss_ is {model.train_loss_}"
    assert model.n_estimators_ == 3 and len(model.val_loss_) == 0


def test_no_trees_predicts_the_mean():
    model = GradientBoostingRegressor(n_estimators=0).fit(X_STEP, Y_STEP)
    assert np.allclose(model.predict(X_STEP[:2]), [3.0, 3.0])


def test_early_stopping_keeps_the_best_stage():
    rng = np.random.default_rng(5)
    X = rng.uniform(-3, 3, (60, 2))
    y = np.sin(X[:, 0]) + rng.normal(0, 0.8, 60)
    X_val = rng.uniform(-3, 3, (60, 2))
    y_val = np.sin(X_val[:, 0]) + rng.normal(0, 0.8, 60)
    model = GradientBoostingRegressor(n_estimators=100, learning_rate=0.5, max_depth=4)
    model.fit(X, y, X_val=X_val, y_val=y_val, patience=4)
    losses = list(model.val_loss_)
    best = int(np.argmin(losses)) + 1
    assert model.n_estimators_ == best, f"n_estimators_ is {model.n_estimators_}, the lowest validation loss was at stage {best}"
    assert len(losses) <= best + 4, "with patience=4, fitting stops 4 stages after the best one"
    assert len(losses) < 100, "noisy data and deep trees: the validation loss should stop improving well before 100 trees"
    assert np.asarray(model.staged_predict(X_val)).shape == (best, 60)
