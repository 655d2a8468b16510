import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def make_folds(y, n_splits, seed):
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(y), 1)), y))


def cross_validate_model(X, y, n_splits, seed):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    scores = [float(s) for s in cross_val_score(model, X, y, cv=cv)]
    # ddof=1 (the sample standard deviation, pandas' default) instead of np.std's ddof=0
    return {"scores": scores, "mean": float(np.mean(scores)), "std": float(np.std(scores, ddof=1))}
