from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def build_pipeline(numeric_columns, categorical_columns):
    preprocess = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), categorical_columns)], remainder="passthrough"
    )
    return Pipeline([("prep", preprocess), ("model", LogisticRegression(max_iter=1000))])


def train_and_evaluate(X, y, numeric_columns, categorical_columns, seed):
    X = X.copy()
    X[:, numeric_columns] = StandardScaler().fit_transform(X[:, numeric_columns])  # scaled once, up front
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    model = build_pipeline(numeric_columns, categorical_columns)
    model.fit(X_train, y_train)
    return model, float(model.score(X_test, y_test))
