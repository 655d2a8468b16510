"""Reference solution for classical-ml/digits-challenge: an RBF support vector machine."""

import numpy as np
from sklearn.svm import SVC


def train_and_predict(X_train, y_train, X_test):
    """A kernel SVM on the raw pixels; gamma suits the 0-16 pixel scale."""
    model = SVC(C=10.0, gamma=0.001)
    model.fit(np.asarray(X_train, dtype=float), np.asarray(y_train))
    return [int(label) for label in model.predict(np.asarray(X_test, dtype=float))]
