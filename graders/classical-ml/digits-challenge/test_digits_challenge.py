"""Hidden grader for classical-ml/digits-challenge (a leaderboard exercise with a pipeline to build).

The digits are drawn by a generator of handwriting-like strokes (``make_digits`` below), in the format of
scikit-learn's digits: 8x8 images whose pixels count the ink (0 to 16) in 4x4 blocks of a 32x32 bitmap. The
training images come from the public TRAIN_SEED; the test images from ``hidden_seed``, which mixes in the
deployment's grader secret, so no copy of any data in the student box (scikit-learn's bundled digits, the
training images, this generator run with any seed written here) holds them or their labels. Only X_train,
y_train and X_test are sent to the student box, X_test once (``send_hidden_once``); the test labels stay here.
The first half of the test images is public, the second half private; both accuracies are recorded for the
leaderboard and points are awarded on the public half. The student's function is called once and its answer
(or its first failure) reused by every test.

The other tests check the parts of the pipeline on inputs drawn for each submission (``submission_rng``):
the half-pixel augmentation against scipy.ndimage.shift, the candidates (scikit-learn Pipelines, inspected
through handles), the model selection by cross-validation (on training images with RANDOM labels, where an
honest estimate is near 10% and one that scores rows the model has seen, or copies of them, is far above),
and the confusion matrix, the per-class report and the most confused pairs against the statement's rules.

The practice file of the starter (digits_practice.csv) was drawn by ``make_digits`` with PRACTICE_SEED.
"""

import numpy as np
from scipy.ndimage import shift

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    expected,
    hidden_seed,
    points,
    record_metric,
    send_hidden_once,
    shows_expected,
    submission_rng,
)

TRAIN_SEED = 20240917
PRACTICE_SEED = 2024
HIDDEN = "classical-ml/digits-challenge:test"  # the name of the hidden test set's seed
N_TRAIN = 1500
N_TEST = 3000  # the first half public, the second half private
CALL = "train_and_predict(X_train, y_train, X_test)"
SLUG = "classical-ml/digits-challenge"
MOVES = [(0.5, 0.0), (-0.5, 0.0), (0.0, 0.5), (0.0, -0.5)]  # (down, right) in pixels: down, up, right, left
MOVE_NAMES = ["down", "up", "right", "left"]

_cache = {}


# ----------------------------------------------------------------------------------------- the generator


def _arc(cx, cy, rx, ry, start, stop, n=14):
    """An elliptic arc in the unit box (x to the right, y down), angles in degrees counter-clockwise."""
    t = np.radians(np.linspace(start, stop, n))
    return np.column_stack([cx + rx * np.cos(t), cy - ry * np.sin(t)])


def _line(*points):
    return np.array(points, dtype=float)


