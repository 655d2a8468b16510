from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def search_with_validation(X, y, candidates, seed):
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    scores = [
        float(make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(X_train, y_train).score(X_val, y_val))
        for C in candidates
    ]
    best_C = candidates[scores.index(max(scores))]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=best_C, max_iter=1000)).fit(X, y)
    return {"best_C": best_C, "val_scores": scores, "model": model}


def grid_search(X, y, param_grid, seed):
    # cv=5: stratified folds, but in row order; the seed is never used
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), param_grid, scoring="accuracy", cv=5).fit(X, y)
    return {"best_params": search.best_params_, "best_score": float(search.best_score_), "model": search.best_estimator_}
