"""Hidden grader for classical-ml/gradient-boosting-ensemble.

Expected results come from replays of the statement's algorithms (`_forest`, `_Boosting`) built here with
the same scikit-learn trees, on data drawn for each submission (`submission_rng`), so values copied from one
run's feedback do not fit the next. The statement fixes every random draw (the bootstrap rows, each tree's
random_state), so a correct forest gives exactly the replay's labels, and a correct booster its predictions
up to rounding.
"""

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from gradient_grader import assert_close, expected, points, shows_expected, submission_rng

SLUG = "classical-ml/gradient-boosting-ensemble"


# ----------------------------------------------------------------------------------------- data


def _regression(rng, n):
    X = rng.uniform(-3, 3, (n, 4))
    y = 2 * np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + rng.normal(0, 0.6, n)
    return X, y


def _classification(rng, n, labels=(0, 1, 2)):
    X = rng.normal(0, 1, (n, 6))
    score = 1.5 * X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] + rng.normal(0, 0.5, n)
    return X, np.asarray(labels)[np.digitize(score, [-0.8, 0.8])]


# ----------------------------------------------------------------------------------------- replays


def _vote(predictions):
    predictions = np.asarray(predictions)
    out = []
    for column in predictions.T:
        labels, counts = np.unique(column, return_counts=True)
        out.append(labels[np.argmax(counts)])
    return np.array(out)


def _forest(X, y, X_new, n_estimators, max_features, max_depth, random_state):
    rng = np.random.default_rng(random_state)
    votes = []
    for t in range(n_estimators):
        rows = rng.integers(0, len(X), size=len(X))
        tree = DecisionTreeClassifier(max_features=max_features, max_depth=max_depth, random_state=random_state + t)
        votes.append(tree.fit(X[rows], y[rows]).predict(X_new))
    return _vote(votes)


class _Boosting:
    def __init__(self, X, y, n_estimators, learning_rate, max_depth, X_val=None, y_val=None, patience=None):
        self.init, self.lr, self.trees, self.train_loss, self.val_loss = float(np.mean(y)), learning_rate, [], [], []
        pred = np.full(len(y), self.init)
        val = None if X_val is None else np.full(len(X_val), self.init)
        best, best_stage = np.inf, 0
        for stage in range(1, n_estimators + 1):
            tree = DecisionTreeRegressor(max_depth=max_depth, random_state=0).fit(X, y - pred)
            pred = pred + learning_rate * tree.predict(X)
            self.trees.append(tree)
            self.train_loss.append(float(np.mean((y - pred) ** 2)))
            if val is not None:
                val = val + learning_rate * tree.predict(X_val)
                self.val_loss.append(float(np.mean((y_val - val) ** 2)))
                if self.val_loss[-1] < best:
                    best, best_stage = self.val_loss[-1], stage
                elif patience is not None and stage - best_stage >= patience:
                    break
        if val is not None:
            self.trees = self.trees[:best_stage]

    def staged(self, X):
        return self.init + np.cumsum([self.lr * tree.predict(X) for tree in self.trees], axis=0)

    def predict(self, X):
        return self.staged(X)[-1] if self.trees else np.full(len(X), self.init)


# ----------------------------------------------------------------------------------------- helpers


def _array(value, call, shape):
    got = np.asarray(value)
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape}"
    return got


def _booster(student, call, X, y, fit_kwargs=None, **kwargs):
    model = student.GradientBoostingRegressor(**kwargs)
    fitted = model.fit(X, y, **(fit_kwargs or {}))
    assert fitted is not None, f"{call}: fit returned None; it should return self"
    return model


# ----------------------------------------------------------------------------------------- bagging


@points(1.5)
def test_bootstrap_indices(student):
    rng = submission_rng(f"{SLUG}:bootstrap")
    for _ in range(3):
        seed = int(rng.integers(0, 2**31 - 1))
        call = f"bootstrap_indices(2000, {seed})"
        got = _array(student.bootstrap_indices(2000, seed), call, (2000,))
        assert got.dtype.kind in "iu", f"{call} should return integer row indices, got dtype {got.dtype}"
        assert got.min() >= 0 and got.max() < 2000, f"{call} returned indices from {got.min()} to {got.max()}, expected 0 to 1999"
        unique = len(np.unique(got)) / 2000
        assert unique < 0.7, (
            f"{call}: {unique:.0%} of the 2000 indices are distinct. A bootstrap sample draws WITH replacement: "
            "about 63% of the rows appear (some several times), the rest not at all"
        )
        assert unique > 0.58, f"{call}: only {unique:.0%} of the indices are distinct; a bootstrap sample of n from n has about 63%"
        same = int(np.sum(got == np.random.default_rng(seed).integers(0, 2000, size=2000)))
        assert same == 2000, (
            f"{call}: {2000 - same} of the 2000 indices differ from np.random.default_rng({seed}).integers(0, 2000, size=2000); "
            "draw them exactly that way so that forests are reproducible"
        )
    call = "bootstrap_indices(2000, 1) twice"
    first, second = student.bootstrap_indices(2000, 1), student.bootstrap_indices(2000, 1)
    assert np.array_equal(first, second), f"{call} gave different indices: seed a generator with the given rng"