# For each digit, a few ways to write it; each way is a list of strokes (polylines in the unit box).
STYLES = {
    0: [[_arc(0.5, 0.5, 0.32, 0.45, 90, 450, 24)],
        [_arc(0.5, 0.5, 0.28, 0.46, 100, 455, 24)]],
    1: [[_line((0.52, 0.03), (0.5, 0.97))],
        [_line((0.3, 0.25), (0.55, 0.03), (0.52, 0.97))],
        [_line((0.3, 0.25), (0.55, 0.03), (0.52, 0.97)), _line((0.3, 0.97), (0.75, 0.97))]],
    2: [[np.vstack([_arc(0.5, 0.3, 0.3, 0.26, 160, -25), _line((0.15, 0.95), (0.87, 0.95))])],
        [np.vstack([_arc(0.5, 0.28, 0.32, 0.24, 170, -10), _line((0.2, 0.9), (0.12, 0.97), (0.88, 0.93))])]],
    3: [[_arc(0.47, 0.27, 0.3, 0.23, 150, -90), _arc(0.47, 0.72, 0.33, 0.25, 90, -150)],
        [np.vstack([_line((0.2, 0.04), (0.8, 0.04), (0.42, 0.45)), _arc(0.47, 0.7, 0.33, 0.26, 80, -155)])]],
    4: [[_line((0.62, 0.03), (0.13, 0.66), (0.9, 0.66)), _line((0.66, 0.3), (0.66, 0.97))],
        [_line((0.25, 0.03), (0.18, 0.6), (0.88, 0.6)), _line((0.7, 0.05), (0.7, 0.97))]],
    5: [[_line((0.82, 0.04), (0.3, 0.04), (0.25, 0.45)), _arc(0.5, 0.68, 0.33, 0.28, 135, -150)],
        [np.vstack([_line((0.8, 0.04), (0.28, 0.04), (0.24, 0.47)), _arc(0.5, 0.68, 0.32, 0.27, 130, -160)])]],
    6: [[np.vstack([_arc(0.7, 0.55, 0.52, 0.52, 105, 190, 10), _arc(0.48, 0.72, 0.31, 0.24, 180, -180, 24)])],
        [np.vstack([_line((0.72, 0.03), (0.25, 0.55)), _arc(0.48, 0.72, 0.3, 0.25, 160, -200, 24)])]],
    7: [[_line((0.13, 0.04), (0.87, 0.04), (0.4, 0.97))],
        [_line((0.13, 0.04), (0.87, 0.04), (0.4, 0.97)), _line((0.33, 0.52), (0.78, 0.52))],
        [_line((0.13, 0.16), (0.15, 0.04), (0.87, 0.04), (0.52, 0.97))]],
    8: [[_arc(0.5, 0.27, 0.25, 0.23, 90, 450, 20), _arc(0.5, 0.72, 0.31, 0.25, 90, 450, 20)],
        [np.vstack([_arc(0.5, 0.27, 0.26, 0.23, -60, 250, 18), _arc(0.5, 0.72, 0.3, 0.25, 110, -250, 22)])]],
    9: [[_arc(0.5, 0.3, 0.3, 0.25, 0, 360, 22), _line((0.8, 0.3), (0.7, 0.97))],
        [np.vstack([_arc(0.5, 0.3, 0.3, 0.25, -10, 350, 22), _arc(0.2, 0.3, 0.6, 0.67, 0, -80, 10)])]],
}

SIZE = 32  # the bitmap; 4x4 blocks of it make the 8x8 image
WOBBLE = 0.042  # how much a hand deforms the strokes (the difficulty of the data)
_OFFSETS = np.array([(dx, dy) for dy in range(-3, 4) for dx in range(-3, 4)], dtype=float)


def _render(strokes, radius):
    """A SIZE x SIZE bitmap: the pixels whose centre lies within ``radius`` of a stroke (pixel units)."""
    starts = np.vstack([s[:-1] for s in strokes])
    steps = np.vstack([s[1:] - s[:-1] for s in strokes])
    counts = np.maximum(1, np.ceil(np.sqrt((steps ** 2).sum(1)) / 0.5)).astype(int)  # a point every 0.5 px
    segment = np.repeat(np.arange(len(counts)), counts)
    t = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[segment]
    pen = np.vstack([starts[segment] + t[:, None] * steps[segment], *[s[-1:] for s in strokes]])
    reach = int(np.ceil(radius + 0.5))
    offsets = _OFFSETS[(np.abs(_OFFSETS) <= reach).all(1)]
    cells = np.floor(pen)[:, None, :] + offsets[None]
    d = cells + 0.5 - pen[:, None, :]
    cells = cells[d[..., 0] ** 2 + d[..., 1] ** 2 <= radius ** 2].astype(int)
    cells = cells[((cells >= 0) & (cells < SIZE)).all(1)]
    image = np.zeros((SIZE, SIZE), dtype=bool)
    image[cells[:, 1], cells[:, 0]] = True
    return image


