"""Hidden grader for fine-tuning/hf-datasets.

The reviews, vocabularies, sizes and seeds are drawn for this submission (submission_rng). Datasets are
built in the student box through the student's own `datasets` names (student.Dataset, student.ClassLabel),
so each function is tested on its own. Expected splits come from the same `datasets` version in this box
(the grader box runs the exercise's image); the draws are redone until the known mistakes (no
stratification, cleaning after the split, weighted F1) give a different answer, so they can never pass by
luck.
"""

import math
import re

import datasets
import numpy as np
import pandas as pd
import torch

from gradient_grader import StudentError, assert_close, points, shows_expected, submission_rng

datasets.disable_progress_bars()

SLUG = "fine-tuning/hf-datasets"
LABELS = ["negative", "neutral", "positive"]
WORDS = ["good", "bad", "film", "plot", "great", "boring", "fine", "actor", "scene", "love", "hate", "music",
         "slow", "fun", "dull", "story", "ending", "cast", "okay", "script", "twist", "long", "short", "sound"]
_WORD = re.compile(r"[a-z0-9']+")


# ---------------------------------------------------------------- data


def _encode(vocab, text, max_length):
    """The support tokenizer's encoding (the same rule as toy_tokenizer.WordTokenizer)."""
    ids = {w: i + 2 for i, w in enumerate(vocab)}
    tokens = [ids.get(w, 1) for w in _WORD.findall(text.lower())][:max_length]
    return tokens + [0] * (max_length - len(tokens)), [1] * len(tokens) + [0] * (max_length - len(tokens))


