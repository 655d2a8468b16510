import numpy as np


def _probability(name, value) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value}")
    return value


def posterior(prior, sensitivity, specificity, positive=True) -> float:
    prior = _probability("prior", prior)
    sensitivity = _probability("sensitivity", sensitivity)
    specificity = _probability("specificity", specificity)
    if positive:  # P(+ | D) and P(+ | not D)
        if_sick, if_healthy = sensitivity, 1.0 - specificity
    else:  # P(- | D) and P(- | not D)
        if_sick, if_healthy = 1.0 - sensitivity, specificity
    evidence = if_sick * prior + if_healthy * (1.0 - prior)
    if evidence == 0.0:
        raise ValueError("this test result has probability 0 under these numbers: P(D | result) is undefined")
    return if_sick * prior / evidence


def sequential_posterior(prior, sensitivity, specificity, results) -> list[float]:
    beliefs = []
    current = prior
    for result in results:
        current = posterior(current, sensitivity, specificity, positive=bool(result))
        beliefs.append(current)
    return beliefs


def _ratio(top, bottom) -> float:
    return float(top / bottom) if bottom > 0 else float("nan")


def rates_from_counts(counts) -> dict:
    counts = np.asarray(counts, dtype=float)
    if counts.shape != (2, 2) or (counts < 0).any():
        raise ValueError(f"counts must be a 2x2 table of non-negative counts, got shape {counts.shape}")
    (tp, fn), (fp, tn) = counts
    return {
        "prevalence": _ratio(tp + fn, counts.sum()),
        "sensitivity": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
        "ppv": _ratio(tp, tp + fp),
        "npv": _ratio(tn, tn + fn),
    }


def tokenize(text: str) -> list[str]:
    return text.lower().split()


def build_vocabulary(docs) -> dict[str, int]:
    words = sorted({word for doc in docs for word in tokenize(doc)})
    return {word: index for index, word in enumerate(words)}


def count_matrix(docs, vocabulary) -> np.ndarray:
    X = np.zeros((len(docs), len(vocabulary)), dtype=np.int64)
    for row, doc in enumerate(docs):
        for word in tokenize(doc):
            column = vocabulary.get(word)
            if column is not None:  # words outside the vocabulary are ignored
                X[row, column] += 1
    return X


def log_sum_exp(values, axis=-1) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)  # a row of -inf stays -inf instead of becoming NaN
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True)) + top
    return np.squeeze(total, axis=axis)


class MultinomialNaiveBayes:
    def __init__(self, alpha=1.0):
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0 (Laplace smoothing), got {alpha}")
        self.alpha = float(alpha)

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
            raise ValueError(f"X must be (n_docs, n_words) with one label per row; got {X.shape} and {len(y)} labels")
        if (X < 0).any():
            raise ValueError("word counts cannot be negative")
        self.classes_, index = np.unique(y, return_inverse=True)
        word_counts = np.zeros((len(self.classes_), X.shape[1]))
        np.add.at(word_counts, index, X)
        self.class_log_prior_ = np.log(np.bincount(index) / len(y))
        smoothed = word_counts + self.alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        return self

    def joint_log_likelihood(self, X) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != self.feature_log_prob_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} columns, the model was fitted on {self.feature_log_prob_.shape[1]}")
        return X @ self.feature_log_prob_.T + self.class_log_prior_

    def predict_log_proba(self, X) -> np.ndarray:
        joint = self.joint_log_likelihood(X)
        return joint - log_sum_exp(joint, axis=1)[:, None]

    def predict_proba(self, X) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        theta = np.exp(self.feature_log_prob_)
        prior = np.exp(self.class_log_prior_)
        # multiplies raw probabilities: the product underflows to 0 on long documents, then 0 / 0
        likelihood = np.prod(theta[None, :, :] ** X[:, None, :], axis=2) * prior
        return likelihood / likelihood.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.joint_log_likelihood(X), axis=1)]
