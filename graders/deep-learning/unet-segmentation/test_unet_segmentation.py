"""Hidden grader for deep-learning/unet-segmentation.

Metrics and the loss are compared with the grader's own computation on predictions, targets and logits
drawn for each submission (five classes: three in the target, one only in the prediction, one only at
ignored pixels, so the empty-class rule, the ignore rule and the class average all matter on every draw).
The U-Net is checked by its output shapes and by the multiset of its parameter shapes, which a missing
skip connection changes. Training runs the student's train_unet on synthetic shapes drawn for the
submission and scores the returned model's predictions on other hidden images with the grader's mean IoU.
"""

import math
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import StudentError, call_timeout, expected, points, shows_expected, submission_rng

torch.set_num_threads(1)

SLUG = "deep-learning/unet-segmentation"
IGNORE = 255
MIOU_TARGET = 0.7


def call(student, name, text, *args, **kwargs):
    """student.<name>(*args, **kwargs), its errors turned into a message naming the call."""
    try:
        with call_timeout(20):
            return getattr(student, name)(*args, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{text} raised {error.type_name}: {error.message[:300]}") from None


# ---------------------------------------------------------------- the grader's own copies


def make_shapes(n, seed, size=32, noise=0.7):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images = rng.normal(0.0, noise, (n, 1, size, size)).astype(np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        for _ in range(int(rng.integers(2, 5))):
            kind = int(rng.integers(1, 3))
            cy, cx = rng.uniform(6, size - 6, 2)
            if kind == 1:
                hy, hx = rng.uniform(2.5, 6.0, 2)
                distance = np.maximum(np.abs(yy - cy) - hy, np.abs(xx - cx) - hx)
                brightness = 1.0
            else:
                distance = np.hypot(yy - cy, xx - cx) - rng.uniform(3.0, 7.0)
                brightness = -1.0
            inside = distance < 0
            images[i, 0][inside] = rng.normal(brightness, noise, int(inside.sum()))
            masks[i][inside] = kind
            masks[i][np.abs(distance) < 0.75] = IGNORE
    return torch.from_numpy(images), torch.from_numpy(masks)


def counts(pred, target, num_classes, ignore_index):
    keep = target != ignore_index
    pred, target = pred[keep], target[keep]
    for c in range(num_classes):
        p, t = pred == c, target == c
        yield int((p & t).sum()), int(p.sum()), int(t.sum())


def iou(pred, target, num_classes, ignore_index=IGNORE):
    return [b / (p + t - b) if p + t - b else math.nan for b, p, t in counts(pred, target, num_classes, ignore_index)]


def dice(pred, target, num_classes, ignore_index=IGNORE):
    return [2 * b / (p + t) if p + t else math.nan for b, p, t in counts(pred, target, num_classes, ignore_index)]


def nanmean(values):
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan


def metric_inputs(rng, ignore_index=IGNORE):
    """pred and target (n, h, w) over 5 classes: the target holds 0, 1, 2 and ignored pixels; the prediction
    is the target with class-dependent mistakes, some pixels of class 3 (in the prediction only) and class 4
    only where the target is ignored."""
    n, h, w = int(rng.integers(2, 5)), int(rng.integers(6, 12)), int(rng.integers(6, 12))
    while True:
        target = rng.choice(3, size=(n, h, w), p=[0.5, 0.3, 0.2])
        pred = target.copy()
        for c, rate in zip(range(3), sorted(rng.uniform(0.05, 0.5, 3))):
            wrong = (target == c) & (rng.random(target.shape) < rate)
            pred[wrong] = rng.choice(4, size=int(wrong.sum()))
        ignored = rng.random(target.shape) < 0.15
        target[ignored] = ignore_index
        pred[ignored] = rng.choice([0, 4], size=int(ignored.sum()))
        pred[(~ignored) & (pred == 4)] = 3
        t, p = torch.from_numpy(target), torch.from_numpy(pred)
        ious = iou(p, t, 5, ignore_index)
        present = [v for v in ious if not math.isnan(v)]
        spread = max(present) - min(present[:3])
        union_mean = sum(b for b, _, _ in counts(p, t, 5, ignore_index)) / sum(
            pp + tt - b for b, pp, tt in counts(p, t, 5, ignore_index))
        if ((p == 3) & (t != ignore_index)).any() and (p == 4).any() and spread > 0.1 and abs(union_mean - nanmean(ious)) > 0.02:
            return p, t


def close_lists(got, want, tol=1e-6):
    return len(got) == len(want) and all(
        (math.isnan(a) and math.isnan(b)) or (not math.isnan(a) and not math.isnan(b) and abs(a - b) <= tol)
        for a, b in zip(got, want)
    )


def floats(value, text, length):
    assert isinstance(value, (list, tuple)) and len(value) == length and all(isinstance(v, (int, float)) for v in value), (
        f"{text} should return a list of floats, one per class (num_classes of them), got {value!r:.200}"
    )
    return [float(v) for v in value]


RULES = (
    "Count over the pixels of the whole batch together, leaving out every pixel whose TARGET is ignore_index "
    "(whatever is predicted there). A class absent from both the prediction and the target (union 0) gets "
    "float('nan'); a class predicted but absent from the target gets 0."
)


# ---------------------------------------------------------------- metrics


@points(1.5)
def test_iou_per_class(student):
    rng = submission_rng(f"{SLUG}:iou")
    pred, target = metric_inputs(rng)
    text = f"iou_per_class(pred, target, num_classes=5) with pred and target of shape {tuple(pred.shape)}"
    got = floats(call(student, "iou_per_class", text, pred, target, 5), text, 5)
    want = iou(pred, target, 5)
    assert close_lists(got, want), (
        f"{text} returned {[round(v, 4) for v in got]}, expected {expected([round(v, 4) for v in want])}. "
        f"IoU of class c = |pred == c AND target == c| / |pred == c OR target == c|. {RULES}"
    )


@points(1)
def test_dice_per_class(student):
    rng = submission_rng(f"{SLUG}:dice")
    pred, target = metric_inputs(rng)
    text = f"dice_per_class(pred, target, num_classes=5) with pred and target of shape {tuple(pred.shape)}"
    got = floats(call(student, "dice_per_class", text, pred, target, 5), text, 5)
    want = dice(pred, target, 5)
    assert close_lists(got, want), (
        f"{text} returned {[round(v, 4) for v in got]}, expected {expected([round(v, 4) for v in want])}. "
        f"Dice of class c = 2 |pred == c AND target == c| / (|pred == c| + |target == c|). {RULES}"
    )


@points(1)
def test_mean_iou_averages_classes(student):
    rng = submission_rng(f"{SLUG}:mean")
    for ignore_index in (IGNORE, -1):
        pred, target = metric_inputs(rng, ignore_index)
        text = (f"mean_iou(pred, target, num_classes=5, ignore_index={ignore_index}) with pred and target of shape "
                f"{tuple(pred.shape)}")
        got = call(student, "mean_iou", text, pred, target, 5, ignore_index=ignore_index)
        assert isinstance(got, (int, float)), f"{text} should return a float, got {got!r:.100}"
        want = nanmean(iou(pred, target, 5, ignore_index))
        assert abs(got - want) <= 1e-6, (
            f"{text} returned {got:.4f}, expected {expected(round(want, 4))}: the mean of the per-class IoUs, each "
            "class counting once however many pixels it has (not the pooled intersection over the pooled union, "
            "which weighs the big background class most), skipping the classes whose IoU is nan. " + RULES
        )


@shows_expected
@points(0.5)
def test_empty_class_rule(student):
    pred = torch.tensor([[0, 0, 1, 1], [0, 2, 2, 1]])
    target = torch.tensor([[0, 0, 1, 255], [0, 0, 2, 2]])
    text = "iou_per_class([[0, 0, 1, 1], [0, 2, 2, 1]], [[0, 0, 1, 255], [0, 0, 2, 2]], num_classes=4)"
    got = floats(call(student, "iou_per_class", text, pred, target, 4), text, 4)
    want = [0.75, 0.5, 1 / 3, math.nan]
    assert close_lists(got, want), f"{text} returned {got}, expected {want}. {RULES}"
    text = text.replace("iou_per_class", "mean_iou")
    got = call(student, "mean_iou", text, pred, target, 4)
    assert isinstance(got, (int, float)) and abs(got - 19 / 36) <= 1e-9, (
        f"{text} returned {got!r}, expected {19 / 36!r} = (0.75 + 0.5 + 1/3) / 3: class 3 appears nowhere, so its IoU "
        "is nan and it is left out of the mean"
    )
    text = "mean_iou(tensor([1, 1]), tensor([255, 255]), num_classes=3)"
    got = call(student, "mean_iou", text, torch.tensor([1, 1]), torch.tensor([255, 255]), 3)
    assert isinstance(got, float) and math.isnan(got), f"{text} returned {got!r}, expected nan: every pixel is ignored, no class has an IoU"


# ---------------------------------------------------------------- the loss


@points(1.5)
def test_pixel_cross_entropy(student):
    rng = submission_rng(f"{SLUG}:loss")
    for ignore_index in (IGNORE, int(rng.integers(5, 9)), -100):
        n, c, h, w = int(rng.integers(2, 4)), int(rng.integers(3, 6)), int(rng.integers(5, 10)), int(rng.integers(5, 10))
        logits = torch.from_numpy(rng.normal(0, 2, (n, c, h, w)).astype(np.float32))
        target = torch.from_numpy(rng.integers(0, c, (n, h, w)))
        target[torch.from_numpy(rng.random((n, h, w)) < rng.uniform(0.2, 0.5))] = ignore_index
        text = (f"pixel_cross_entropy(logits of shape {tuple(logits.shape)}, target of shape {tuple(target.shape)} "
                f"with {int((target == ignore_index).sum())} pixels ignored, ignore_index={ignore_index})")
        got = call(student, "pixel_cross_entropy", text, logits, target, ignore_index=ignore_index)
        assert isinstance(got, torch.Tensor) and got.dim() == 0, (
            f"{text} should return a 0-dimensional tensor (so that loss.backward() works), got {got!r:.100}"
        )
        want = F.cross_entropy(logits, target, ignore_index=ignore_index)
        assert abs(float(got) - float(want)) <= 1e-5 * max(1.0, abs(float(want))), (
            f"{text} returned {float(got):.6f}, expected {expected(round(float(want), 6))}: the mean of "
            "-log softmax(logits)[target] over the pixels whose target is NOT ignore_index (ignored pixels add "
            "nothing to the sum and do not count in the denominator either)"
        )
    logits = torch.from_numpy(rng.normal(0, 1, (1, 3, 4, 4)).astype(np.float32))
    target = torch.full((1, 4, 4), IGNORE)
    text = "pixel_cross_entropy(logits (1, 3, 4, 4), a target where every pixel is 255)"
    got = call(student, "pixel_cross_entropy", text, logits, target)
    assert isinstance(got, torch.Tensor) and got.dim() == 0 and float(got) == 0.0, (
        f"{text} returned {got!r:.100}; expected a 0-dimensional tensor equal to 0.0 (nothing to learn from, "
        "and never nan, which would poison the weights)"
    )


# ---------------------------------------------------------------- the model


def parameter_shapes(in_channels, num_classes, base):
    b = base

    def conv(i, o, k):
        return [(o, i, k, k), (o,)]

    def block(i, o):
        return conv(i, o, 3) + [(o,), (o,)]

    def up(i, o):
        return [(i, o, 2, 2), (o,)]

    return (block(in_channels, b) + block(b, 2 * b) + block(2 * b, 4 * b) + up(4 * b, 2 * b) + block(4 * b, 2 * b)
            + up(2 * b, b) + block(2 * b, b) + conv(b, num_classes, 1))


def build(student, in_channels, num_classes, base):
    text = f"TinyUNet({in_channels}, {num_classes}, base={base})"
    return text, call(student, "TinyUNet", text, in_channels, num_classes, base=base)


@shows_expected
@points(1)
def test_output_shapes(student):
    rng = submission_rng(f"{SLUG}:shapes")
    for in_channels, num_classes, base, side in ((1, 3, 8, 32), (int(rng.integers(2, 4)), int(rng.integers(2, 6)), 4, 16),
                                                 (1, 2, int(rng.integers(2, 6)), int(rng.choice([12, 20, 24, 28])))):
        text, model = build(student, in_channels, num_classes, base)
        x = torch.zeros(2, in_channels, side, side)
        try:
            with call_timeout(20):
                got = model(x)
        except StudentError as error:
            raise AssertionError(f"{text}(x) with x of shape {tuple(x.shape)} raised {error.type_name}: {error.message[:300]}") from None
        assert isinstance(got, torch.Tensor), f"{text}(x) should return a tensor of logits, got {type(got).__name__}"
        assert tuple(got.shape) == (2, num_classes, side, side), (
            f"{text}(x) with x of shape {tuple(x.shape)} returned shape {tuple(got.shape)}, expected "
            f"{(2, num_classes, side, side)}: one logit per class for every pixel, at the input's resolution"
        )


@shows_expected
@points(1.5)
def test_parameter_shapes_and_skips(student):
    for in_channels, num_classes, base in ((1, 3, 8), (3, 5, 4)):
        text, model = build(student, in_channels, num_classes, base)
        try:
            with call_timeout(20):
                params = list(model.parameters())
        except StudentError as error:
            raise AssertionError(f"{text}.parameters() raised {error.type_name}: {error.message[:300]}") from None
        got = Counter(tuple(p.shape) for p in params)
        want = Counter(parameter_shapes(in_channels, num_classes, base))
        total = sum(math.prod(s) * k for s, k in want.items())
        if got != want:
            missing = sorted((want - got).elements())
            extra = sorted((got - want).elements())
            raise AssertionError(
                f"{text} has {sum(math.prod(s) * k for s, k in got.items())} parameters, expected {total}; "
                f"missing shapes {missing[:6]}, unexpected shapes {extra[:6]}. Check the layer list in the statement: "
                "each decoder block's first convolution takes the upsampled channels PLUS the skip connection's "
                "(4*base -> 2*base and 2*base -> base), and every convolution block has a BatchNorm2d"
            )
        counted = call(student, "count_parameters", f"count_parameters({in_channels}, {num_classes}, {base})",
                       in_channels, num_classes, base)
        assert counted == total, f"count_parameters({in_channels}, {num_classes}, {base}) returned {counted!r}, expected {total}"


# ---------------------------------------------------------------- training


@points(2)
def test_training_reaches_mean_iou(student):
    rng = submission_rng(f"{SLUG}:train")
    train_seed, test_seed, seed = (int(v) for v in rng.integers(0, 1_000_000, size=3))
    images, masks = make_shapes(160, train_seed)
    test_images, test_masks = make_shapes(100, test_seed)
    text = f"train_unet(images (160, 1, 32, 32), masks (160, 32, 32), epochs=5, lr=0.02, batch_size=8, seed={seed})"
    try:
        with call_timeout(90):
            result = student.train_unet(images, masks, epochs=5, lr=0.02, batch_size=8, seed=seed)
    except StudentError as error:
        raise AssertionError(f"{text} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"{text} should return (model, losses), got {result!r:.200}"
    model, losses = result
    assert isinstance(losses, (list, tuple)) and len(losses) == 5 and all(isinstance(v, (int, float)) for v in losses), (
        f"{text} should return 5 per-epoch losses (floats), got {losses!r:.200}"
    )
    assert all(math.isfinite(v) for v in losses) and losses[-1] < 0.6 * losses[0], (
        f"{text}: the per-epoch losses are {[round(v, 4) for v in losses]}; expected them to fall well below the first"
    )
    try:
        with call_timeout(30):
            model.eval()
            logits = model(test_images)
    except StudentError as error:
        raise AssertionError(f"the model from {text} raised {error.type_name} on 100 new images: {error.message[:300]}") from None
    assert isinstance(logits, torch.Tensor) and tuple(logits.shape) == (100, 3, 32, 32), (
        f"the model from {text} returned {getattr(logits, 'shape', type(logits).__name__)} for 100 images, expected (100, 3, 32, 32)"
    )
    scores = iou(logits.argmax(dim=1), test_masks, 3)
    got = nanmean(scores)
    assert got >= MIOU_TARGET, (
        f"the model from {text} reaches a mean IoU of {got:.3f} on 100 new images (per class: "
        f"{[round(v, 3) for v in scores]}), below {MIOU_TARGET}. Train with Adam on shuffled mini-batches, your "
        "pixel_cross_entropy with the ignored pixels left out, and return the model in eval mode"
    )
