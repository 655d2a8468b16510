import numpy as np


def train_and_predict(X_train, y_train, X_test):
    # "a safe first guess": the average price for every house
    return [float(np.mean(y_train))] * len(X_test)