def _reviews(rng, n, duplicates=0, short=0):
    """Review texts with unbalanced labels; some too short, some repeating an earlier text."""
    weights = rng.permutation([0.55, 0.3, 0.15])
    texts, labels = [], []
    for i in range(n):
        length = int(rng.integers(3, 10))
        texts.append(" ".join(rng.choice(WORDS + ["the", "a", "was", "very"], length)))
        labels.append(LABELS[int(rng.choice(3, p=weights))])
    for i in rng.choice(np.arange(5, n), short, replace=False):
        texts[i] = " ".join(rng.choice(WORDS, int(rng.integers(1, 3))))
    for i in rng.choice(np.arange(n // 2, n), duplicates, replace=False):
        source = texts[int(rng.integers(0, n // 2))]
        texts[i] = source.upper() if rng.random() < 0.3 else source + " " * int(rng.random() < 0.5)
    ids = [f"r{int(v)}" for v in rng.choice(100_000, n, replace=False)]
    return ids, texts, labels


def _frame(rng, ids, texts, labels):
    sources = [str(s) for s in rng.choice(["web", "app", "mail"], len(ids))]
    index = np.sort(rng.choice(10 * len(ids), len(ids), replace=False))  # not 0..n-1: rows were filtered before
    return pd.DataFrame({"id": ids, "text": texts, "label": labels, "source": sources}, index=index)


def _split_ids(ids, labels, test_size, seed, stratify=True):
    features = datasets.Features({"id": datasets.Value("string"), "label": datasets.ClassLabel(names=LABELS)})
    ds = datasets.Dataset.from_dict({"id": list(ids), "label": [LABELS.index(lb) for lb in labels]}, features=features)
    parts = ds.train_test_split(test_size=test_size, seed=seed, stratify_by_column="label" if stratify else None)
    return list(parts["train"]["id"]), list(parts["test"]["id"])


def _clean(ids, texts, labels, min_words):
    seen, keep = set(), []
    for i, text in enumerate(texts):
        key = text.strip().lower()
        if len(text.split()) >= min_words and key not in seen:
            keep.append(i)
        seen.add(key)
    return [ids[i] for i in keep], [texts[i] for i in keep], [labels[i] for i in keep]


def _student_dataset(student, ids, texts, labels):
    """A Dataset with columns id, text, label (ClassLabel), built in the student box with the student's names."""
    try:
        ds = student.Dataset.from_dict({"id": list(ids), "text": list(texts), "label": [LABELS.index(lb) for lb in labels]})
        return ds.cast_column("label", student.ClassLabel(names=LABELS))
    except (StudentError, AttributeError) as error:
        raise AssertionError(
            "could not build a Dataset through solution.py's own names (student.Dataset.from_dict, "
            f"student.ClassLabel): keep `from datasets import ClassLabel, Dataset, DatasetDict` at the top ({error})"
        ) from None


def _tokenizer(student, vocab):
    try:
        return student.WordTokenizer(list(vocab))
    except (StudentError, AttributeError) as error:
        raise AssertionError(
            f"could not build a tokenizer as student.WordTokenizer(vocab): keep `from toy_tokenizer import "
            f"WordTokenizer` at the top of solution.py ({error})"
        ) from None


def _parts(got, call):
    assert isinstance(got, dict) and set(got) == {"train", "test"}, (
        f"{call} should return a DatasetDict with the splits 'train' and 'test', got {type(got).__name__} "
        f"{sorted(got) if isinstance(got, dict) else ''}"
    )
    return {name: got[name].to_dict() for name in ("train", "test")}


def _counts(labels):
    """How many of each label, given as names or as class ids."""
    names = [LABELS[lb] if isinstance(lb, int) else lb for lb in labels]
    return {name: names.count(name) for name in LABELS}


# ---------------------------------------------------------------- to_dataset


@points(1.5)
def test_to_dataset_columns_and_labels(student):
    rng = submission_rng(f"{SLUG}:to-dataset")
    ids, texts, labels = _reviews(rng, int(rng.integers(20, 31)))
    df = _frame(rng, ids, texts, labels)
    call = (f"to_dataset(<DataFrame of {len(df)} rows, columns ['id', 'text', 'label', 'source'], an index that is not "
            "0..n-1>)")
    try:
        ds = student.to_dataset(df)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    columns = ds.column_names
    assert "__index_level_0__" not in columns, (
        f"{call} has the columns {columns}: from_pandas kept the DataFrame's index as a column; pass preserve_index=False"
    )
    assert sorted(columns) == ["id", "label", "text"], f"{call} has the columns {columns}; expected exactly id, text and label"
    label_feature = ds.features["label"]
    assert "ClassLabel" in repr(label_feature), (
        f"{call}: the 'label' feature is {label_feature!r}, not a ClassLabel (cast the column with ClassLabel(names=LABELS); "
        "stratified splits need it)"
    )
    assert list(label_feature.names) == LABELS, (
        f"{call}: the ClassLabel's names are {label_feature.names}; they must be LABELS, in that order"
    )
    rows = ds.to_dict()
    assert rows["id"] == ids and rows["text"] == texts, f"{call}: the rows are not the DataFrame's rows, in its order"
    assert rows["label"] == [LABELS.index(lb) for lb in labels], (
        f"{call}: the label ids should be each label's position in LABELS (negative 0, neutral 1, positive 2)"
    )


# ---------------------------------------------------------------- tokenize_dataset


@points(1.5)
def test_tokenize_dataset_keeps_the_labels(student):
    rng = submission_rng(f"{SLUG}:tokenize")
    ids, texts, labels = _reviews(rng, int(rng.integers(25, 41)))
    vocab = [str(w) for w in rng.choice(WORDS, int(rng.integers(8, 16)), replace=False)]
    max_length = int(rng.integers(4, 8))
    ds = _student_dataset(student, ids, texts, labels)
    tokenizer = _tokenizer(student, vocab)
    call = f"tokenize_dataset(<Dataset of {len(ids)} rows: id, text, label>, WordTokenizer(<{len(vocab)} words>), max_length={max_length})"
    try:
        out = student.tokenize_dataset(ds, tokenizer, max_length)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    columns = out.column_names
    assert "label" in columns and "id" in columns, (
        f"{call} has the columns {columns}: the map removed columns that later steps need (the split stratifies by "
        "'label'); remove only 'text'"
    )
    assert sorted(columns) == ["attention_mask", "id", "input_ids", "label"], (
        f"{call} has the columns {columns}; expected id, label, input_ids and attention_mask ('text' removed)"
    )
    rows = out.to_dict()
    assert rows["id"] == ids and rows["label"] == [LABELS.index(lb) for lb in labels], (
        f"{call}: the ids and labels are not those of the input rows, in order"
    )
    for row, text in enumerate(texts):
        ids_want, mask_want = _encode(vocab, text, max_length)
        assert rows["input_ids"][row] == ids_want and rows["attention_mask"][row] == mask_want, (
            f"{call}: row {row} ({text!r}) has input_ids {rows['input_ids'][row]} and attention_mask "
            f"{rows['attention_mask'][row]}, not the tokenizer's output for that text with max_length={max_length}"
        )
    sizes = list(tokenizer.batch_sizes)
    assert sizes and max(sizes) > 1, (
        f"{call}: the tokenizer was called {len(sizes)} times with one text each: map with batched=True so that it "
        "gets a whole batch (a list of texts) per call"
    )


# ---------------------------------------------------------------- split


@points(2)
def test_split_is_stratified(student):
    rng = submission_rng(f"{SLUG}:split")
    while True:
        ids, texts, labels = _reviews(rng, int(rng.integers(50, 81)))
        test_size = float(rng.choice([0.2, 0.25, 0.3]))
        seed = int(rng.integers(0, 10_000))
        if min(_counts(labels).values()) < 4:
            continue
        want_train, want_test = (set(part) for part in _split_ids(ids, labels, test_size, seed))
        if set(_split_ids(ids, labels, test_size, seed, stratify=False)[1]) != want_test:
            break
    ds = _student_dataset(student, ids, texts, labels)
    call = f"split(<Dataset of {len(ids)} rows, label counts {_counts(labels)}>, test_size={test_size}, seed={seed})"
    try:
        got = student.split(ds, test_size, seed)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    parts = _parts(got, call)
    train, test = set(parts["train"]["id"]), set(parts["test"]["id"])
    by_id = dict(zip(ids, labels))
    counts = _counts([by_id[i] for i in parts["test"]["id"] if i in by_id])
    assert len(test) == len(want_test) and len(train) == len(want_train), (
        f"{call} gives {len(train)} train and {len(test)} test rows; test_size={test_size} of {len(ids)} rows means "
        f"ceil({test_size} * {len(ids)}) = {math.ceil(test_size * len(ids))} test rows"
    )
    assert test == want_test and train == want_train, (
        f"{call}: the test split (label counts {counts}) is not the one train_test_split(test_size={test_size}, "
        f"seed={seed}, stratify_by_column='label') gives: stratify by the label so that each class keeps its share"
    )


# ---------------------------------------------------------------- prepare


_PREPARED = {}


def _prepared(student):
    if "result" in _PREPARED:
        return _PREPARED["result"]
    rng = submission_rng(f"{SLUG}:prepare")
    while True:
        n = int(rng.integers(70, 101))
        ids, texts, labels = _reviews(rng, n, duplicates=int(rng.integers(6, 11)), short=int(rng.integers(6, 11)))
        settings = {"max_length": int(rng.integers(5, 9)), "min_words": 3,
                    "test_size": float(rng.choice([0.2, 0.25])), "seed": int(rng.integers(0, 10_000))}
        kept = _clean(ids, texts, labels, settings["min_words"])
        if min(_counts(kept[2]).values()) < 4:
            continue
        want = [set(part) for part in _split_ids(kept[0], kept[2], settings["test_size"], settings["seed"])]
        # The same steps with the cleaning done inside each split, in the split's order: it must differ.
        rows = {row_id: (row_id, text, label) for row_id, text, label in zip(ids, texts, labels)}
        late_test = _split_ids(ids, labels, settings["test_size"], settings["seed"])[1]
        if set(_clean(*zip(*[rows[row_id] for row_id in late_test]), settings["min_words"])[0]) != want[1]:
            break
    vocab = [str(w) for w in rng.choice(WORDS, 12, replace=False)]
    df = _frame(rng, ids, texts, labels)
    tokenizer = _tokenizer(student, vocab)
    call = (f"prepare(<DataFrame of {n} reviews, some too short, some repeated>, WordTokenizer(<12 words>), "
            + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")")
    try:
        got = student.prepare(df, tokenizer, **settings)
        parts = _parts(got, call)
        result = (call, got, parts, kept, want, vocab, settings, None)
    except (StudentError, AssertionError) as error:
        message = f"{error.type_name}: {error.message[:300]}" if isinstance(error, StudentError) else str(error)
        result = (call, None, None, kept, want, vocab, settings, message)
    _PREPARED["result"] = result
    return result


@points(2)
def test_prepare_cleans_before_splitting(student):
    call, _, parts, kept, want, vocab, settings, failure = _prepared(student)
    assert failure is None, f"{call} failed: {failure}"
    train, test = set(parts["train"]["id"]), set(parts["test"]["id"])
    texts = dict(zip(kept[0], kept[1]))
    kept_ids = set(kept[0])
    leftovers = sorted((train | test) - kept_ids)
    assert not leftovers, (
        f"{call} kept {len(leftovers)} rows that should have been dropped (texts of fewer than "
        f"{settings['min_words']} words, or repeating an earlier row's text)"
    )
    lost = sorted(kept_ids - (train | test))
    assert not lost, f"{call} lost {len(lost)} rows that should stay (at least {settings['min_words']} words, first time seen)"
    assert test == want[1] and train == want[0], (
        f"{call}: the splits ({len(train)} train, {len(test)} test rows) are not those of cleaning first and then "
        f"train_test_split(test_size={settings['test_size']}, seed={settings['seed']}, stratify_by_column='label') on "
        "the cleaned rows. Filter before splitting: cleaning each split on its own leaves repeats across the splits "
        "(a leak) and changes the split"
    )
    for name in ("train", "test"):
        for row, row_id in enumerate(parts[name]["id"]):
            ids_want, _ = _encode(vocab, texts[row_id], settings["max_length"])
            assert parts[name]["input_ids"][row] == ids_want, (
                f"{call}: the {name} row {row_id!r} ({texts[row_id]!r}) has input_ids {parts[name]['input_ids'][row]}, "
                f"not the tokenizer's output with max_length={settings['max_length']}"
            )


@points(1)
def test_prepare_sets_the_torch_format(student):
    call, got, _, _, _, _, _, failure = _prepared(student)
    assert failure is None, f"{call} failed: {failure}"
    for name in ("train", "test"):
        fmt = got[name].format
        assert fmt.get("type") == "torch", f"{call}[{name!r}].format is {fmt}: call set_format('torch', columns=[...])"
        assert sorted(fmt.get("columns") or []) == ["attention_mask", "input_ids", "label"], (
            f"{call}[{name!r}] is formatted with the columns {fmt.get('columns')}; expected input_ids, attention_mask "
            "and label (the id is a string and does not become a tensor)"
        )
    batch = next(got["train"].iter(batch_size=4))
    assert isinstance(batch, dict) and sorted(batch) == ["attention_mask", "input_ids", "label"], (
        f"a batch of {call}['train'] has the keys {sorted(batch) if isinstance(batch, dict) else type(batch).__name__}"
    )
    for key, value in batch.items():
        assert isinstance(value, torch.Tensor), f"in a batch of {call}['train'], {key!r} is a {type(value).__name__}, not a torch tensor"
    assert tuple(batch["input_ids"].shape) == (4, got["train"].to_dict()["input_ids"][0].__len__()), (
        f"a batch of 4 rows of {call}['train'] should give input_ids of shape (4, max_length), got {tuple(batch['input_ids'].shape)}"
    )


# ---------------------------------------------------------------- metrics


def _f1_scores(labels, predictions):
    """(macro F1, support-weighted F1) over the classes present in the labels or the predictions."""
    classes = np.union1d(labels, predictions)
    f1 = np.array([2 * np.sum((predictions == c) & (labels == c))
                   / (2 * np.sum((predictions == c) & (labels == c)) + np.sum((predictions == c) & (labels != c))
                      + np.sum((predictions != c) & (labels == c))) for c in classes])
    support = np.array([np.sum(labels == c) for c in classes])
    return float(f1.mean()), float((f1 * support).sum() / support.sum())


@points(1.5)
def test_compute_metrics(student):
    rng = submission_rng(f"{SLUG}:metrics")
    while True:
        n, k = int(rng.integers(30, 61)), int(rng.integers(3, 6))
        labels = rng.choice(k, n, p=rng.dirichlet(np.ones(k) * 2))
        logits = rng.normal(0.0, 1.0, (n, k))
        logits[np.arange(n), labels] += rng.uniform(0.0, 1.5)  # better than chance, not perfect
        predictions = logits.argmax(axis=1)
        macro, weighted = _f1_scores(labels, predictions)
        if abs(macro - weighted) > 1e-3:
            break
    call = f"compute_metrics((logits of shape ({n}, {k}), labels of shape ({n},)))"
    try:
        got = student.compute_metrics((logits, labels))
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, dict) and {"accuracy", "macro_f1"} <= set(got), (
        f"{call} should return a dict with 'accuracy' and 'macro_f1', got {got!r:.200}"
    )
    assert_close(got["accuracy"], float((predictions == labels).mean()), rtol=0, atol=1e-9,
                 what=f"{call}['accuracy'] (the predicted class is the argmax of each row of logits)")
    assert_close(got["macro_f1"], macro, rtol=0, atol=1e-9,
                 what=f"{call}['macro_f1'] (the plain mean of each class's F1 = 2TP / (2TP + FP + FN), over the classes "
                      "that occur in the labels or the predictions; not weighted by class size)")


@shows_expected
@points(0.5)
def test_compute_metrics_example(student):
    logits = np.array([[2.0, 0.1, 0.0], [0.2, 1.5, 0.1], [0.3, 0.2, 0.9], [1.0, 0.4, 0.2], [0.1, 0.0, 2.0]])
    labels = np.array([0, 1, 1, 0, 2])
    call = "compute_metrics((logits [[2, .1, 0], [.2, 1.5, .1], [.3, .2, .9], [1, .4, .2], [.1, 0, 2]], labels [0, 1, 1, 0, 2]))"
    got = student.compute_metrics((logits, labels))
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    assert_close(got.get("accuracy"), 0.8, rtol=0, atol=1e-9, what=f"{call}['accuracy']")
    assert_close(got.get("macro_f1"), (1.0 + 2 / 3 + 2 / 3) / 3, rtol=0, atol=1e-9, what=f"{call}['macro_f1']")
