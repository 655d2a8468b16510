"""A preprocessing pipeline: imputation, a custom transformer, scaling and one-hot encoding inside one
scikit-learn Pipeline, trained without leakage, named, and saved to disk.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import joblib  # noqa: F401  (you will need these)
import numpy as np  # noqa: F401
import pandas as pd  # noqa: F401
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer  # noqa: F401
from sklearn.impute import SimpleImputer  # noqa: F401
from sklearn.linear_model import LogisticRegression  # noqa: F401
from sklearn.model_selection import train_test_split  # noqa: F401
from sklearn.pipeline import Pipeline  # noqa: F401
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: F401


class QuantileClipper(BaseEstimator, TransformerMixin):
    """Clip each column to the [lower, upper] quantiles learned in fit.

    fit(X) learns ``lower_`` and ``upper_`` (one value per column, missing values ignored), ``n_features_in_``
    and, when X is a DataFrame, ``feature_names_in_``; it raises ValueError unless 0 <= lower < upper <= 1.
    transform(X) clips with the learned bounds (NaN stays NaN) and raises ValueError on a wrong column count.
    """

    def __init__(self, lower=0.05, upper=0.95):
        self.lower = lower
        self.upper = upper

    def fit(self, X, y=None):
        raise NotImplementedError("QuantileClipper.fit is not written yet")

    def transform(self, X):
        raise NotImplementedError("QuantileClipper.transform is not written yet")

    def get_feature_names_out(self, input_features=None):
        """input_features if given, else the DataFrame's column names seen in fit, else ['x0', 'x1', ...]."""
        raise NotImplementedError("QuantileClipper.get_feature_names_out is not written yet")


def build_preprocessor(numeric_columns, categorical_columns):
    """A ColumnTransformer with two branches, named "num" and "cat" (see README.md)."""
    raise NotImplementedError("build_preprocessor is not written yet")


def build_pipeline(numeric_columns, categorical_columns):
    """A new, unfitted Pipeline: ("preprocess", build_preprocessor(...)), ("model", LogisticRegression(max_iter=1000))."""
    raise NotImplementedError("build_pipeline is not written yet")


def train_and_evaluate(X, y, numeric_columns, categorical_columns, seed):
    """Split with train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y), fit on the training
    part only, and return (fitted_pipeline, accuracy on the test part as a float)."""
    raise NotImplementedError("train_and_evaluate is not written yet")


def feature_names(fitted, input_features=None):
    """The output names of a fitted transformer (fitted.get_feature_names_out(input_features)) as a list of
    str; for a fitted pipeline that ends in a classifier, the names of the columns the classifier sees."""
    raise NotImplementedError("feature_names is not written yet")


def save_pipeline(pipeline, path):
    """Write the fitted pipeline to `path` with joblib; return the path."""
    raise NotImplementedError("save_pipeline is not written yet")


def load_pipeline(path):
    """Read back a pipeline written by save_pipeline."""
    raise NotImplementedError("load_pipeline is not written yet")
