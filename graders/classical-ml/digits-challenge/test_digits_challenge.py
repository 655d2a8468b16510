"""Hidden grader for classical-ml/digits-challenge (a leaderboard exercise).

The digits are drawn by a generator of handwriting-like strokes (``make_digits`` below), in the format of
scikit-learn's digits: 8x8 images whose pixels count the ink (0 to 16) in 4x4 blocks of a 32x32 bitmap. The
training images come from the public TRAIN_SEED; the test images from ``hidden_seed``, which mixes in the
deployment's grader secret, so no copy of any data in the student box (scikit-learn's bundled digits, the
training images, this generator run with any seed written here) holds them or their labels. Only X_train,
y_train and X_test are sent to the student box, X_test once (``send_hidden_once``); the test labels stay here.
The first half of the test images is public, the second half private; both accuracies are recorded for the
leaderboard and points are awarded on the public half. The student's function is called once and its answer
(or its first failure) reused by every test.

The practice file of the starter (digits_practice.csv) was drawn by ``make_digits`` with PRACTICE_SEED.
"""

import numpy as np

from gradient_grader import (
    StudentError,
    call_timeout,
    hidden_seed,
    points,
    record_metric,
    send_hidden_once,
)

TRAIN_SEED = 20240917
PRACTICE_SEED = 2024
HIDDEN = "classical-ml/digits-challenge:test"  # the name of the hidden test set's seed
N_TRAIN = 1500
N_TEST = 3000  # the first half public, the second half private
CALL = "train_and_predict(X_train, y_train, X_test)"

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


def data():
    X_train, y_train = make_digits(N_TRAIN, TRAIN_SEED)
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
