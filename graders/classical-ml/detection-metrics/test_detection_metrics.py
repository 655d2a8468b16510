"""Hidden grader for classical-ml/detection-metrics.

Boxes, scores and scenes are drawn per submission (submission_rng). The `_iou`, `_nms`, `_match`, `_pr`, `_ap`
and `_map` helpers below are the statement's rules written out; the `_unclamped`, `_nms_any_class`,
`_match_twice` and `_ap_11` variants recognise the classic mistakes so that the message can name them.
"""

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected, submission_rng

SLUG = "classical-ml/detection-metrics"


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


# --- the statement's rules -------------------------------------------------------------------------------------


def _iou(a, b, clamp=True):
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    if clamp:
        w, h = np.clip(w, 0, None), np.clip(h, 0, None)
    inter = w * h
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _order(scores):
    return np.argsort(-np.asarray(scores, float), kind="stable")


def _nms(boxes, scores, labels, thr, per_class=True):
    iou = _iou(boxes, boxes)
    labels = np.asarray(labels)
    keep, gone = [], np.zeros(len(boxes), bool)
    for i in _order(scores):
        if not gone[i]:
            keep.append(int(i))
            same = labels == labels[i] if per_class else np.ones(len(boxes), bool)
            gone |= same & (iou[i] > thr)
    return keep


def _match(det, scores, gt, thr, once=True):
    iou = _iou(det, gt)
    matched = np.full(iou.shape[0], -1)
    taken = np.zeros(iou.shape[1], bool)
    for i in _order(scores):
        cand = np.where(taken, -1.0, iou[i]) if once else iou[i]
        if cand.size and cand.max() >= thr:
            matched[i] = int(np.argmax(cand))
            taken[matched[i]] = True
    return matched


def _pr(scores, tp, n_gt):
    order = _order(scores)
    hits = np.cumsum(np.asarray(tp, bool)[order])
    precision = hits / np.arange(1, len(order) + 1)
    recall = hits / n_gt if n_gt else np.zeros(len(order))
    return precision, recall


def _ap(precision, recall):
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.maximum.accumulate(np.concatenate([[0.0], precision, [0.0]])[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def _ap_11(precision, recall):
    precision, recall = np.asarray(precision), np.asarray(recall)
    return float(np.mean([precision[recall >= r].max() if np.any(recall >= r) else 0.0 for r in np.linspace(0, 1, 11)]))


def _map(detections, truths, thr, ap=_ap):
    classes = sorted({int(c) for g in truths for c in g["labels"]})
    result = {}
    for c in classes:
        scores, hits, n_gt = [], [], 0
        for d, g in zip(detections, truths):
            dm, gm = d["labels"] == c, g["labels"] == c
            n_gt += int(gm.sum())
            scores.append(d["scores"][dm])
            hits.append(_match(d["boxes"][dm], d["scores"][dm], g["boxes"][gm], thr) >= 0)
        result[c] = ap(*_pr(np.concatenate(scores), np.concatenate(hits), n_gt))
    return float(np.mean(list(result.values()))), result


# --- generated inputs ----------------------------------------------------------------------------------------


def _boxes(rng, n, span=20.0, size=(1.0, 8.0)):
    xy = rng.uniform(0, span, (n, 2))
    wh = rng.uniform(*size, (n, 2))
    return np.round(np.hstack([xy, xy + wh]), 2)


def _jitter(rng, boxes, scale):
    return np.round(boxes + rng.normal(0, scale, boxes.shape) * np.tile(boxes[:, 2:] - boxes[:, :2], 2), 2)


def _fix(boxes):
    """Order the corners so that x1 <= x2 and y1 <= y2."""
    return np.hstack([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])])


