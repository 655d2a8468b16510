"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the file format and the rules of the statement on tiny made-up data and hand-written model
files. The hidden grader checks more (other data, other files written elsewhere, more malformed files).
"""

import json
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import PersistableClassifier  # noqa: E402

_rng = np.random.default_rng(3)
X3 = np.vstack([_rng.normal(centre, 0.7, (10, 2)) for centre in ([0, 0], [3, 0], [0, 3])])
Y3 = ["cat"] * 10 + ["dog"] * 10 + ["owl"] * 10
X2, Y2 = X3[:20], [0] * 10 + [1] * 10


def _file(**fields):
    """A hand-written version-1 model file."""
    fields = {"format": "gradient-logreg", "format_version": 1, "params": {"C": 1.0}, **fields}
    return json.dumps(fields).encode("utf-8")


def test_to_bytes_writes_the_version_1_json_format():
    blob = PersistableClassifier(C=0.5).fit(X3, Y3).to_bytes()
    assert isinstance(blob, bytes), f"to_bytes should return bytes, got {type(blob).__name__}"
    document = json.loads(blob.decode("utf-8"))
    for key in ("format", "format_version", "classes", "coef", "intercept", "n_features", "params"):
        assert key in document, f"the model file lacks the key {key!r}"
    assert document["format"] == "gradient-logreg" and document["format_version"] == 1
    assert document["classes"] == ["cat", "dog", "owl"] and document["n_features"] == 2
    assert np.shape(document["coef"]) == (3, 2) and len(document["intercept"]) == 3, "3 classes: 3 coef rows, 3 intercepts"
    assert document["params"] == {"C": 0.5}
    binary = json.loads(PersistableClassifier().fit(X2, Y2).to_bytes())
    assert np.shape(binary["coef"]) == (1, 2) and len(binary["intercept"]) == 1, "2 classes: ONE coef row and one intercept"
    with pytest.raises(ValueError):
        PersistableClassifier().to_bytes()  # not fitted yet


@pytest.mark.parametrize("X, y", [(X3, Y3), (X2, Y2)], ids=["three-string-classes", "two-int-classes"])
def test_save_and_load_predicts_exactly_the_same(X, y):
    model = PersistableClassifier(C=0.5).fit(X, y)
    again = PersistableClassifier.from_bytes(model.to_bytes())
    X_new = np.array([[0.3, 0.2], [2.5, -0.4], [-0.5, 2.9], [1.5, 1.5]])
    assert np.allclose(again.predict_proba(X_new), model.predict_proba(X_new), rtol=0, atol=1e-12), (
        "the reloaded model's probabilities differ: write the floats with full precision (no rounding)"
    )
    assert again.predict(X_new) == model.predict(X_new)


def test_a_hand_written_binary_file_predicts_by_the_formula():
    blob = _file(classes=["no", "yes"], coef=[[1.0, -2.0]], intercept=[0.5], n_features=2)
    model = PersistableClassifier.from_bytes(blob)  # two classes: one coef row
    proba = np.asarray(model.predict_proba(np.array([[1.0, 0.0], [0.0, 1.0]])))
    p = [1 / (1 + math.exp(-1.5)), 1 / (1 + math.exp(1.5))]  # sigmoid(x . w + b) for the rows above
    assert proba.shape == (2, 2) and np.allclose(proba, [[1 - p[0], p[0]], [1 - p[1], p[1]]], atol=1e-12), (
        f"predict_proba gave {proba.tolist()}, expected [[1 - p, p], ...] with p = sigmoid(x . w + b)"
    )
    labels = model.predict(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert labels == ["yes", "no"] and all(type(label) is str for label in labels), f"predict gave {labels!r}, expected ['yes', 'no']"


def test_a_hand_written_three_class_file_uses_the_softmax():
    blob = _file(classes=[10, 20, 30], coef=[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], intercept=[0.0, 0.0, 0.5], n_features=2)
    model = PersistableClassifier.from_bytes(blob)
    proba = np.asarray(model.predict_proba(np.array([[2.0, 1.0]])))
    scores = np.array([2.0, 1.0, 0.5])
    assert np.allclose(proba, [np.exp(scores) / np.exp(scores).sum()], atol=1e-12), f"predict_proba gave {proba.tolist()}"
    labels = model.predict(np.array([[2.0, 1.0], [0.0, 0.0]]))
    assert labels == [10, 30] and all(type(label) is int for label in labels), f"predict gave {labels!r}, expected [10, 30] as plain ints"


def test_wrong_versions_and_broken_files_raise_value_error():
    blob = PersistableClassifier().fit(X2, Y2).to_bytes()
    with pytest.raises(ValueError, match="2"):  # say which version was found
        PersistableClassifier.from_bytes(blob.replace(b'"format_version": 1', b'"format_version": 2'))
    broken = [
        b"not json at all",
        b"[1, 2, 3]",
        _file(classes=["no", "yes"], coef=[[1.0, -2.0]], intercept=[0.5]),  # n_features is missing
        _file(classes=["no", "yes"], coef=[[1.0, -2.0, 3.0]], intercept=[0.5], n_features=2),  # 3 numbers, not 2
    ]
    for data in broken:
        with pytest.raises(ValueError):
            PersistableClassifier.from_bytes(data)