@shows_expected
@points(1.5)
def test_majority_vote_worked_examples(student):
    cases = [
        ([[0, 2, 1], [2, 2, 1], [0, 1, 2]], [0, 2, 1], "the most frequent label of each column"),
        ([[1, 3], [3, 1]], [1, 1], "a tie goes to the smallest label"),
        ([[7, 4, 9, 4], [4, 7, 4, 9], [9, 9, 7, 7]], [4, 4, 4, 4], "three-way ties go to the smallest label"),
        ([[5, 6, 7]], [5, 6, 7], "a single model's votes"),
    ]
    for predictions, want, why in cases:
        call = f"majority_vote(np.array({predictions}))"
        got = _array(student.majority_vote(np.array(predictions)), call, (len(want),))
        assert got.tolist() == want, f"{call} returned {got.tolist()}, expected {want} ({why})"


@points(1)
def test_majority_vote_on_random_votes(student):
    rng = submission_rng(f"{SLUG}:vote")
    predictions = rng.choice([2, 5, 6, 11], size=(8, 300))
    call = "majority_vote(<8 models x 300 rows of labels 2, 5, 6, 11>)"
    got = _array(student.majority_vote(predictions), call, (300,))
    wrong = int(np.sum(got != _vote(predictions)))
    assert wrong == 0, f"{call}: {wrong} of 300 columns get another label (the most frequent one, ties to the smallest)"


@points(2)
def test_random_forest_matches_the_recipe(student):
    rng = submission_rng(f"{SLUG}:forest")
    X, y = _classification(rng, 240, labels=(1, 4, 6))
    X_new, _ = _classification(rng, 300)
    for kwargs in (dict(n_estimators=15, max_features="sqrt", max_depth=None, random_state=0),
                   dict(n_estimators=9, max_features=2, max_depth=3, random_state=int(rng.integers(0, 1000)))):
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        call = f"RandomForest({args}).fit(X, y) on 240 generated rows"
        forest = student.RandomForest(**kwargs)
        assert forest.fit(X, y) is not None, f"{call}: fit returned None; it should return self"
        count = len(forest.estimators_)
        assert count == kwargs["n_estimators"], f"{call}: estimators_ holds {count} trees, expected n_estimators"
        got = _array(forest.predict(X_new), f"{call}.predict(300 new rows)", (300,))
        wrong = int(np.sum(got != _forest(X, y, X_new, **kwargs)))
        assert wrong == 0, (
            f"{call}.predict(300 new rows): {wrong} labels differ from the statement's recipe (one generator "
            "np.random.default_rng(random_state) for all bootstrap samples, tree t with random_state + t and the "
            "forest's max_features and max_depth, then a majority vote)"
        )


# ----------------------------------------------------------------------------------------- boosting


@points(1)
def test_boosting_starts_from_the_mean(student):
    rng = submission_rng(f"{SLUG}:init")
    X, y = _regression(rng, 100)
    call = "GradientBoostingRegressor(n_estimators=0).fit(X, y)"
    model = _booster(student, call, X, y, n_estimators=0)
    assert_close(model.init_, float(np.mean(y)), rtol=1e-9, what=f"{call}.init_ (the mean of y)")
    got = _array(model.predict(X[:5]), f"{call}.predict(X[:5])", (5,))
    assert_close(got, np.full(5, np.mean(y)), rtol=1e-9, what=f"{call}.predict(X[:5]) with no trees")


@points(2)
def test_boosting_fits_the_residuals(student):
    rng = submission_rng(f"{SLUG}:residuals")
    X, y = _regression(rng, 200)
    X_new, _ = _regression(rng, 300)
    call = "GradientBoostingRegressor(n_estimators=40, learning_rate=0.1, max_depth=2).fit(X, y)"
    model = _booster(student, call, X, y, n_estimators=40, learning_rate=0.1, max_depth=2)
    replay = _Boosting(X, y, 40, 0.1, 2)
    stages = _array(model.staged_predict(X), f"{call}.staged_predict(X)", (40, 200))
    first = replay.staged(X)[0]
    assert np.allclose(stages[0], first, rtol=1e-6, atol=1e-6), (
        f"{call}: after the first tree (row 0 of staged_predict(X)), the training predictions differ from "
        "mean(y) + 0.1 * tree(X), where the tree is fit to the residuals y - mean(y) (not to y itself) and its "
        "output is scaled by the learning rate"
    )
    assert_close(model.predict(X_new), replay.predict(X_new), rtol=1e-6, atol=1e-6,
                 what=f"{call}.predict(300 new rows) (each tree is fit to y minus the current prediction)")


