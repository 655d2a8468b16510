from sklearn.svm import SVC


def train_and_predict(X_train, y_train, X_test):
    model = SVC(C=10.0, gamma=0.001).fit(X_train, y_train)
    return [int(label) for label in model.predict(X_train)]  # predicts the wrong array