def make_digits(n, seed):
    """n digits drawn from ``seed``: X (n, 64) floats 0-16 (pixel 8*r + c is row r, column c) and labels y."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    X = np.empty((n, 64))
    for i, label in enumerate(labels):
        styles = STYLES[int(label)]
        strokes = styles[rng.integers(len(styles))]
        # the hand: a smooth random deformation (three low-frequency waves) and a little tremor
        freq = rng.normal(0, 2.0, (3, 2))
        phase = rng.uniform(0, 2 * np.pi, (3, 2))
        amp = rng.normal(0, WOBBLE, (3, 2))
        strokes = [
            s + sum(amp[j] * np.sin(2 * np.pi * (s @ freq[j])[:, None] + phase[j]) for j in range(3))
            + rng.normal(0, WOBBLE / 3, s.shape)
            for s in strokes
        ]
        # the pose: rotation and slant, then scaled to fill the box and centred, as in the UCI digits
        angle, slant = np.radians(rng.uniform(-10, 10)), rng.uniform(-0.3, 0.3)
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ [[1, -slant], [0, 1]]
        strokes = [(s - 0.5) @ turn.T for s in strokes]
        ink = np.vstack(strokes)
        low, high = ink.min(0), ink.max(0)
        scale = rng.uniform(24, 29) / max(high[1] - low[1], 1e-6)
        scale *= min(1.0, 28 / max((high[0] - low[0]) * scale, 1e-6))
        centre = SIZE / 2 + rng.normal(0, 0.8, 2)
        strokes = [(s - (low + high) / 2) * scale + centre for s in strokes]
        bitmap = _render(strokes, radius=rng.uniform(1.1, 2.4))
        X[i] = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).ravel()
    return X, labels.astype(np.int64)


# ----------------------------------------------------------------------------------------- the grading


def training_set():
    if "train" not in _cache:
        _cache["train"] = make_digits(N_TRAIN, TRAIN_SEED)
    return _cache["train"]


def data():
    X_train, y_train = training_set()
    X_test, y_test = make_digits(N_TEST, hidden_seed(HIDDEN))
    half = N_TEST // 2
    return X_train, y_train, X_test, y_test, np.arange(half), np.arange(half, N_TEST)


def predictions(student):
    """The student's labels for the test rows (checked), computed once: the hidden images are sent once."""
    if "error" in _cache:
        raise AssertionError(_cache["error"])
    if "pred" in _cache:
        return _cache["pred"], _cache["truth"]
    X_train, y_train, X_test, y_test, public, private = data()
    try:
        with call_timeout(60):
            got = student.train_and_predict(X_train, y_train, send_hidden_once(HIDDEN, X_test))
        pred = check_labels(got, len(X_test))
    except (AssertionError, StudentError) as error:
        _cache["error"] = str(error)
        raise
    _cache.update(pred=pred, truth=(y_test, public, private))
    return pred, (y_test, public, private)


def check_labels(got, n):
    assert isinstance(got, (list, tuple, np.ndarray)), (
        f"{CALL} should return a list of {n} integer labels, got {type(got).__name__}: {got!r:.200}"
    )
    try:
        labels = np.asarray(got)
    except Exception:  # noqa: BLE001
        raise AssertionError(f"{CALL} should return a list of {n} integer labels, got {got!r:.200}") from None
    assert labels.shape == (n,), (
        f"{CALL} returned {labels.shape[0] if labels.ndim else 'a scalar'} labels "
        f"(shape {labels.shape}), expected one per row of X_test: {n}"
    )
    assert labels.dtype.kind in "iuf" and np.all(labels == np.round(labels)), (
        f"{CALL} should return integer labels, got values like {labels[:5].tolist()}"
    )
    labels = labels.astype(np.int64)
    assert labels.min() >= 0 and labels.max() <= 9, (
        f"{CALL} returned labels from {labels.min()} to {labels.max()}, expected digits 0 to 9"
    )
    return labels


