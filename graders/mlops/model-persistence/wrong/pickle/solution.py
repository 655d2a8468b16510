"""A known-wrong solution."""

import json
import pickle
import math

import numpy as np

FORMAT = "gradient-logreg"
FORMAT_VERSION = 1
KEYS = ("format", "format_version", "classes", "coef", "intercept", "n_features", "params")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class PersistableClassifier:
    def __init__(self, C=1.0):
        self.C = C
        self.classes = None
        self.coef = None
        self.intercept = None

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=self.C).fit(np.asarray(X, dtype=np.float64), list(y))
        self.classes = model.classes_.tolist()
        self.coef = model.coef_.astype(np.float64).copy()
        self.intercept = model.intercept_.astype(np.float64).copy()
        return self

    def _require_fitted(self):
        if self.coef is None:
            raise ValueError("the model is not fitted yet")

    def predict_proba(self, X):
        self._require_fitted()
        scores = np.asarray(X, dtype=np.float64) @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = scores - scores.max(axis=1, keepdims=True)
        exps = np.exp(scores)
        return exps / exps.sum(axis=1, keepdims=True)

    def predict(self, X):
        best = np.argmax(self.predict_proba(X), axis=1)  # argmax keeps the first class on a tie
        return [self.classes[i] for i in best]

    def to_bytes(self):
        self._require_fitted()
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "classes": list(self.classes),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "n_features": int(self.coef.shape[1]),
            "params": {"C": self.C},
        }
        return pickle.dumps(self)  # quick and easy... and unsafe to load

    @classmethod
    def from_bytes(cls, data):
        return pickle.loads(data)
        try:
            document = json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"not a JSON model file: {exc}") from None
        if not isinstance(document, dict):
            raise ValueError("a model file must hold a JSON object")
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format is {document.get('format')!r})")
        version = document.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported format_version {version!r}; this code reads version {FORMAT_VERSION}")
        missing = [key for key in KEYS if key not in document]
        if missing:
            raise ValueError(f"the model file lacks {missing}")
        classes, coef, intercept, n_features = (document[k] for k in ("classes", "coef", "intercept", "n_features"))
        if not isinstance(classes, list) or len(classes) < 2 or len(set(map(repr, classes))) != len(classes):
            raise ValueError("'classes' must list at least 2 different labels")
        rows = 1 if len(classes) == 2 else len(classes)
        if not isinstance(n_features, int) or isinstance(n_features, bool) or n_features < 1:
            raise ValueError("'n_features' must be a positive integer")
        if not isinstance(coef, list) or len(coef) != rows:
            raise ValueError(f"'coef' must have {rows} row(s) for {len(classes)} classes")
        for row in coef:
            if not isinstance(row, list) or len(row) != n_features or not all(map(_number, row)):
                raise ValueError(f"every row of 'coef' must hold {n_features} finite numbers")
        if not isinstance(intercept, list) or len(intercept) != rows or not all(map(_number, intercept)):
            raise ValueError(f"'intercept' must hold {rows} finite number(s)")
        params = document["params"] if isinstance(document["params"], dict) else {}
        model = cls(C=params.get("C", 1.0))
        model.classes = list(classes)
        model.coef = np.array(coef, dtype=np.float64)
        model.intercept = np.array(intercept, dtype=np.float64)
        return model
