"""Known-wrong solution for classical-ml/sklearn-pipeline: clipper-learns-in-transform."""

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


class QuantileClipper(BaseEstimator, TransformerMixin):
    """Clip each column to quantiles learned in fit (missing values ignored, and kept as they are)."""

    def __init__(self, lower=0.05, upper=0.95):
        self.lower = lower
        self.upper = upper

    def fit(self, X, y=None):
        if not 0.0 <= self.lower < self.upper <= 1.0:
            raise ValueError(f"need 0 <= lower < upper <= 1, got lower={self.lower}, upper={self.upper}")
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        values = np.asarray(X, dtype=float)
        self.n_features_in_ = values.shape[1]
        self.lower_ = np.nanquantile(values, self.lower, axis=0)
        self.upper_ = np.nanquantile(values, self.upper, axis=0)
        return self

    def transform(self, X):
        if not hasattr(self, "lower_"):
            raise ValueError("QuantileClipper is not fitted yet: call fit first")
        values = np.asarray(X, dtype=float)
        if values.ndim != 2 or values.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} columns, got shape {values.shape}")
        # the bounds of the data being transformed, not those learned in fit
        return np.clip(values, np.nanquantile(values, self.lower, axis=0), np.nanquantile(values, self.upper, axis=0))

    def get_feature_names_out(self, input_features=None):
        if input_features is not None:
            if len(input_features) != self.n_features_in_:
                raise ValueError(f"expected {self.n_features_in_} input feature names, got {len(input_features)}")
            return np.asarray(input_features, dtype=object)
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_.copy()
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)


def build_preprocessor(numeric_columns, categorical_columns):
    """Numeric: median imputation, clipping, scaling. Categorical: most frequent value, one-hot."""
    numeric = Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("clip", QuantileClipper(lower=0.05, upper=0.95)),
        ("scale", StandardScaler()),
    ])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("onehot", OneHotEncoder(handle_unknown="ignore")),
    ])
    return ColumnTransformer([("num", numeric, list(numeric_columns)), ("cat", categorical, list(categorical_columns))])


def build_pipeline(numeric_columns, categorical_columns):
    """The whole model: raw rows in, predictions out."""
    return Pipeline([
        ("preprocess", build_preprocessor(numeric_columns, categorical_columns)),
        ("model", LogisticRegression(max_iter=1000)),
    ])


def train_and_evaluate(X, y, numeric_columns, categorical_columns, seed):
    """Fit on the training part only; report accuracy on the held-out part."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    model = build_pipeline(numeric_columns, categorical_columns).fit(X_train, y_train)
    return model, float(model.score(X_test, y_test))


def feature_names(fitted, input_features=None):
    """The output names of a fitted transformer, as a list of str. For a pipeline that ends in a model, the
    names of the columns the model sees, e.g. 'num__income' or 'cat__region_north'."""
    if isinstance(fitted, Pipeline) and not hasattr(fitted[-1], "transform"):
        fitted = fitted[:-1]
    return [str(name) for name in fitted.get_feature_names_out(input_features)]


def save_pipeline(pipeline, path):
    """Write the fitted pipeline to `path` with joblib and return the path."""
    joblib.dump(pipeline, path)
    return str(path)


def load_pipeline(path):
    """Read a pipeline written by save_pipeline."""
    return joblib.load(path)
