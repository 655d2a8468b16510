"""Hidden grader for classical-ml/decision-tree-scratch.

Expected results come from `_Replay`, the statement's rules written out as plain loops (every candidate
threshold tried one by one), on data drawn for each submission (`submission_rng`), so values copied from
one run's feedback do not fit the next. One test compares the student's accuracy with scikit-learn's
DecisionTreeClassifier on the same data.
"""

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "classical-ml/decision-tree-scratch"
TOL = 1e-12


# ----------------------------------------------------------------------------------------- the replay


def _impurity(y, criterion="gini"):
    if len(y) == 0:
        return 0.0
    p = np.unique(y, return_counts=True)[1] / len(y)
    return float(1.0 - np.sum(p**2)) if criterion == "gini" else float(-np.sum(p * np.log2(p)))


def _split_feature(x, y, criterion="gini"):
    values = np.unique(x)
    parent = _impurity(y, criterion)
    best_t, best_g = None, 0.0
    for a, b in zip(values[:-1], values[1:]):
        t = (a + b) / 2
        left = x <= t
        child = (left.sum() * _impurity(y[left], criterion) + (~left).sum() * _impurity(y[~left], criterion)) / len(y)
        if best_t is None or parent - child > best_g + TOL:
            best_t, best_g = float(t), parent - child
    return best_t, best_g


def _split(X, y, criterion="gini"):
    best = (None, None, 0.0)
    for j in range(X.shape[1]):
        t, g = _split_feature(X[:, j], y, criterion)
        if t is not None and (best[0] is None or g > best[2] + TOL):
            best = (j, t, g)
    return best


class _Replay:
    def __init__(self, X, y, max_depth=None, min_samples_split=2, criterion="gini"):
        self.classes = np.unique(y)
        self.args = (max_depth, min_samples_split, criterion)
        self.importance = np.zeros(X.shape[1])
        self.n = len(y)
        self.depth, self.leaves = 0, 0
        self.root = self._grow(X, y, 0)
        total = self.importance.sum()
        self.importances = self.importance / total if total > 0 else self.importance

    def _grow(self, X, y, depth):
        max_depth, min_split, criterion = self.args
        proba = np.array([np.mean(y == c) for c in self.classes])
        stop = (max_depth is not None and depth >= max_depth) or len(y) < min_split or len(np.unique(y)) == 1
        j, t, g = (None, None, 0.0) if stop else _split(X, y, criterion)
        if j is None:
            self.depth, self.leaves = max(self.depth, depth), self.leaves + 1
            return proba
        self.importance[j] += len(y) / self.n * g
        left = X[:, j] <= t
        return (j, t, self._grow(X[left], y[left], depth + 1), self._grow(X[~left], y[~left], depth + 1))

    def proba(self, X):
        out = []
        for row in X:
            node = self.root
            while isinstance(node, tuple):
                node = node[2] if row[node[0]] <= node[1] else node[3]
            out.append(node)
        return np.array(out)

    def predict(self, X):
        return self.classes[np.argmax(self.proba(X), axis=1)]


# ----------------------------------------------------------------------------------------- the data


def _data(rng, n, labels=(0, 1, 2)):
    """Five features: two continuous, one rounded to 0.5 (many repeats), one integer 0-3, one pure noise."""
    X = np.column_stack([
        rng.normal(0, 1, n), rng.uniform(-2, 2, n), np.round(rng.normal(0, 1.5, n) * 2) / 2,
        rng.integers(0, 4, n).astype(float), rng.normal(0, 1, n),
    ])
    score = 1.6 * X[:, 0] - 0.9 * X[:, 1] ** 2 + 0.7 * X[:, 3] - 0.5 * np.abs(X[:, 2]) + rng.normal(0, 0.5, n)
    y = np.asarray(labels)[np.digitize(score, [-0.6, 1.2])]
    return X, y


def _fit(student, X, y, call, **kwargs):
    tree = student.DecisionTree(**kwargs)
    fitted = tree.fit(X, y)
    assert fitted is not None, f"{call}.fit(X, y) returned None; fit should return self"
    return tree


def _labels(tree, X, call):
    got = np.asarray(tree.predict(X))
    assert got.shape == (len(X),), f"{call}.predict(X) returned shape {got.shape}, expected ({len(X)},)"
    return got


def _pair(got, call, size):
    if size == 2:
        assert isinstance(got, (tuple, list)) and len(got) == 2, (
            f"{call} should return a tuple (threshold, gain), got {type(got).__name__}: {got!r:.200}"
        )
    else:
        assert isinstance(got, (tuple, list)) and len(got) == 3, (
            f"{call} should return a tuple (feature, threshold, gain), got {type(got).__name__}: {got!r:.200}"
        )
    return got