def public_accuracy(student):
    pred, (truth, public, _) = predictions(student)
    return float(np.mean(pred[public] == truth[public]))


def check_threshold(student, threshold):
    accuracy = public_accuracy(student)
    assert accuracy >= threshold, (
        f"{CALL}: accuracy on the public test half is {accuracy:.4f}, this level needs at least {threshold}"
    )


@points(1)
def test_predictions_are_digit_labels(student):
    pred, (truth, public, private) = predictions(student)
    record_metric("accuracy", float(np.mean(pred[public] == truth[public])), part="public")
    record_metric("accuracy", float(np.mean(pred[private] == truth[private])), part="private")


@points(2)
def test_accuracy_at_least_0_85(student):
    check_threshold(student, 0.85)


@points(2)
def test_accuracy_at_least_0_90(student):
    check_threshold(student, 0.90)


@points(3)
def test_accuracy_at_least_0_95(student):
    check_threshold(student, 0.95)


@points(2)
def test_accuracy_at_least_0_965(student):
    check_threshold(student, 0.965)


# ----------------------------------------------------------------------------------------- the pipeline's parts


def _moved(images, move):
    return np.array([shift(image, move, order=1, mode="constant") for image in images.reshape(-1, 8, 8)]).reshape(-1, 64)


def _kind(value):
    return value._type_name if isinstance(value, Remote) else type(value).__name__


def _confusion(y_true, y_pred, n_classes):
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


@shows_expected
@points(0.5)
def test_augment_worked_example(student):
    image = np.zeros(64)
    image[8 * 3 + 4] = 16.0  # one inked pixel, row 3, column 4
    call = "augment(X, y=[7]) with one image whose only ink is 16 at row 3, column 4"
    got = student.augment(image[None, :], np.array([7]))
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple (X_aug, y_aug), got {got!r:.200}"
    X_aug, y_aug = np.asarray(got[0], dtype=float), np.asarray(got[1])
    assert X_aug.shape == (5, 64) and y_aug.tolist() == [7] * 5, (
        f"{call} returned X_aug of shape {X_aug.shape} and y_aug {y_aug.tolist()}, expected (5, 64) and [7, 7, 7, 7, 7]"
    )
    rows = X_aug.reshape(5, 8, 8)
    cells = {name: {(r, c): float(rows[i, r, c]) for r, c in zip(*np.nonzero(rows[i]))} for i, name in enumerate(["original", *MOVE_NAMES])}
    want = {
        "original": {(3, 4): 16.0}, "down": {(3, 4): 8.0, (4, 4): 8.0}, "up": {(2, 4): 8.0, (3, 4): 8.0},
        "right": {(3, 4): 8.0, (3, 5): 8.0}, "left": {(3, 3): 8.0, (3, 4): 8.0},
    }
    for name in want:
        assert cells[name] == want[name], (
            f"{call}: the {name} copy has ink {cells[name]} ((row, column): value), expected {want[name]}: half the ink "
            "stays, half moves one pixel over (scipy.ndimage.shift with order=1, mode='constant')"
        )


@points(1.5)
def test_augment_on_random_images(student):
    rng = submission_rng(f"{SLUG}:augment")
    X = rng.integers(0, 17, (6, 64)).astype(float)
    y = rng.integers(0, 10, 6)
    call = "augment(X, y) with 6 random images"
    got = student.augment(X, y)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple (X_aug, y_aug), got {got!r:.200}"
    X_aug, y_aug = np.asarray(got[0], dtype=float), np.asarray(got[1])
    assert X_aug.shape == (30, 64), f"{call} returned X_aug of shape {X_aug.shape}, expected (30, 64): the 6 images and 4 moved copies of each"
    assert np.array_equal(y_aug, np.tile(y, 5)), (
        f"{call} returned labels {y_aug.tolist()} for labels {y.tolist()}: the labels of each block are y again, in the same order"
    )
    assert np.allclose(X_aug[:6], X), f"{call}: the first 6 rows should be the original images, unchanged"
    for i, (move, name) in enumerate(zip(MOVES, MOVE_NAMES), start=1):
        assert_close(X_aug[6 * i: 6 * (i + 1)], _moved(X, move), atol=1e-9, what=(
            f"{call}: rows {6 * i} to {6 * i + 5} (every image moved {name} by half a pixel, "
            f"scipy.ndimage.shift(image, {move}, order=1, mode='constant'))"
        ))


