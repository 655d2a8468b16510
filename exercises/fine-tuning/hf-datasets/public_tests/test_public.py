"""Public tests: run them next to your solution.py (with toy_tokenizer.py beside it) with plain pytest:

    pytest public_tests/

They check the statement's examples and the pipeline's rules on a small public data set. The hidden grader
draws its own reviews, vocabularies, sizes and seeds.
"""

import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import LABELS, WordTokenizer, compute_metrics, prepare, split, to_dataset, tokenize_dataset  # noqa: E402

EXAMPLE = pd.DataFrame(
    {"id": ["r1", "r2", "r3", "r4"], "text": ["A good film", "bad", "Great plot, good cast", "a GOOD film "],
     "label": ["positive", "negative", "positive", "neutral"], "source": ["web", "app", "web", "mail"]},
    index=[3, 8, 9, 12],
)
VOCAB = ["good", "bad", "film", "plot", "great"]


def public_reviews(n=60, seed=3):
    rng = np.random.default_rng(seed)
    words = VOCAB + ["boring", "actor", "the", "was", "very", "scene"]
    texts = [" ".join(rng.choice(words, int(rng.integers(3, 8)))) for _ in range(n)]
    texts[5], texts[17], texts[40] = "bad", "good film", texts[2].upper()  # two too short, one repeat
    labels = [LABELS[i] for i in rng.choice(3, n, p=[0.6, 0.25, 0.15])]
    return pd.DataFrame({"id": [f"p{i}" for i in range(n)], "text": texts, "label": labels}, index=np.arange(n) * 2)


def test_to_dataset_example():
    ds = to_dataset(EXAMPLE)
    assert ds.column_names == ["id", "text", "label"], f"expected the columns ['id', 'text', 'label'], got {ds.column_names}"
    assert ds.features["label"].names == LABELS, f"label should be a ClassLabel with names {LABELS}, got {ds.features['label']}"
    assert ds.to_dict()["label"] == [2, 0, 2, 1], f"the label ids should be [2, 0, 2, 1], got {ds.to_dict()['label']}"


def test_tokenize_dataset_example():
    tok = WordTokenizer(VOCAB)
    got = tokenize_dataset(to_dataset(EXAMPLE), tok, max_length=5).to_dict()
    assert sorted(got) == ["attention_mask", "id", "input_ids", "label"], f"expected id, label, input_ids, attention_mask; got {sorted(got)}"
    assert got["input_ids"] == [[1, 2, 4, 0, 0], [3, 0, 0, 0, 0], [6, 5, 2, 1, 0], [1, 2, 4, 0, 0]], f"input_ids: {got['input_ids']}"
    assert got["label"] == [2, 0, 2, 1], f"the labels must survive the map, got {got.get('label')}"
    assert max(tok.batch_sizes) > 1, f"the tokenizer got one text per call ({tok.batch_sizes}): use map(..., batched=True)"


def test_split_keeps_class_shares():
    ds = to_dataset(public_reviews())
    parts = split(ds, test_size=0.25, seed=0)
    assert set(parts) == {"train", "test"}, f"expected the splits train and test, got {set(parts)}"
    assert len(parts["test"]) == 15 and len(parts["train"]) == 45, f"25% of 60 rows is 15 test rows, got {len(parts['test'])}"
    want = ds.train_test_split(test_size=0.25, seed=0, stratify_by_column="label")
    assert parts["test"].to_dict()["id"] == want["test"].to_dict()["id"], "use train_test_split(test_size, seed=seed, stratify_by_column='label')"


def test_prepare_cleans_splits_and_formats():
    parts = prepare(public_reviews(), WordTokenizer(VOCAB), max_length=6, min_words=3, test_size=0.25, seed=1)
    train, test = parts["train"].to_dict()["id"], parts["test"].to_dict()["id"]
    assert len(train) + len(test) == 57, f"3 of the 60 rows should be dropped (two too short, one repeat), {len(train) + len(test)} are left"
    assert not {"p5", "p17", "p40"} & set(train + test), "rows p5 and p17 (too short) and p40 (a repeat of p2) must be dropped"
    batch = next(parts["train"].iter(batch_size=4))
    assert sorted(batch) == ["attention_mask", "input_ids", "label"], f"the torch format should give only these columns, got {sorted(batch)}"
    assert type(batch["input_ids"]).__name__ == "Tensor" and tuple(batch["input_ids"].shape) == (4, 6), (
        f"input_ids should come out as a (4, 6) tensor, got {type(batch['input_ids']).__name__}"
    )


def test_metrics_on_the_statement_example():
    logits = np.array([[2.0, 0.1, 0.0], [0.2, 1.5, 0.1], [0.3, 0.2, 0.9], [1.0, 0.4, 0.2], [0.1, 0.0, 2.0]])
    got = compute_metrics((logits, np.array([0, 1, 1, 0, 2])))
    assert got["accuracy"] == pytest.approx(0.8), f"accuracy should be 0.8, got {got['accuracy']}"
    assert got["macro_f1"] == pytest.approx(7 / 9), f"macro F1 should be (1 + 2/3 + 2/3) / 3 = 0.7778, got {got['macro_f1']}"
