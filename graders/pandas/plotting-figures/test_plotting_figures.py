"""Hidden grader for pandas/plotting-figures.

The student's functions return matplotlib Figures, which stay in the student box: the grader reads them
through handles (`fig.axes`, `ax.get_yscale()`, `line.get_xydata()`, `patch.get_height()`, `text.get_text()`),
each an attribute read or a method call answered in the student box, with plain values or arrays coming back.
The data of every plot are drawn per submission (`submission_rng`); the confusion matrix is redrawn until it is
not symmetric, so a transposed matrix never passes, and the histogram's bins are wide enough that density=True
can never give the counts.
"""

import numpy as np

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

CLASS_NAMES = ["cat", "dog", "bird", "fish", "frog", "horse", "owl", "fox"]
FEATURES = [("sepal length", "sepal width"), ("income", "age"), ("x1", "x2"), ("height (cm)", "weight (kg)")]
QUANTITIES = ["latency (ms)", "house price", "token count", "residual", "prediction error"]


# -- reading a figure through handles ------------------------------------------------------------------------------


def _kind(value):
    """The type name of a value, whether it crossed or stayed in the student box (``<student Figure>``)."""
    text = repr(value)
    if text.startswith("<student ") and text.endswith(">"):
        return text[len("<student "):-1]
    return type(value).__name__


def _figure(student, function, args, shown):
    call = f"{function}({shown})"
    try:
        fig = getattr(student, function)(*args)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    kind = _kind(fig)
    hint = " (return fig, not the Axes: fig, ax = plt.subplots())" if "Axes" in kind else ""
    if kind == "tuple":
        hint = " (return only fig, not (fig, ax))"
    assert kind == "Figure", f"{call} should return a matplotlib Figure, got {kind}{hint}"
    return call, fig, list(fig.axes)


def _text(value):
    return value.strip().lower() if isinstance(value, str) else value


def _artists(ax, attribute):
    return list(getattr(ax, attribute))


def _check_label(call, what, got, label):
    """A label the README spells out (or an input shown in the call): used by @shows_expected tests only."""
    if what == "title":
        missing = f"{call}: the figure has no title; set it with ax.set_title(...)"
    else:
        missing = f"{call}: the {what} is empty; set it with ax.set_{what.replace(' ', '')}(...): a plot without axis labels cannot be read"
    assert isinstance(got, str) and got.strip(), missing
    assert _text(got) == _text(label), f"{call}: the {what} is {got!r}, expected {label!r}"


def _main_axes(call, axes, attribute, kind, what):
    """The one Axes that holds the plot (a colorbar adds a second Axes, which holds none of it)."""
    holding = [ax for ax in axes if any(_kind(a) == kind for a in _artists(ax, attribute))]
    assert holding, f"{call}: none of the figure's {len(axes)} Axes holds {what}"
    assert len(holding) == 1, f"{call}: {len(holding)} Axes hold {what}; draw the plot on one Axes"
    return holding[0]


# -- the drawn data ------------------------------------------------------------------------------------------------


def _losses():
    rng = submission_rng("pandas/plotting-figures:losses")
    n = int(rng.integers(12, 40))
    t = np.arange(n)
    scale, floor, tau = float(rng.uniform(1.5, 4)), float(rng.uniform(0.01, 0.08)), float(rng.uniform(3, 10))
    train = scale * np.exp(-t / tau) + floor + rng.uniform(0, 0.02, size=n)
    val = train * float(rng.uniform(1.05, 1.3)) + float(rng.uniform(0.01, 0.05)) + np.maximum(0, t - n / 2) * 0.003
    return [round(float(v), 5) for v in train], [round(float(v), 5) for v in val]