def _scene(rng, n_classes=3):
    """One image: ground truths, and detections that hit, duplicate, miss and hallucinate."""
    n_gt = int(rng.integers(2, 7))
    gt = _boxes(rng, n_gt, span=40.0, size=(3.0, 12.0))
    gt_labels = rng.integers(0, n_classes, n_gt)
    boxes, labels = [], []
    for box, label in zip(gt, gt_labels):
        for _ in range(int(rng.choice([0, 1, 1, 2]))):
            boxes.append(_fix(_jitter(rng, box[None], 0.12))[0])
            labels.append(label if rng.random() > 0.1 else (label + 1) % n_classes)
    for _ in range(int(rng.integers(0, 4))):
        boxes.append(_boxes(rng, 1, span=40.0, size=(3.0, 12.0))[0])
        labels.append(int(rng.integers(0, n_classes)))
    boxes = np.array(boxes).reshape(-1, 4)
    scores = np.round(rng.uniform(0.05, 1.0, len(boxes)), 6)
    return (
        {"boxes": boxes, "scores": scores, "labels": np.array(labels, dtype=int)},
        {"boxes": gt, "labels": gt_labels.astype(int)},
    )


def _array(value, call, shape=None):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    if shape is not None:
        assert value.shape == shape, f"{call} returned shape {value.shape}, expected {shape}"
    return value


def _indices(value, call):
    value = np.asarray(value)
    assert value.ndim == 1 and (value.size == 0 or np.issubdtype(value.dtype, np.integer)), (
        f"{call} should return a 1-D array of integer indices, got {value!r:.200}"
    )
    return [int(i) for i in value]


# --- tests -----------------------------------------------------------------------------------------------------


@shows_expected
@points(1)
def test_iou_worked_example(student):
    a = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 4.0, 4.0]])
    b = np.array([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
    call = f"box_iou({a.tolist()}, {b.tolist()})"
    got = _array(student.box_iou(a, b), call, (2, 3))
    want = np.array([[1 / 7, 1.0, 0.0], [4 / 16, 4 / 16, 0.0]])
    assert_close(got, want, atol=1e-9, what=f"{call} (intersection over union; boxes that do not overlap have IoU 0)")


@points(2)
def test_iou_pairwise_matrix(student):
    rng = _rng("iou")
    n, m = int(rng.integers(5, 10)), int(rng.integers(4, 9))
    a, b = _boxes(rng, n), _boxes(rng, m)
    b[0] = a[0] + np.array([a[0, 2] - a[0, 0] + 1.5, a[0, 3] - a[0, 1] + 2.0] * 2)  # apart on both axes
    call = f"box_iou(<{n} boxes>, <{m} boxes>) on generated boxes (x1, y1, x2, y2)"
    got = _array(student.box_iou(a, b), call, (n, m))
    want = _iou(a, b)
    if not np.allclose(got, want, atol=1e-9):
        if np.allclose(got, _iou(a, b, clamp=False), atol=1e-9):
            bad = int(np.sum((want == 0) & (got != 0)))
            raise AssertionError(
                f"{call}: {bad} pairs of boxes that do not overlap get a non-zero IoU. When two boxes are apart on "
                "both axes, the negative width times the negative height is positive: clamp each overlap at 0 "
                "before multiplying"
            )
        i, j = np.unravel_index(int(np.argmax(np.abs(got - want))), want.shape)
        raise AssertionError(
            f"{call}: entry [{i}, {j}] (box {a[i].tolist()} against box {b[j].tolist()}) is {got[i, j]:.6f}, "
            f"expected {expected(round(float(want[i, j]), 6))}"
        )


@points(1)
def test_iou_edge_cases(student):
    box = np.array([[1.0, 1.0, 4.0, 3.0]])
    call = "box_iou(np.zeros((0, 4)), [[1, 1, 4, 3]])"
    got = _array(student.box_iou(np.zeros((0, 4)), box), call, (0, 1))
    call = "box_iou([[1, 1, 4, 3]], [[1, 1, 4, 3], [4, 1, 6, 3], [2, 2, 2, 2]])"
    others = np.array([[1.0, 1.0, 4.0, 3.0], [4.0, 1.0, 6.0, 3.0], [2.0, 2.0, 2.0, 2.0]])
    got = _array(student.box_iou(box, others), call, (1, 3))
    assert np.all(np.isfinite(got)), f"{call} returned {got.tolist()}: a box of zero area must give IoU 0, not NaN"
    assert np.allclose(got, [[1.0, 0.0, 0.0]]), (
        f"{call} returned {got.tolist()}: a box with itself has IoU 1, boxes that only touch along an edge have "
        "IoU 0, and a zero-area box inside the first one has IoU 0"
    )
    call = "box_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]])"
    got = _array(student.box_iou(np.zeros((1, 4)), np.zeros((1, 4))), call, (1, 1))
    assert np.isfinite(got).all() and got[0, 0] == 0, f"{call} returned {got.tolist()}: a union of 0 gives IoU 0"


@points(2)
def test_nms_per_class(student):
    rng = _rng("nms")
    centres = _boxes(rng, 4, span=30.0, size=(4.0, 8.0))
    boxes = np.vstack([_fix(_jitter(rng, np.repeat(c[None], 5, axis=0), 0.1)) for c in centres])
    labels = np.repeat(rng.integers(0, 2, (4, 1)), 5, axis=1).ravel()
    labels[rng.choice(len(labels), 6, replace=False)] ^= 1  # each cluster mixes both classes
    scores = np.round(rng.uniform(0.05, 1.0, len(boxes)), 6)
    thr = float(np.round(rng.uniform(0.3, 0.6), 2))
    call = f"nms(<{len(boxes)} boxes in 4 clusters>, scores, labels (two classes), iou_threshold={thr})"
    got = _indices(student.nms(boxes, scores, labels, thr), call)
    want = _nms(boxes, scores, labels, thr)
    if got != want:
        hint = f"it keeps {len(got)} boxes: indices {got}"
        if got == _nms(boxes, scores, labels, thr, per_class=False):
            hint = ("it suppresses boxes of other classes too: NMS runs within each class, so a box only removes "
                    "boxes with the same label")
        elif sorted(got) == sorted(want):
            hint = f"the right boxes, in the wrong order ({got}): return them highest score first"
        raise AssertionError(f"{call} returned the wrong boxes: {hint}")


@shows_expected
@points(1)
def test_nms_threshold_is_strict_and_order_by_score(student):
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 2.0, 1.1], [10.0, 10.0, 11.0, 11.0]])
    scores = np.array([0.3, 0.9, 0.6, 0.95])
    labels = np.array([0, 0, 0, 1])
    call = f"nms({boxes.tolist()}, scores={scores.tolist()}, labels={labels.tolist()}, iou_threshold=0.5)"
    got = _indices(student.nms(boxes, scores, labels, 0.5), call)
    want = [3, 1, 0]
    assert got == want, (
        f"{call} returned {got}, expected {want}: box 2 overlaps box 1 with IoU 0.909 > 0.5 and goes; box 0 "
        "overlaps box 1 with IoU exactly 0.5, which is not above the threshold, so it stays; highest score first"
    )
    call = "nms(np.zeros((0, 4)), [], [], 0.5)"
    got = _indices(student.nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=int), 0.5), call)
    assert got == [], f"{call} returned {got}, expected []"


