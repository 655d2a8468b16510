from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def search_with_validation(X, y, candidates, seed):
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    models, scores = [], []
    for C in candidates:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(X_train, y_train)
        models.append(model)
        scores.append(float(model.score(X_val, y_val)))
    best = scores.index(max(scores))
    # returns the model that was fitted on the training part only
    return {"best_C": candidates[best], "val_scores": scores, "model": models[best]}


def grid_search(X, y, param_grid, seed):
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), param_grid, scoring="accuracy", cv=cv).fit(X, y)
    return {"best_params": search.best_params_, "best_score": float(search.best_score_), "model": search.best_estimator_}