# ----------------------------------------------------------------------------------------- the tests


@shows_expected
@points(1)
def test_impurity_worked_examples(student):
    cases = [
        ("gini", [0, 0, 1, 1], 0.5), ("gini", [3, 3, 3], 0.0), ("gini", [0, 1, 2], 2 / 3), ("gini", [], 0.0),
        ("entropy", [0, 0, 1, 1], 1.0), ("entropy", [4, 5, 6, 7], 2.0), ("entropy", [5], 0.0), ("entropy", [], 0.0),
    ]
    for name, y, want in cases:
        call = f"{name}(np.array({y}))"
        got = getattr(student, name)(np.array(y, dtype=np.int64))
        assert isinstance(got, (float, int)) and not isinstance(got, bool), (
            f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
        )
        hint = " (entropy uses log base 2)" if name == "entropy" else ""
        assert abs(got - want) < 1e-9, f"{call} returned {got!r}, expected {want!r}{hint}"


@points(1)
def test_impurity_on_random_labels(student):
    rng = submission_rng(f"{SLUG}:impurity")
    for k in (2, 3, 5):
        labels = np.sort(rng.choice(np.arange(1, 20), size=k, replace=False))
        y = rng.choice(labels, size=int(rng.integers(15, 60)), p=rng.dirichlet(np.ones(k)))
        for name in ("gini", "entropy"):
            call = f"{name}(y) with {len(y)} labels among {sorted(set(y.tolist()))}, counts {np.unique(y, return_counts=True)[1].tolist()}"
            got = getattr(student, name)(y)
            assert_close(got, _impurity(y, name), atol=1e-9, what=call)


@shows_expected
@points(1.5)
def test_best_split_feature_worked_examples(student):
    x, y = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 4.0]), np.array([0, 0, 0, 1, 1, 1])
    call = "best_split_feature(x=[1, 2, 2, 3, 4, 4], y=[0, 0, 0, 1, 1, 1])"
    threshold, gain = _pair(student.best_split_feature(x, y), call, 2)
    assert threshold is not None and abs(threshold - 2.5) < 1e-9, (
        f"{call} returned threshold {threshold!r}, expected 2.5: candidate thresholds are the midpoints between "
        "consecutive distinct sorted values (1.5, 2.5, 3.5), not the values themselves"
    )
    assert abs(gain - 0.5) < 1e-9, f"{call} returned gain {gain!r}, expected 0.5 (gini 0.5 of the parent, pure children)"
    threshold, gain = _pair(student.best_split_feature(x, y, criterion="entropy"), call[:-1] + ", criterion='entropy')", 2)
    assert threshold is not None and abs(threshold - 2.5) < 1e-9 and abs(gain - 1.0) < 1e-9, (
        f"{call[:-1]}, criterion='entropy') returned ({threshold!r}, {gain!r}), expected (2.5, 1.0)"
    )
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 1, 1, 0])
    call = "best_split_feature(x=[1, 2, 3, 4], y=[0, 1, 1, 0])"
    threshold, gain = _pair(student.best_split_feature(x, y), call, 2)
    assert threshold is not None and abs(threshold - 1.5) < 1e-9 and abs(gain - 1 / 6) < 1e-9, (
        f"{call} returned ({threshold!r}, {gain!r}), expected (1.5, 0.16666...): 1.5 and 3.5 have the same gain, "
        "and a tie goes to the smallest threshold"
    )
    call = "best_split_feature(x=[7, 7, 7], y=[0, 1, 0])"
    got = _pair(student.best_split_feature(np.array([7.0, 7.0, 7.0]), np.array([0, 1, 0])), call, 2)
    assert got[0] is None and got[1] == 0.0, f"{call} returned {got!r}, expected (None, 0.0): a constant feature has no split"
    call = "best_split(X=np.ones((5, 3)), y=[0, 1, 0, 1, 1])"
    got = _pair(student.best_split(np.ones((5, 3)), np.array([0, 1, 0, 1, 1])), call, 3)
    assert list(got) == [None, None, 0.0], f"{call} returned {got!r}, expected (None, None, 0.0): no column can be split"


@shows_expected
@points(1)
def test_child_impurity_is_weighted(student):
    x, y = np.arange(1.0, 9.0), np.array([0, 0, 0, 0, 1, 0, 1, 1])
    call = "best_split_feature(x=[1, 2, ..., 8], y=[0, 0, 0, 0, 1, 0, 1, 1])"
    threshold, gain = _pair(student.best_split_feature(x, y), call, 2)
    assert abs(gain - 0.28125) < 1e-9, (
        f"{call} returned ({threshold!r}, {gain!r}), expected (4.5, 0.28125). The impurity of the children is "
        "their AVERAGE WEIGHTED BY SAMPLE COUNT: 0.46875 - (4/8 * 0.0 + 4/8 * 0.375). An unweighted mean of the two "
        "children's impurities prefers cutting off a tiny pure group (6.5 here)"
    )
    assert threshold is not None and abs(threshold - 4.5) < 1e-9, (
        f"{call} returned threshold {threshold!r} with the right gain 0.28125, expected 4.5: the midpoint between "
        "4 and 5"
    )