@points(1.5)
def test_learning_rate_shrinks_every_tree(student):
    rng = submission_rng(f"{SLUG}:shrinkage")
    X, y = _regression(rng, 150)
    X_new, _ = _regression(rng, 200)
    for lr in (0.5, 0.05):
        call = f"GradientBoostingRegressor(n_estimators=12, learning_rate={lr}, max_depth=3).fit(X, y)"
        model = _booster(student, call, X, y, n_estimators=12, learning_rate=lr, max_depth=3)
        got = _array(model.predict(X_new), f"{call}.predict(200 new rows)", (200,))
        assert_close(got, _Boosting(X, y, 12, lr, 3).predict(X_new), rtol=1e-6, atol=1e-6, what=(
            f"{call}.predict(200 new rows) [init_ + learning_rate * (sum of the trees' outputs): the learning "
            "rate applies when predicting too]"
        ))


@points(1.5)
def test_staged_predict_and_training_loss(student):
    rng = submission_rng(f"{SLUG}:staged")
    X, y = _regression(rng, 150)
    X_new, _ = _regression(rng, 100)
    call = "GradientBoostingRegressor(n_estimators=25, learning_rate=0.2, max_depth=2).fit(X, y)"
    model = _booster(student, call, X, y, n_estimators=25, learning_rate=0.2, max_depth=2)
    replay = _Boosting(X, y, 25, 0.2, 2)
    stages = _array(model.staged_predict(X_new), f"{call}.staged_predict(100 new rows)", (25, 100))
    assert_close(stages, replay.staged(X_new), rtol=1e-6, atol=1e-6, what=f"{call}.staged_predict(100 new rows) (row m: the prediction after m + 1 trees)")
    last = np.asarray(model.predict(X_new))
    assert np.allclose(stages[-1], last, rtol=1e-9, atol=1e-9), f"{call}: the last row of staged_predict differs from predict"
    losses = np.asarray(model.train_loss_, dtype=float)
    assert losses.shape == (25,), f"{call}.train_loss_ has {losses.size} values, expected one per tree: 25"
    assert_close(losses, replay.train_loss, rtol=1e-6, atol=1e-9, what=f"{call}.train_loss_ (the training MSE after each tree)")


@points(2)
def test_early_stopping_on_a_validation_set(student):
    rng = submission_rng(f"{SLUG}:early-stopping")
    X, y = _regression(rng, 150)
    X_val, y_val = _regression(rng, 150)
    X_new, _ = _regression(rng, 200)
    call = ("GradientBoostingRegressor(n_estimators=200, learning_rate=0.3, max_depth=4)"
            ".fit(X, y, X_val=X_val, y_val=y_val, patience=5)")
    model = _booster(student, call, X, y, dict(X_val=X_val, y_val=y_val, patience=5),
                     n_estimators=200, learning_rate=0.3, max_depth=4)
    replay = _Boosting(X, y, 200, 0.3, 4, X_val, y_val, patience=5)
    val_loss = np.asarray(model.val_loss_, dtype=float)
    assert len(val_loss) == len(replay.val_loss), (
        f"{call}: val_loss_ has {len(val_loss)} values, expected {expected(len(replay.val_loss))}: stop as soon as "
        "`patience` trees in a row have not lowered the best validation MSE"
    )
    assert_close(val_loss, replay.val_loss, rtol=1e-6, atol=1e-9, what=f"{call}.val_loss_")
    kept = model.n_estimators_
    assert kept == len(replay.trees), (
        f"{call}: n_estimators_ is {kept!r}, expected {expected(len(replay.trees))}: keep the trees up to the stage "
        "with the LOWEST validation MSE and drop the ones after it"
    )
    assert_close(model.predict(X_new), replay.predict(X_new), rtol=1e-6, atol=1e-6,
                 what=f"{call}.predict(200 new rows) (with only the kept trees)")


@shows_expected  # the data are drawn anew for each submission: the single tree's score gives nothing away
@points(1)
def test_boosting_beats_a_single_tree(student):
    rng = submission_rng(f"{SLUG}:quality")
    X, y = _regression(rng, 300)
    X_test, y_test = _regression(rng, 1000)
    call = "GradientBoostingRegressor().fit(300 generated rows)"
    model = _booster(student, call, X, y)
    mse = float(np.mean((np.asarray(model.predict(X_test)) - y_test) ** 2))
    tree = float(np.mean((DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y).predict(X_test) - y_test) ** 2))
    assert mse < 0.6 * tree, (
        f"{call}: test MSE {mse:.3f} on 1000 new rows, while one DecisionTreeRegressor(max_depth=3) gets "
        f"{tree:.3f}; 100 boosted trees should bring it below 0.6 times the single tree's"
    )
