from sklearn.naive_bayes import GaussianNB


def train_and_predict(X_train, y_train, X_test):
    model = GaussianNB().fit(X_train, y_train)
    return model.predict(X_test).tolist()