@points(1.5)
def test_best_split_feature_on_random_columns(student):
    rng = submission_rng(f"{SLUG}:split-feature")
    X, y = _data(rng, 80)
    for criterion in ("gini", "entropy"):
        for j in range(4):
            call = f"best_split_feature(X[:, {j}], y, criterion={criterion!r}) on 80 generated rows"
            threshold, gain = _pair(student.best_split_feature(X[:, j], y, criterion=criterion), call, 2)
            want_t, want_g = _split_feature(X[:, j], y, criterion)
            values = np.unique(X[:, j])
            assert threshold is not None, f"{call} returned threshold None for a column with {len(values)} distinct values"
            assert not np.any(np.isclose(values, threshold, rtol=0, atol=1e-12)), (
                f"{call} returned threshold {threshold!r}, which is one of the column's values: thresholds are "
                "midpoints between consecutive distinct sorted values"
            )
            assert abs(threshold - want_t) < 1e-9, (
                f"{call} returned threshold {threshold!r}, expected {expected(want_t)}; your gain there is {gain!r}"
            )
            assert_close(gain, want_g, atol=1e-9, what=f"{call}: the gain")


@points(1.5)
def test_best_split_over_features(student):
    rng = submission_rng(f"{SLUG}:split")
    X, y = _data(rng, 60)
    j = int(np.argmax([_split_feature(X[:, k], y)[1] for k in range(X.shape[1])]))
    X = np.column_stack([np.full(len(X), 3.0), X, X[:, j]])  # a constant column first, the best column again last
    call = "best_split(X, y) on 60 generated rows (column 0 constant, the last column a copy of another)"
    feature, threshold, gain = _pair(student.best_split(X, y), call, 3)
    want = _split(X, y)
    assert feature == want[0], (
        f"{call} returned feature {feature!r}, expected {expected(want[0])} (the largest gain; a tie goes to the "
        "LOWEST feature index, and a constant column can never be chosen)"
    )
    assert threshold is not None and abs(threshold - want[1]) < 1e-9, (
        f"{call} returned threshold {threshold!r} for feature {feature}, expected {expected(want[1])}"
    )
    assert_close(gain, want[2], atol=1e-9, what=f"{call}: the gain")


@points(2)
def test_depth_and_leaves(student):
    rng = submission_rng(f"{SLUG}:depth")
    X, y = _data(rng, 150)
    for max_depth in (1, 2, 3, None):
        call = f"DecisionTree(max_depth={max_depth}).fit(X, y) on 150 generated rows"
        tree = _fit(student, X, y, call, max_depth=max_depth)
        replay = _Replay(X, y, max_depth=max_depth)
        depth, leaves = tree.get_depth(), tree.get_n_leaves()
        assert depth == replay.depth, (
            f"{call}: get_depth() is {depth!r}, expected {expected(replay.depth)}. The root is at depth 0, and a "
            "node at depth max_depth is a leaf (max_depth=1 gives one split and two leaves)"
        )
        assert leaves == replay.leaves, f"{call}: get_n_leaves() is {leaves!r}, expected {expected(replay.leaves)}"
        wrong = int(np.sum(_labels(tree, X, call) != replay.predict(X)))
        assert wrong == 0, f"{call}: {wrong} of {len(X)} training rows get a different label than expected"


@points(1)
def test_min_samples_split(student):
    rng = submission_rng(f"{SLUG}:min-split")
    X, y = _data(rng, 150)
    for min_split in (30, 75, 151):
        call = f"DecisionTree(min_samples_split={min_split}).fit(X, y) on 150 generated rows"
        tree = _fit(student, X, y, call, min_samples_split=min_split)
        replay = _Replay(X, y, min_samples_split=min_split)
        leaves = tree.get_n_leaves()
        assert leaves == replay.leaves, (
            f"{call}: get_n_leaves() is {leaves!r}, expected {expected(replay.leaves)} (a node with FEWER than "
            "min_samples_split rows is a leaf; one with exactly min_samples_split rows may still split)"
        )
        wrong = int(np.sum(_labels(tree, X, call) != replay.predict(X)))
        assert wrong == 0, f"{call}: {wrong} of {len(X)} training rows get a different label than expected"