@points(2)
def test_match_detections(student):
    rng = _rng("match")
    gt = _boxes(rng, 5, span=40.0, size=(4.0, 10.0))
    det = np.vstack([
        _fix(_jitter(rng, gt[[0, 0, 1, 2, 2, 2, 3]], 0.08)),  # duplicates of 0 and 2, a good hit on 1 and 3
        _boxes(rng, 2, span=40.0, size=(4.0, 10.0)),          # two false positives (or lucky ones)
    ])
    scores = np.round(rng.uniform(0.05, 1.0, len(det)), 6)
    thr = 0.5
    call = f"match_detections(<{len(det)} detections>, scores, <{len(gt)} ground truths>, iou_threshold={thr})"
    got = _array(student.match_detections(det, scores, gt, thr), call, (len(det),))
    want = _match(det, scores, gt, thr)
    if got.tolist() != want.tolist():
        used = [int(j) for j in got if j >= 0]
        if len(used) != len(set(used)):
            raise AssertionError(
                f"{call} returned {got.tolist()}: a ground truth is matched by more than one detection. Each ground "
                "truth can be matched once; later (lower-scoring) duplicates are false positives (-1)"
            )
        if got.tolist() == _match(det, -np.arange(len(det), dtype=float), gt, thr).tolist():
            raise AssertionError(
                f"{call} returned {got.tolist()}: the detections were matched in input order; match them highest "
                "score first, so the best detection of an object is its true positive"
            )
        wrong = int(np.sum(got != want))
        raise AssertionError(
            f"{call} returned {got.tolist()}; {wrong} of {len(det)} entries are wrong. Go through the detections by "
            "score (highest first); each takes the unmatched ground truth with the highest IoU, if that IoU is at "
            "least the threshold, else it is -1"
        )


