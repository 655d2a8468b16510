"""Reference solution for classical-ml/hyperparameter-search."""

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def _logistic(C):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def search_with_validation(X, y, candidates, seed):
    """Judge each C on a held-out validation part; refit the winner on everything."""
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    val_scores = [float(_logistic(C).fit(X_train, y_train).score(X_val, y_val)) for C in candidates]
    best = val_scores.index(max(val_scores))  # the first of equal scores
    best_C = candidates[best]
    return {"best_C": best_C, "val_scores": val_scores, "model": _logistic(best_C).fit(X, y)}


def grid_search(X, y, param_grid, seed):
    """Cross-validated grid search with shuffled, seeded, stratified folds; refit on all data."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), param_grid, scoring="accuracy", cv=folds)
    search.fit(X, y)
    return {"best_params": search.best_params_, "best_score": float(search.best_score_),
            "model": search.best_estimator_}