def _values():
    rng = submission_rng("pandas/plotting-figures:histogram")
    n = int(rng.integers(150, 300))
    spread = float(rng.uniform(5, 40))
    values = np.concatenate([rng.normal(0, spread, size=n // 2), rng.normal(2 * spread, spread / 2, size=n - n // 2)])
    values = np.round(values + float(rng.uniform(-50, 50)), 3)
    bins = int(rng.integers(6, 15))
    lo, hi = float(np.quantile(values, 0.05)), float(np.quantile(values, 0.95))
    inner = np.sort(rng.uniform(lo, hi, size=int(rng.integers(3, 6))))
    edges = [round(float(v), 2) for v in [lo, *inner, hi]]
    edges = sorted(set(edges))
    name = QUANTITIES[int(rng.integers(len(QUANTITIES)))]
    return values, bins, edges, name


def _confusion():
    rng = submission_rng("pandas/plotting-figures:confusion")
    k = int(rng.integers(3, 6))
    names = [CLASS_NAMES[int(i)] for i in rng.choice(len(CLASS_NAMES), size=k, replace=False)]
    while True:
        cm = rng.integers(0, 15, size=(k, k)) + np.diag(rng.integers(20, 80, size=k))
        if not np.array_equal(cm, cm.T):
            return cm.astype(np.int64), names


def _points():
    rng = submission_rng("pandas/plotting-figures:scatter")
    k = int(rng.integers(2, 5))
    names = [CLASS_NAMES[int(i)] for i in rng.choice(len(CLASS_NAMES), size=k, replace=False)]
    centres = rng.uniform(-10, 10, size=(k, 2))
    y = rng.integers(0, k, size=int(rng.integers(60, 120)))
    y[:k] = np.arange(k)  # every class present
    rng.shuffle(y)
    X = np.round(centres[y] + rng.normal(0, 2.0, size=(len(y), 2)), 4)
    features = FEATURES[int(rng.integers(len(FEATURES)))]
    return X, y.astype(np.int64), names, list(features)


def _loss_figure(student):
    train, val = _losses()
    return (*_figure(student, "plot_losses", (train, val), f"<{len(train)} train losses>, <{len(val)} validation losses>"), train, val)


def _hist_figure(student, bins):
    values, int_bins, edges, name = _values()
    chosen = int_bins if bins == "int" else edges
    shown = f"<{len(values)} values>, {chosen!r}, {name!r}"
    call, fig, axes = _figure(student, "plot_histogram", (values, chosen, name), shown)
    return call, fig, axes, values, chosen, name


def _confusion_figure(student):
    cm, names = _confusion()
    call, fig, axes = _figure(student, "plot_confusion_matrix", (cm, names), f"<{len(names)}x{len(names)} counts>, {names!r}")
    assert 1 <= len(axes) <= 2, f"{call}: the figure has {len(axes)} Axes; expected the matrix's Axes (and a colorbar)"
    return call, _main_axes(call, axes, "images", "AxesImage", "an image (ax.imshow(cm))"), cm, names


def _scatter_figure(student):
    X, y, names, features = _points()
    call, fig, axes = _figure(
        student, "plot_scatter", (X, y, names, features), f"<{len(X)} points>, <{len(y)} labels>, {names!r}, {features!r}"
    )
    return call, axes, X, y, names, features


# -- tests ---------------------------------------------------------------------------------------------------


@points(2)
def test_loss_curves_and_legend(student):
    call, fig, axes, train, val = _loss_figure(student)
    assert len(axes) == 1, f"{call}: the figure has {len(axes)} Axes, expected one with both curves on it"
    ax = axes[0]
    lines = _artists(ax, "lines")
    labels = [line.get_label() for line in lines]
    assert len(lines) == 2, f"{call}: the Axes holds {len(lines)} lines (labels {labels}), expected two: train and validation"
    assert sorted(labels) == ["train", "validation"], (
        f"{call}: the lines are labelled {labels}, expected 'train' and 'validation' (ax.plot(..., label='train'))"
    )
    epochs = np.arange(1, len(train) + 1, dtype=float)
    for line, label in zip(lines, labels, strict=True):
        data = np.asarray(line.get_xydata(), dtype=float)
        want = np.column_stack([epochs, train if label == "train" else val])
        assert data.shape == want.shape, f"{call}: the {label!r} line has {len(data)} points, expected one per epoch ({len(train)})"
        assert np.allclose(data[:, 0], epochs), (
            f"{call}: the {label!r} line's x values start {data[:3, 0].tolist()}: plot against the epoch numbers 1, 2, ..., n"
        )
        assert np.allclose(data[:, 1], want[:, 1], rtol=1e-9, atol=1e-12), (
            f"{call}: the {label!r} line's y values are not the {label} losses passed in"
            + (" (they are the other curve's: labels swapped)" if np.allclose(data[:, 1], (val if label == "train" else train)) else "")
        )
    legend = ax.get_legend()
    assert legend is not None, f"{call}: the Axes has no legend; call ax.legend() after plotting labelled lines"
    texts = sorted(t.get_text() for t in legend.get_texts())
    assert texts == ["train", "validation"], f"{call}: the legend shows {texts}, expected train and validation"


@points(1)
@shows_expected  # the labels are the README's, or inputs shown in the call
def test_loss_axes_log_scale_and_labels(student):
    call, fig, axes, train, val = _loss_figure(student)
    ax = axes[0]
    scale = ax.get_yscale()
    assert scale == "log", (
        f"{call}: the y axis is {scale!r}; losses fall by orders of magnitude, so use a log scale (ax.set_yscale('log'))"
    )
    _check_label(call, "x label", ax.get_xlabel(), "epoch")
    _check_label(call, "y label", ax.get_ylabel(), "loss")
    _check_label(call, "title", ax.get_title(), "Training and validation loss")


def _bars(call, axes):
    assert len(axes) == 1, f"{call}: the figure has {len(axes)} Axes, expected one"
    ax = axes[0]
    patches = _artists(ax, "patches")
    kinds = sorted({_kind(p) for p in patches})
    assert patches and kinds == ["Rectangle"], (
        f"{call}: the Axes holds {len(patches)} patches of kinds {kinds}; draw bars with ax.hist(values, bins=bins)"
    )
    bars = np.array([[p.get_x(), p.get_width(), p.get_height()] for p in patches], dtype=float)
    return ax, bars[np.argsort(bars[:, 0])]


def _check_bars(call, bars, values, bins):
    counts, edges = np.histogram(np.asarray(values), bins=bins)
    n_bins = bins if isinstance(bins, int) else len(bins) - 1
    assert len(bars) == len(counts), f"{call}: the histogram has {len(bars)} bars, expected one per bin ({n_bins})"
    assert np.allclose(bars[:, 0], edges[:-1], rtol=1e-9, atol=1e-6) and np.allclose(bars[:, 1], np.diff(edges), rtol=1e-9, atol=1e-6), (
        f"{call}: the bars start at {np.round(bars[:4, 0], 3).tolist()}... with widths {np.round(bars[:4, 1], 3).tolist()}...: "
        "they should cover the bins that np.histogram(values, bins) gives"
    )
    heights = bars[:, 2]
    density = counts / (counts.sum() * np.diff(edges))
    hint = ""
    if np.allclose(heights, density):
        hint = " The heights are densities (density=True); the y axis is a count of values per bin."
    elif not np.allclose(heights, np.round(heights)):
        hint = " The heights are not whole numbers: each bar's height is the number of values in its bin."
    for i, (height, count) in enumerate(zip(heights, counts, strict=True)):
        assert abs(height - count) < 1e-9, (
            f"{call}: bar {i} (from {bars[i, 0]:.3f}) has height {height:g}, expected {expected(int(count))}.{hint}"
        )


@points(2)
def test_histogram_counts(student):
    call, fig, axes, values, bins, name = _hist_figure(student, "int")
    ax, bars = _bars(call, axes)
    _check_bars(call, bars, values, bins)


@points(1)
def test_histogram_with_given_edges(student):
    call, fig, axes, values, bins, name = _hist_figure(student, "edges")
    ax, bars = _bars(call, axes)
    _check_bars(call, bars, values, bins)


@points(1)
@shows_expected  # the labels are the README's, or inputs shown in the call
def test_histogram_labels(student):
    call, fig, axes, values, bins, name = _hist_figure(student, "int")
    ax = axes[0]
    _check_label(call, "x label", ax.get_xlabel(), name)
    _check_label(call, "y label", ax.get_ylabel(), "count")
    _check_label(call, "title", ax.get_title(), f"Histogram of {name}")


@points(2)
def test_confusion_matrix_orientation(student):
    call, ax, cm, names = _confusion_figure(student)
    images = _artists(ax, "images")
    assert len(images) == 1, f"{call}: the Axes holds {len(images)} images, expected one (ax.imshow(cm))"
    shown = np.asarray(images[0].get_array())
    assert shown.shape == cm.shape, f"{call}: the image has shape {shown.shape}, expected the matrix's {cm.shape}"
    transposed = np.array_equal(shown, cm.T)
    assert np.array_equal(shown, cm), (
        f"{call}: the image does not show the counts as given"
        + (": it shows the matrix transposed. Row i of cm is true class i; imshow draws rows top to bottom, so "
           "true labels run down the y axis and predicted labels along the x axis: ax.imshow(cm), not cm.T"
           if transposed else ": draw ax.imshow(cm) with the counts unchanged")
    )
    k = len(names)
    for axis in ("x", "y"):
        ticks = np.asarray(getattr(ax, f"get_{axis}ticks")(), dtype=float)
        labels = [t.get_text() for t in getattr(ax, f"get_{axis}ticklabels")()]
        assert len(ticks) == k and np.allclose(ticks, np.arange(k)), (
            f"{call}: the {axis} ticks are at {ticks.tolist()}, expected one per class at 0, 1, ..., {k - 1} "
            f"(ax.set_{axis}ticks(range(k), labels=class_names))"
        )
        assert labels == names, f"{call}: the {axis} tick labels are {labels}, expected the class names {names} in order"


@points(1)
def test_confusion_matrix_counts_annotated(student):
    call, ax, cm, names = _confusion_figure(student)
    found = {}
    for text in _artists(ax, "texts"):
        x, y = (float(v) for v in text.get_position())
        found[(round(x), round(y))] = (x, y, text.get_text())
    k = len(names)
    for i in range(k):
        for j in range(k):
            where = f"the cell of true {names[i]!r}, predicted {names[j]!r} (x={j}, y={i})"
            assert (j, i) in found, (
                f"{call}: no text at {where}; write each count in its cell with ax.text(j, i, str(cm[i][j]))"
            )
            x, y, got = found[(j, i)]
            assert abs(x - j) < 0.26 and abs(y - i) < 0.26, f"{call}: the text for {where} sits at ({x}, {y}), off the cell's centre"
            count_text, mirror_text = str(int(cm[i, j])), str(int(cm[j, i]))
            hint = " (it shows cm[j][i]: the annotations are transposed)" if got.strip() == mirror_text else ""
            assert got.strip() == count_text, (
                f"{call}: {where} shows {got!r}; it should show that cell's count, cm[{i}][{j}]{hint}"
            )


@points(1)
@shows_expected  # the labels are the README's, or inputs shown in the call
def test_confusion_matrix_labels(student):
    call, ax, cm, names = _confusion_figure(student)
    _check_label(call, "x label", ax.get_xlabel(), "Predicted label")
    _check_label(call, "y label", ax.get_ylabel(), "True label")
    _check_label(call, "title", ax.get_title(), "Confusion matrix")


def _points_by_class(X, y, names):
    return sorted((round(float(a), 4), round(float(b), 4), names[int(c)]) for (a, b), c in zip(X, y, strict=True))


@points(2)
def test_scatter_coloured_by_class(student):
    call, axes, X, y, names, features = _scatter_figure(student)
    ax = _main_axes(call, axes, "collections", "PathCollection", "scatter points")
    groups = [c for c in _artists(ax, "collections") if _kind(c) == "PathCollection"]
    assert groups, f"{call}: the Axes holds no scatter points (ax.scatter)"
    want = _points_by_class(X, y, names)
    if len(groups) == 1:  # one scatter coloured by c=y, read with a colorbar
        offsets = np.asarray(groups[0].get_offsets(), dtype=float)
        colours = groups[0].get_array()
        assert colours is not None, (
            f"{call}: one scatter holds all {len(offsets)} points with no colour values: colour them by class "
            "(one ax.scatter per class with label=..., or ax.scatter(..., c=y) with a colorbar)"
        )
        colours = np.asarray(colours, dtype=float)
        assert len(axes) == 2, (
            f"{call}: the points are coloured by c=... but the figure has no colorbar to read the colours "
            "(fig.colorbar(points, ax=ax)); or draw one scatter per class and add a legend"
        )
        assert len(colours) == len(offsets) and np.allclose(colours, np.round(colours)) and colours.min() >= 0 and colours.max() < len(names), (
            f"{call}: the colour values {colours[:6].tolist()}... should be the class labels y"
        )
        got = sorted((round(float(a), 4), round(float(b), 4), names[int(round(c))]) for (a, b), c in zip(offsets, colours, strict=True))
    else:  # one scatter per class, named in a legend
        labels = [g.get_label() for g in groups]
        assert sorted(labels) == sorted(names), (
            f"{call}: the {len(groups)} scatters are labelled {labels}, expected one per class, labelled with the class names"
        )
        legend = ax.get_legend()
        assert legend is not None, f"{call}: the Axes has no legend; call ax.legend() so the colours can be read"
        texts = sorted(t.get_text() for t in legend.get_texts())
        assert texts == sorted(names), f"{call}: the legend shows {texts}, expected the class names {sorted(names)}"
        got = sorted(
            (round(float(a), 4), round(float(b), 4), label)
            for group, label in zip(groups, labels, strict=True)
            for a, b in np.asarray(group.get_offsets(), dtype=float)
        )
    assert len(got) == len(want), f"{call}: the scatter shows {len(got)} points, expected {len(X)}"
    wrong = sum(g != w for g, w in zip(got, want, strict=True))
    assert wrong == 0, (
        f"{call}: {wrong} of {len(X)} points are drawn at the wrong place or with the wrong class: point i is "
        "(X[i, 0], X[i, 1]) and belongs to class_names[y[i]]"
    )


@points(1)
@shows_expected  # the labels are the README's, or inputs shown in the call
def test_scatter_labels(student):
    call, axes, X, y, names, features = _scatter_figure(student)
    ax = _main_axes(call, axes, "collections", "PathCollection", "scatter points")
    _check_label(call, "x label", ax.get_xlabel(), features[0])
    _check_label(call, "y label", ax.get_ylabel(), features[1])
