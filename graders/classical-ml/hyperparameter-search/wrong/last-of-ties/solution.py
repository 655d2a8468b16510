from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def search_with_validation(X, y, candidates, seed):
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    scores, best_C, best_score = [], None, -1.0
    for C in candidates:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(X_train, y_train)
        score = float(model.score(X_val, y_val))
        scores.append(score)
        if score >= best_score:  # >= lets a later candidate with the same score take over
            best_C, best_score = C, score
    model = make_pipeline(StandardScaler(), LogisticRegression(C=best_C, max_iter=1000)).fit(X, y)
    return {"best_C": best_C, "val_scores": scores, "model": model}


def grid_search(X, y, param_grid, seed):
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), param_grid, scoring="accuracy", cv=cv).fit(X, y)
    return {"best_params": search.best_params_, "best_score": float(search.best_score_), "model": search.best_estimator_}
