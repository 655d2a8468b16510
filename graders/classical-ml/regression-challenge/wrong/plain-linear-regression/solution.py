from sklearn.linear_model import LinearRegression


def train_and_predict(X_train, y_train, X_test):
    # the district code is treated as a quantity and every effect as a straight line
    model = LinearRegression().fit(X_train, y_train)
    return model.predict(X_test).tolist()