@points(1)
def test_candidates_are_pipelines(student):
    call = "build_candidates()"
    got = student.build_candidates()
    assert isinstance(got, dict) and len(got) >= 2, (
        f"{call} should return a dict of at least two named candidates, got {type(got).__name__}: {got!r:.200}"
    )
    with_preprocessing = 0
    for name, model in got.items():
        assert isinstance(name, str), f"{call}: the keys should be names (str), got {name!r}"
        assert _kind(model) == "Pipeline", f"{call}[{name!r}] is a {_kind(model)}, expected a scikit-learn Pipeline"
        steps = model.steps
        with_preprocessing += len(steps) >= 2
    assert with_preprocessing >= 1, (
        f"{call}: every candidate is a Pipeline with a single step; at least one should transform the pixels "
        "(scaling, PCA, features...) before its classifier"
    )


def _random_label_selection(student):
    """select_model on 300 training images with random labels, called once per run."""
    if "select" not in _cache:
        rng = submission_rng(f"{SLUG}:random-labels")
        X_train, _ = training_set()
        X = X_train[rng.choice(N_TRAIN, 300, replace=False)]
        y = rng.permutation(np.arange(300) % 10)
        try:
            with call_timeout(60):
                _cache["select"] = ("ok", student.select_model(X, y))
        except StudentError as error:
            _cache["select"] = ("error", f"{error.type_name}: {error.message}")
    status, value = _cache["select"]
    assert status == "ok", f"select_model(X, y) with 300 training images and random labels raised {value}"
    return value


@points(1)
def test_select_model_returns_the_best_score(student):
    call = "select_model(X, y) on 300 training images with random labels"
    got = _random_label_selection(student)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple (best_name, scores), got {got!r:.200}"
    best, scores = got
    assert isinstance(scores, dict) and len(scores) >= 2, f"{call}: scores should be a dict of at least two names, got {scores!r:.200}"
    names = sorted(student.build_candidates())
    assert sorted(scores) == names, f"{call} scored the candidates {sorted(scores)}, but build_candidates() has {names}"
    assert all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in scores.values()), (
        f"{call}: each score should be a mean accuracy from 0 to 1, got {scores!r}"
    )
    assert best in scores and scores[best] == max(scores.values()), (
        f"{call} picked {best!r}, but the scores are {scores!r}: pick the name with the highest mean accuracy"
    )


@points(2)
def test_select_model_scores_unseen_folds(student):
    call = "select_model(X, y) on 300 training images with RANDOM labels"
    _, scores = _random_label_selection(student)
    assert isinstance(scores, dict) and scores, f"{call}: scores should be a dict of mean accuracies, got {scores!r:.200}"
    highest = max(scores.values())
    assert highest <= 0.3, (
        f"{call} reports {scores!r}. No model can predict random labels of images it has not seen (chance is "
        f"about 0.10), so an honest cross-validation score stays near 0.10; {highest:.3f} means the scored rows "
        "were seen in training: score each fold's model on its held-out fold only, and augment inside "
        "train_and_predict AFTER choosing the model (a shifted copy of a validation image in a training fold is "
        "a near-duplicate of the answer)"
    )


