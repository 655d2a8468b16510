"""Hidden grader for deep-learning/small-cnn.

Shapes and parameter counts are checked against closed-form formulas; training uses tiny synthetic
12x12 images (a horizontal stroke, a vertical stroke or a small square, plus noise) made with fixed seeds.
"""

import numpy as np
import torch

from gradient_grader import Remote, StudentError, call_timeout, points, shows_expected


def out_size(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) // stride + 1


def feature_side(size):
    for _ in range(2):
        size = out_size(out_size(size, 3, 1, 1), 2, 2)
    return size


def expected_parameters(in_channels, num_classes, size):
    side = feature_side(size)
    return (8 * in_channels * 9 + 8) + (16 * 8 * 9 + 16) + (16 * side * side * num_classes + num_classes)


def strokes(seed, n, size=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.3, (n, 1, size, size)).astype(np.float32)
    y = rng.integers(0, 3, n)
    for i in range(n):
        r, c = rng.integers(1, size - 3, 2)
        if y[i] == 0:
            X[i, 0, r, 1:size - 1] += 1.0
        elif y[i] == 1:
            X[i, 0, 1:size - 1, c] += 1.0
        else:
            X[i, 0, r:r + 3, c:c + 3] += 1.0
    return torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))


def build(student, in_channels, num_classes, size):
    call = f"SmallCNN({in_channels}, {num_classes}, {size})"
    try:
        return call, student.SmallCNN(in_channels, num_classes, size)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None


def shape_of(value, call):
    assert isinstance(value, torch.Tensor), f"{call} should return a tensor, got {type(value).__name__}"
    return tuple(value.shape)


@shows_expected
@points(2)
def test_conv_output_size(student):
    cases = [
        ((28, 3), {}, 26), ((28, 3), {"padding": 1}, 28), ((7, 2), {"stride": 2}, 3),
        ((8, 2), {"stride": 2}, 4), ((10, 5), {"stride": 2, "padding": 2}, 5), ((32, 5), {}, 28),
        ((13, 3), {"stride": 2}, 6), ((1, 1), {}, 1), ((15, 4), {"stride": 3, "padding": 1}, 5),
    ]
    for (size, kernel), options, want in cases:
        args = ", ".join([str(size), str(kernel)] + [f"{k}={v}" for k, v in options.items()])
        call = f"conv_output_size({args})"
        got = student.conv_output_size(size, kernel, **options)
        assert isinstance(got, int) and not isinstance(got, bool), (
            f"{call} should return an int, got {type(got).__name__}: {got!r}"
        )
        assert got == want, (
            f"{call} returned {got}, expected {want}: (size + 2*padding - kernel_size) // stride + 1 positions"
        )


@shows_expected
@points(2)
def test_feature_map_shapes(student):
    for in_channels, size in ((1, 12), (3, 10), (2, 28), (1, 9)):
        call, model = build(student, in_channels, 4, size)
        x = torch.zeros(2, in_channels, size, size)
        try:
            got = shape_of(model.features(x), f"{call}.features(x)")
        except StudentError as error:
            raise AssertionError(
                f"{call}.features(x) with x of shape {tuple(x.shape)} raised {error.type_name}: {error.message[:200]}"
            ) from None
        side = feature_side(size)
        want = (2, 16, side, side)
        assert got == want, (
            f"{call}.features(x) with x of shape {tuple(x.shape)} returned shape {got}, expected {want} "
            "(3x3 convolutions with padding=1 keep the size, each 2x2 max-pool halves it, rounding down)"
        )


@shows_expected
@points(1)
def test_logits_shape_for_many_sizes(student):
    for in_channels, num_classes, size in ((1, 10, 28), (3, 5, 13), (1, 3, 8), (2, 7, 17)):
        call, model = build(student, in_channels, num_classes, size)
        x = torch.zeros(3, in_channels, size, size)
        try:
            got = shape_of(model(x), f"{call}(x)")
        except StudentError as error:
            raise AssertionError(
                f"{call}(x) with x of shape {tuple(x.shape)} raised {error.type_name}: {error.message[:200]} "
                "(is the Linear layer's input size computed from image_size?)"
            ) from None
        assert got == (3, num_classes), f"{call}(x) with x of shape {tuple(x.shape)} returned {got}, expected (3, {num_classes})"


@shows_expected
@points(2)
def test_parameter_count(student):
    for in_channels, num_classes, size in ((1, 10, 28), (3, 5, 13), (2, 4, 16)):
        want = expected_parameters(in_channels, num_classes, size)
        call = f"count_parameters({in_channels}, {num_classes}, {size})"
        got = student.count_parameters(in_channels, num_classes, size)
        assert isinstance(got, int) and not isinstance(got, bool), f"{call} should return an int, got {got!r}"
        assert got == want, f"{call} returned {got}, expected {want}"
        model_call, model = build(student, in_channels, num_classes, size)
        state = model.state_dict()
        total = sum(int(t.numel()) for t in state.values())
        assert total == want, (
            f"{model_call}.state_dict() holds {total} values, expected {want} "
            f"(shapes: {[tuple(t.shape) for t in state.values()]})"
        )


@points(3)
def test_training_on_strokes(student):
    X, y = strokes(0, 300)
    call = "train_small_cnn(images, labels, epochs=8, lr=0.01, batch_size=32, seed=0) with 300 images (1, 12, 12)"
    with call_timeout(20):
        result = student.train_small_cnn(X, y, epochs=8, lr=0.01, batch_size=32, seed=0)
    assert isinstance(result, tuple) and len(result) == 2, f"{call} should return (model, losses), got {result!r:.200}"
    model, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained model first, got {model!r:.100}"
    assert isinstance(losses, (list, tuple)) and len(losses) == 8, (
        f"{call} should return 8 per-epoch losses second, got {losses!r:.200}"
    )
    losses = [float(v) for v in losses]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0] / 2, (
        f"{call}: the loss went from {losses[0]:.3f} to {losses[-1]:.3f}; expected it to fall below half"
    )
    X_test, y_test = strokes(1, 200)
    logits = model(X_test)
    assert shape_of(logits, "the trained model(images)") == (200, 3), (
        f"the trained model returned logits of shape {tuple(logits.shape)} for 200 images, expected (200, 3)"
    )
    accuracy = float((logits.argmax(dim=1) == y_test).double().mean())
    assert accuracy >= 0.9, f"the model from {call} labels 200 new images with accuracy {accuracy:.3f}, expected at least 0.9"