@points(1.5)
def test_predict_and_predict_proba_on_new_rows(student):
    rng = submission_rng(f"{SLUG}:proba")
    X, y = _data(rng, 120, labels=(3, 5, 8))
    X_new, _ = _data(rng, 200, labels=(3, 5, 8))
    call = "DecisionTree(max_depth=4).fit(X, y)"
    tree = _fit(student, X, y, call + " with labels 3, 5 and 8", max_depth=4)
    replay = _Replay(X, y, max_depth=4)
    classes = np.asarray(tree.classes_)
    call = "tree = DecisionTree(max_depth=4).fit(X, y) with labels 3, 5 and 8; tree"
    assert classes.tolist() == [3, 5, 8], f"{call}.classes_ is {classes.tolist()}, expected the sorted labels [3, 5, 8]"
    proba = np.asarray(tree.predict_proba(X_new))
    assert proba.shape == (200, 3), f"{call}.predict_proba(200 new rows) has shape {proba.shape}, expected (200, 3)"
    assert np.allclose(proba.sum(axis=1), 1.0), f"{call}.predict_proba: the rows should sum to 1, got sums like {proba.sum(axis=1)[:4]}"
    want = replay.proba(X_new)
    differ = int(np.sum(~np.isclose(proba, want, atol=1e-9).all(axis=1)))
    assert differ == 0, (
        f"{call}.predict_proba(200 new rows): {differ} rows differ from the expected leaf class frequencies "
        "(a new row goes LEFT when x[feature] <= threshold, with thresholds at midpoints)"
    )
    labels = _labels(tree, X_new, call)
    wrong = int(np.sum(labels != replay.predict(X_new)))
    assert wrong == 0, f"{call}.predict(200 new rows): {wrong} labels differ (predict the most frequent class of the leaf, as a label from classes_)"


@points(1)
def test_feature_importances(student):
    rng = submission_rng(f"{SLUG}:importances")
    X, y = _data(rng, 150)
    for max_depth in (3, None):
        call = f"DecisionTree(max_depth={max_depth}).fit(X, y).feature_importances_"
        tree = _fit(student, X, y, call, max_depth=max_depth)
        got = np.asarray(tree.feature_importances_, dtype=float)
        assert got.shape == (5,), f"{call} has shape {got.shape}, expected one value per feature: (5,)"
        assert abs(got.sum() - 1.0) < 1e-9, f"{call} sums to {got.sum():.6f}; normalise the importances to sum to 1"
        assert_close(got, _Replay(X, y, max_depth=max_depth).importances, atol=1e-9, what=(
            f"{call} (each split adds n_node / n_total * gain to its feature)"
        ))
    call = "DecisionTree(max_depth=0).fit(X, y)"
    tree = _fit(student, X, y, call, max_depth=0)
    got = np.asarray(tree.feature_importances_, dtype=float)
    assert np.allclose(got, 0.0) and tree.get_n_leaves() == 1, (
        f"{call}: a tree of depth 0 is a single leaf, with importances all 0; got {got.tolist()} and "
        f"{tree.get_n_leaves()} leaves"
    )


@points(1)
def test_entropy_criterion(student):
    rng = submission_rng(f"{SLUG}:entropy")
    X, y = _data(rng, 150)
    X_new, _ = _data(rng, 150)
    call = "DecisionTree(max_depth=4, criterion='entropy').fit(X, y)"
    tree = _fit(student, X, y, call, max_depth=4, criterion="entropy")
    replay = _Replay(X, y, max_depth=4, criterion="entropy")
    wrong = int(np.sum(_labels(tree, X_new, call) != replay.predict(X_new)))
    assert wrong == 0, f"{call}.predict(150 new rows): {wrong} labels differ from a tree grown with entropy gains"
    assert_close(np.asarray(tree.feature_importances_, dtype=float), replay.importances, atol=1e-9,
                 what=f"{call}.feature_importances_")


@shows_expected  # the data are drawn anew for each submission: scikit-learn's accuracy on them gives nothing away
@points(1)
def test_accuracy_close_to_scikit_learn(student):
    rng = submission_rng(f"{SLUG}:sklearn")
    X, y = _data(rng, 400)
    X_test, y_test = _data(rng, 1000)
    call = "DecisionTree(max_depth=5).fit(400 generated rows)"
    try:
        tree = _fit(student, X, y, call, max_depth=5)
        accuracy = float(np.mean(_labels(tree, X_test, call) == y_test))
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message}") from None
    theirs = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)
    reference = float(np.mean(theirs.predict(X_test) == y_test))
    assert accuracy >= reference - 0.04, (
        f"{call}: accuracy {accuracy:.3f} on 1000 new rows, while scikit-learn's "
        f"DecisionTreeClassifier(max_depth=5) reaches {reference:.3f} on the same data"
    )
