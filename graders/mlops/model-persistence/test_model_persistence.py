"""Hidden grader for mlops/model-persistence."""

import json
import pickle

import numpy as np

from gradient_grader import StudentError, assert_close, expected, points, shows_expected

KEYS = {"format", "format_version", "classes", "coef", "intercept", "n_features", "params"}


def _data(rng, n_classes, labels, n=90, d=4):
    centers = rng.normal(scale=2.0, size=(n_classes, d))
    idx = np.arange(n) % n_classes
    X = centers[idx] + rng.normal(size=(n, d))
    return X, [labels[i] for i in idx]


def _proba(doc, X):
    coef, intercept = np.array(doc["coef"], dtype=float), np.array(doc["intercept"], dtype=float)
    scores = X @ coef.T + intercept
    if len(doc["classes"]) == 2:
        p = 1 / (1 + np.exp(-scores[:, 0]))
        return np.column_stack([1 - p, p])
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _blob(**changes):
    doc = {
        "format": "gradient-logreg", "format_version": 1, "classes": ["low", "mid", "high"],
        "coef": [[0.8, -1.25, 0.1], [0.05, 0.3, -0.7], [-0.85, 0.95, 0.6]],
        "intercept": [0.4, -0.15, -0.25], "n_features": 3, "params": {"C": 2.0},
    }
    doc.update(changes)
    return doc, json.dumps(doc).encode()


def _expect_value_error(call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
        return error
    raise AssertionError(f"{call} returned {got!r:.100}, expected ValueError")


def _fit(student, X, y, C=1.0):
    clf = student.PersistableClassifier(C)
    fitted = clf.fit(X, y)
    same = "student" in repr(fitted) and object.__getattribute__(fitted, "_target") == object.__getattribute__(clf, "_target")
    assert same, f"fit(X, y) should return the classifier itself (self), got {fitted!r:.100}"
    return clf


@shows_expected
@points(2)
def test_to_bytes_is_versioned_json(student, rng):
    X, y = _data(rng, 3, ["setosa", "versicolor", "virginica"])
    clf = _fit(student, X, y, 0.5)
    blob = clf.to_bytes()
    assert isinstance(blob, bytes), f"to_bytes() should return bytes, got {type(blob).__name__}"
    assert not blob.startswith(b"\x80"), "to_bytes() returned a pickle; save the parameters as JSON instead"
    try:
        doc = json.loads(blob.decode("utf-8"))
    except ValueError as exc:
        raise AssertionError(f"to_bytes() did not return UTF-8 JSON ({exc}): {blob[:80]!r}") from None
    assert isinstance(doc, dict) and KEYS <= set(doc), f"the JSON should have the keys {sorted(KEYS)}, got {sorted(doc) if isinstance(doc, dict) else doc!r:.200}"
    assert doc["format"] == "gradient-logreg" and doc["format_version"] == 1, (
        f"format/format_version are {doc['format']!r}/{doc['format_version']!r}, expected 'gradient-logreg'/1"
    )
    assert doc["classes"] == ["setosa", "versicolor", "virginica"], f"classes is {doc['classes']!r}, expected the sorted labels"
    assert np.array(doc["coef"]).shape == (3, 4) and len(doc["intercept"]) == 3 and doc["n_features"] == 4, (
        f"coef has shape {np.array(doc['coef']).shape}, intercept {len(doc['intercept'])} values, n_features "
        f"{doc['n_features']}; expected (3, 4), 3 and 4"
    )
    assert doc["params"].get("C") == 0.5, f"params is {doc['params']!r}, expected C = 0.5"
    _expect_value_error("PersistableClassifier().to_bytes() before fit", student.PersistableClassifier().to_bytes)


@points(3)
def test_round_trip_is_exact(student, rng):
    for n_classes, labels in ((3, ["red", "green", "blue"]), (2, [0, 1]), (4, [10, 20, 30, 40])):
        X, y = _data(rng, n_classes, labels)
        X_new = rng.normal(scale=2.0, size=(40, 4))
        clf = _fit(student, X, y)
        blob = clf.to_bytes()
        again = student.PersistableClassifier.from_bytes(blob)
        what = f"{n_classes} classes: predict_proba after to_bytes/from_bytes"
        before, after = clf.predict_proba(X_new), again.predict_proba(X_new)
        assert_close(after, before, rtol=1e-12, atol=1e-15, what=what + " (save floats at full precision)")
        labels_before, labels_after = clf.predict(X_new), again.predict(X_new)
        assert labels_after == labels_before, f"{n_classes} classes: predict changed after the round trip"
        assert all(type(v) is type(labels[0]) for v in labels_after), (
            f"predict() should return plain {type(labels[0]).__name__} labels, got {labels_after[:3]!r}"
        )
        assert json.loads(again.to_bytes()) == json.loads(blob), f"{n_classes} classes: saving a loaded model changed the file"
        doc = json.loads(blob)
        assert_close(before, _proba(doc, X_new), rtol=1e-9, what=f"{n_classes} classes: predict_proba vs the formula")


@points(2)
def test_loads_a_file_written_elsewhere(student, rng):
    doc, blob = _blob()
    X = rng.normal(size=(25, 3)) * 2
    model = student.PersistableClassifier.from_bytes(blob)
    assert_close(model.predict_proba(X), _proba(doc, X), rtol=1e-9,
                 what="predict_proba of a 3-class file written by the grader (softmax of X @ coef.T + intercept)")
    want = [doc["classes"][i] for i in np.argmax(_proba(doc, X), axis=1)]
    assert model.predict(X) == want, f"predict of the grader's 3-class file returned {model.predict(X)!r}, expected {expected(want)}"
    doc, blob = _blob(classes=[3, 7], coef=[[1.5, -0.5, 0.25]], intercept=[-0.2])
    model = student.PersistableClassifier.from_bytes(blob)
    assert_close(model.predict_proba(X), _proba(doc, X), rtol=1e-9,
                 what="predict_proba of a 2-class file (one coef row; sigmoid gives [1 - p, p])")
    want = [doc["classes"][i] for i in np.argmax(_proba(doc, X), axis=1)]
    assert model.predict(X) == want, f"predict of the grader's 2-class file returned {model.predict(X)!r}, expected {expected(want)}"


@points(1)
def test_version_mismatch(student):
    for version in (2, 0, "1"):
        _, blob = _blob(format_version=version)
        error = _expect_value_error(f"from_bytes(a file with format_version={version!r})",
                                    student.PersistableClassifier.from_bytes, blob)
        assert "version" in error.message.lower(), (
            f"from_bytes(format_version={version!r}) raised ValueError({error.message!r}); say which version was found "
            "and which one is supported"
        )


@points(2)
def test_malformed_files(student):
    doc, _ = _blob()
    cases = [
        ("a pickle", pickle.dumps(doc)),
        ("bytes that are not UTF-8", b"\xff\xfe{}"),
        ("a JSON list", b"[1, 2, 3]"),
        ("another format", _blob(format="onnx")[1]),
        ("no coef", json.dumps({k: v for k, v in doc.items() if k != "coef"}).encode()),
        ("3 classes but 2 coef rows", _blob(coef=doc["coef"][:2])[1]),
        ("a coef row of the wrong length", _blob(coef=[[1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])[1]),
        ("2 intercepts for 3 classes", _blob(intercept=[0.1, 0.2])[1]),
        ("a single class", _blob(classes=["only"], coef=[[1.0, 2.0, 3.0]], intercept=[0.0])[1]),
    ]
    for what, blob in cases:
        _expect_value_error(f"from_bytes({what})", student.PersistableClassifier.from_bytes, blob)