@points(1)
def test_precision_recall(student):
    rng = _rng("pr")
    n = int(rng.integers(8, 15))
    scores = np.round(rng.uniform(0, 1, n), 6)
    tp = rng.random(n) < 0.6
    n_gt = int(tp.sum() + rng.integers(1, 4))
    call = f"precision_recall(scores, is_tp, n_gt={n_gt}) with {n} detections, {int(tp.sum())} of them true positives"
    out = student.precision_recall(scores, tp, n_gt)
    assert isinstance(out, (tuple, list)) and len(out) == 2, f"{call} should return (precision, recall), got {out!r:.150}"
    want_p, want_r = _pr(scores, tp, n_gt)
    precision = _array(np.asarray(out[0], dtype=float), f"{call}[0]", (n,))
    recall = _array(np.asarray(out[1], dtype=float), f"{call}[1]", (n,))
    assert_close(recall, want_r, atol=1e-9, what=f"{call}: recall (true positives so far / n_gt, by descending score)")
    assert_close(precision, want_p, atol=1e-9, what=f"{call}: precision (true positives so far / detections so far)")


@points(1)
def test_average_precision_all_point(student):
    rng = _rng("ap")
    for _ in range(3):
        n = int(rng.integers(6, 14))
        tp = rng.random(n) < 0.55
        tp[int(rng.integers(0, n))] = True
        n_gt = int(tp.sum() + rng.integers(0, 3))
        precision, recall = _pr(-np.arange(n, dtype=float), tp, n_gt)
        call = (f"average_precision(precision={np.round(precision, 4).tolist()}, "
                f"recall={np.round(recall, 4).tolist()})")
        got = student.average_precision(precision, recall)
        assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
        want = _ap(precision, recall)
        if abs(got - want) > 1e-9:
            hint = ("the area under the precision envelope: make precision non-increasing from the right "
                    "(each point takes the largest precision at any higher recall), then sum "
                    "(recall change) * precision over the points where recall changes")
            if abs(got - _ap_11(precision, recall)) < 1e-9:
                hint = ("that is the 11-point interpolation (VOC 2007, the mean over recall 0, 0.1, ..., 1); "
                        "use all points, as in VOC 2010 and later")
            raise AssertionError(f"{call} returned {got:.6f}, expected {expected(round(want, 6))}: {hint}")


@points(1)
def test_mean_average_precision(student):
    rng = _rng("map")
    detections, truths = zip(*[_scene(rng) for _ in range(int(rng.integers(3, 6)))])
    detections, truths = list(detections), list(truths)
    call = (f"mean_average_precision(detections, ground_truths, iou_threshold=0.5) on {len(truths)} images, "
            f"{sum(len(g['labels']) for g in truths)} ground-truth boxes, {sum(len(d['labels']) for d in detections)} "
            "detections, 3 classes")
    try:
        out = student.mean_average_precision(detections, truths, 0.5)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(out, (tuple, list)) and len(out) == 2, f"{call} should return (mAP, per_class), got {out!r:.200}"
    got_map, got_per_class = out
    want_map, want_per_class = _map(detections, truths, 0.5)
    assert isinstance(got_per_class, dict) and sorted(int(k) for k in got_per_class) == sorted(want_per_class), (
        f"{call}[1] should be a dict with one AP per class that has ground truth ({expected(sorted(want_per_class))}), "
        f"got {got_per_class!r:.200}"
    )
    for c, want in want_per_class.items():
        got = float(got_per_class[c])
        assert abs(got - want) < 1e-9, (
            f"{call}: the AP of class {c} is {got:.6f}, expected {expected(round(want, 6))}. Pool the class's "
            "detections from every image (matched within their own image), sort them by score, then precision, "
            "recall and all-point AP"
        )
    assert abs(float(got_map) - want_map) < 1e-9, (
        f"{call}: mAP is {float(got_map):.6f} while the per-class APs are right: mAP is their plain mean"
    )