@shows_expected
@points(0.5)
def test_confusion_matrix_worked_example(student):
    call = "confusion_matrix(y_true=[0, 1, 2, 2, 1], y_pred=[0, 2, 2, 1, 1], n_classes=3)"
    got = np.asarray(student.confusion_matrix(np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 1, 1]), n_classes=3))
    want = [[1, 0, 0], [0, 1, 1], [0, 1, 1]]
    assert got.tolist() == want, f"{call} returned {got.tolist()}, expected {want} (row = true label, column = predicted)"


@points(1)
def test_confusion_matrix_on_random_labels(student):
    rng = submission_rng(f"{SLUG}:confusion")
    y_true = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 9], size=400)  # no 7 among the true labels
    y_pred = np.where(rng.random(400) < 0.6, y_true, rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8], size=400))  # never 9
    call = "confusion_matrix(y_true, y_pred) on 400 labels (no true 7, no predicted 9)"
    got = np.asarray(student.confusion_matrix(y_true, y_pred))
    assert got.shape == (10, 10), f"{call} has shape {got.shape}, expected (10, 10) whatever labels are missing"
    want = _confusion(y_true, y_pred, 10)
    assert not (np.array_equal(got, want.T) and not np.array_equal(got, want)), (
        f"{call}: your matrix is the transpose of the expected one: rows are the TRUE labels, columns the predicted ones"
    )
    differ = int(np.sum(got != want))
    assert differ == 0, f"{call}: {differ} of 100 cells differ (cell [t, p] counts the rows with true label t predicted as p)"


@points(1.5)
def test_per_class_report(student):
    rng = submission_rng(f"{SLUG}:report")
    y_true = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 9], size=300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8], size=300))
    call = "per_class_report(y_true, y_pred) on 300 labels (no true 7, no predicted 9)"
    got = student.per_class_report(y_true, y_pred)
    assert isinstance(got, (list, tuple)) and len(got) == 10, f"{call} should return a list of 10 dicts, one per digit, got {got!r:.200}"
    assert all(isinstance(row, dict) for row in got), f"{call} should return a list of dicts, got {got!r:.200}"
    labels = [row.get("label") for row in got]
    assert labels == list(range(10)), f"{call}: the dicts' 'label' values are {labels}; one dict per label, in order 0 to 9"
    cm = _confusion(y_true, y_pred, 10)
    for k, row in enumerate(got):
        hits, predicted, support = cm[k, k], cm[:, k].sum(), cm[k, :].sum()
        precision = hits / predicted if predicted else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        assert row.get("support") == support, f"{call}[{k}]['support'] is {row.get('support')!r}, expected {expected(int(support))} (rows whose TRUE label is {k})"
        for key, value in (("precision", precision), ("recall", recall), ("f1", f1)):
            got_value = row.get(key)
            assert isinstance(got_value, (int, float)) and not np.isnan(got_value), (
                f"{call}[{k}][{key!r}] is {got_value!r}: a number is expected, 0.0 when its denominator is 0"
            )
            assert_close(got_value, value, atol=1e-9, what=f"{call}[{k}][{key!r}]")


@shows_expected
@points(1)
def test_most_confused(student):
    cm = np.array([[5, 2, 0, 3], [0, 9, 3, 0], [1, 0, 7, 0], [3, 0, 1, 4]])
    call = f"most_confused(cm={cm.tolist()}, k=3)"
    got = [list(cell) for cell in student.most_confused(cm, k=3)]
    want = [[0, 3, 3], [1, 2, 3], [3, 0, 3]]
    assert got == want, (
        f"{call} returned {got}, expected {want}: off-diagonal cells (true, predicted, count), the largest counts "
        "first, ties by true label then predicted label"
    )
    call = f"most_confused(cm={cm.tolist()}, k=10)"
    got = [list(cell) for cell in student.most_confused(cm, k=10)]
    want = [[0, 3, 3], [1, 2, 3], [3, 0, 3], [0, 1, 2], [2, 0, 1], [3, 2, 1]]
    assert got == want, f"{call} returned {got}, expected {want}: only cells with a count above 0, at most k of them"
