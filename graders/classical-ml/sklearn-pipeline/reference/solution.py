"""Reference solution for classical-ml/sklearn-pipeline."""

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def build_pipeline(numeric_columns, categorical_columns):
    """Scaling and one-hot encoding in front of a logistic regression, all in one estimator."""
    preprocess = ColumnTransformer([
        ("numeric", StandardScaler(), numeric_columns),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical_columns),
    ])
    return Pipeline([("preprocess", preprocess), ("classifier", LogisticRegression(max_iter=1000))])


def train_and_evaluate(X, y, numeric_columns, categorical_columns, seed):
    """Fit on the training part only; report accuracy on the held-out part."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    model = build_pipeline(numeric_columns, categorical_columns)
    model.fit(X_train, y_train)
    return model, float(model.score(X_test, y_test))
