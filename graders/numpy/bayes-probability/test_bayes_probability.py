"""Hidden grader for numpy/bayes-probability.

Random inputs (test characteristics, count tables, documents) are drawn per submission with
submission_rng, and the expected values come from the grader's own formulas below, so every test holds for
any draw.
"""

import math

import numpy as np

from gradient_grader import (
    StudentError,
    assert_close,
    expected,
    points,
    same_object,
    shows_expected,
    submission_rng,
)

WORDS = (
    "the a an of to in offer free win cash prize click now meeting lunch agenda report budget team "
    "project deadline call notes invoice urgent account password verify reply thanks friday"
).split()


# -- the grader's own answers ------------------------------------------------------------------------------


def _posterior(prior, sens, spec, positive=True):
    if_sick, if_healthy = (sens, 1 - spec) if positive else (1 - sens, spec)
    return if_sick * prior / (if_sick * prior + if_healthy * (1 - prior))


def _lse(a, axis):
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top, axis=axis)


def _fit(X, y, alpha):
    classes, index = np.unique(y, return_inverse=True)
    counts = np.zeros((len(classes), X.shape[1]))
    np.add.at(counts, index, X)
    log_prior = np.log(np.bincount(index) / len(y))
    smoothed = counts + alpha
    return classes, log_prior, np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))


def _log_proba(params, X):
    _, log_prior, log_theta = params
    joint = X @ log_theta.T + log_prior
    return joint - _lse(joint, 1)[:, None]


def _corpus(rng, n_docs, V, k, length=(5, 40)):
    """Counts X (n_docs, V) and integer labels: k shuffled, non-consecutive labels, every class present."""
    labels = rng.choice(np.arange(-5, 30), size=k, replace=False)
    theta = rng.dirichlet(np.full(V, 0.3), size=k)
    which = np.concatenate([np.arange(k), rng.choice(k, size=n_docs - k, p=rng.dirichlet(np.full(k, 2.0)))])
    which = which[rng.permutation(n_docs)]
    lengths = rng.integers(length[0], length[1], size=n_docs)
    X = np.array([rng.multinomial(n, theta[c]) for n, c in zip(lengths, which, strict=True)])
    return X, labels[which]


# -- helpers for messages ----------------------------------------------------------------------------------


def _float(value, call):
    assert isinstance(value, (float, int)) and not isinstance(value, bool), (
        f"{call} should return a float, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


def _raises(error_type, func, call, why):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == error_type, f"{call} raised {error.type_name}: {error.message}; expected {error_type} ({why})"
        return
    raise AssertionError(f"{call} returned {got!r:.200} instead of raising {error_type} ({why})")


def _fitted(student, X, y, alpha, call):
    model = student.MultinomialNaiveBayes(alpha=alpha)
    returned = model.fit(X, y)
    same = same_object(returned, model)
    assert same, f"{call}: fit should return self (the model itself, for model = Model().fit(X, y)), got {returned!r:.100}"
    return model


def _array(value, call, shape):
    got = np.asarray(value, dtype=float)
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape}"
    return got


# -- Part 1 --------------------------------------------------------------------------------------------------


@shows_expected
@points(1)
def test_posterior_small_cases(student):
    for args, kwargs in [((0.2, 0.8, 0.7), {}), ((0.5, 0.6, 0.9), {"positive": False}), ((0.001, 0.99, 0.99), {})]:
        call = f"posterior{args}" if not kwargs else "posterior(0.5, 0.6, 0.9, positive=False)"
        got = _float(student.posterior(*args, **kwargs), call)
        want = _posterior(*args, **kwargs)
        assert math.isclose(got, want, rel_tol=1e-9), (
            f"{call} returned {got}, expected {want} (P(result | D) P(D) divided by P(result) summed over D and not D)"
        )
    for args in [(-0.1, 0.9, 0.9), (0.5, 1.2, 0.9), (0.5, 0.9, 1.0001)]:
        _raises("ValueError", lambda a=args: student.posterior(*a), f"posterior{args}", "every number is a probability in [0, 1]")
    _raises("ValueError", lambda: student.posterior(0.0, 0.9, 1.0), "posterior(0.0, 0.9, 1.0)",
            "a positive result cannot happen when nobody is sick and the test never errs: P(positive) = 0")


@points(1)
def test_posterior_drawn_cases(student):
    rng = submission_rng("numpy/bayes-probability:posterior")
    for _ in range(12):
        prior = float(rng.uniform(0.001, 0.6))
        sens, spec = (float(v) for v in rng.uniform(0.55, 0.999, size=2))
        for positive in (True, False):
            call = f"posterior({prior!r}, {sens!r}, {spec!r}, positive={positive})"
            got = _float(student.posterior(prior, sens, spec, positive=positive), call)
            want = _posterior(prior, sens, spec, positive)
            neglect = sens / (sens + 1 - spec) if positive else (1 - sens) / (1 - sens + spec)
            if math.isclose(got, neglect, rel_tol=1e-9) and not math.isclose(got, want, rel_tol=1e-6):
                raise AssertionError(
                    f"{call} returned {got}, which leaves the prior out (base-rate neglect): weigh P(result | D) by "
                    "P(D) and P(result | not D) by 1 - P(D)"
                )
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15), f"{call} returned {got}, expected {expected(want)}"


@points(1)
def test_sequential_posterior(student):
    rng = submission_rng("numpy/bayes-probability:sequential")
    for _ in range(4):
        prior = float(rng.uniform(0.005, 0.3))
        sens, spec = (float(v) for v in rng.uniform(0.6, 0.98, size=2))
        results = [bool(r) for r in rng.random(int(rng.integers(2, 7))) < 0.6]
        call = f"sequential_posterior({prior!r}, {sens!r}, {spec!r}, {results})"
        got = student.sequential_posterior(prior, sens, spec, results)
        assert isinstance(got, (list, tuple, np.ndarray)) and len(got) == len(results), (
            f"{call} returned {got!r:.200}: expected a list with one posterior after each of the {len(results)} results"
        )
        want, current = [], prior
        for result in results:
            current = _posterior(current, sens, spec, result)
            want.append(current)
        first = _posterior(prior, sens, spec, results[0])
        assert math.isclose(float(got[0]), first, rel_tol=1e-9), (
            f"{call}: the first posterior is {got[0]}, but it should be posterior(prior, ...) of the first result"
        )
        assert_close(got, want, rtol=1e-9, atol=1e-15,
                     what=f"{call} (each posterior becomes the prior of the next result)")
    call = "sequential_posterior(0.1, 0.9, 0.9, [])"
    got = student.sequential_posterior(0.1, 0.9, 0.9, [])
    assert len(got) == 0, f"{call} returned {got!r:.200}, expected an empty list"


@points(1)
def test_rates_from_counts(student):
    rng = submission_rng("numpy/bayes-probability:counts")
    keys = {"prevalence", "sensitivity", "specificity", "ppv", "npv"}
    for _ in range(3):
        table = rng.integers(1, 400, size=(2, 2)).tolist()
        call = f"rates_from_counts({table})"
        got = student.rates_from_counts(table)
        assert isinstance(got, dict) and set(got) == keys, (
            f"{call} returned {got!r:.300}; expected a dict with the keys 'prevalence', 'sensitivity', 'specificity', 'ppv' "
            "and 'npv'"
        )
        (tp, fn), (fp, tn) = table
        total = tp + fn + fp + tn
        want = {"prevalence": (tp + fn) / total, "sensitivity": tp / (tp + fn), "specificity": tn / (tn + fp),
                "ppv": tp / (tp + fp), "npv": tn / (tn + fn)}
        for key in sorted(keys):
            assert_close(_float(got[key], f"{call}[{key!r}]"), want[key], rtol=1e-9, what=f"{call}[{key!r}]")
        bayes = _posterior(got["prevalence"], got["sensitivity"], got["specificity"])
        assert math.isclose(bayes, got["ppv"], rel_tol=1e-9), (
            f"{call}: Bayes' rule on your prevalence, sensitivity and specificity gives {bayes:.6g}, but your ppv is "
            f"{got['ppv']:.6g}: they should agree (ppv = TP / (TP + FP), the share of positives that have D)"
        )
    call = "rates_from_counts([[0, 4], [0, 6]])"  # nobody tested positive: ppv is 0 / 0
    got = student.rates_from_counts([[0, 4], [0, 6]])
    assert isinstance(got, dict) and set(got) == keys, f"{call} returned {got!r:.300}"
    assert isinstance(got["ppv"], float) and math.isnan(got["ppv"]), (
        f"{call}['ppv'] is {got['ppv']!r}: with no positive results TP + FP = 0, so the ppv is float('nan')"
    )
    assert got["sensitivity"] == 0.0 and got["npv"] == 0.6, f"{call} returned {got!r:.300}"
    _raises("ValueError", lambda: student.rates_from_counts([[1, 2, 3], [4, 5, 6]]), "rates_from_counts(<a 2x3 table>)",
            "the table must be 2x2")
    _raises("ValueError", lambda: student.rates_from_counts([[1, -2], [3, 4]]), "rates_from_counts([[1, -2], [3, 4]])",
            "counts cannot be negative")


# -- Part 2 --------------------------------------------------------------------------------------------------


@points(1)
def test_vocabulary_and_count_matrix(student):
    rng = submission_rng("numpy/bayes-probability:vocabulary")
    docs = []
    for _ in range(6):
        words = [str(w) for w in rng.choice(WORDS[:20], size=int(rng.integers(3, 9)))]
        words = [w.upper() if rng.random() < 0.2 else w for w in words]
        docs.append("  ".join(words) if rng.random() < 0.3 else " ".join(words))
    call = f"build_vocabulary({docs})"
    vocab = student.build_vocabulary(docs)
    want_vocab = {w: i for i, w in enumerate(sorted({t for d in docs for t in d.lower().split()}))}
    assert isinstance(vocab, dict), f"{call} should return a dict, got {type(vocab).__name__}"
    assert set(vocab) == set(want_vocab), (
        f"{call} returned the words {sorted(vocab)}: every lowercased token of the documents, once each"
    )
    assert vocab == want_vocab, f"{call} returned {vocab}: columns are numbered 0, 1, ... in alphabetical order of the words"
    queries = docs[:2] + [f"{WORDS[0]} {WORDS[25]} {WORDS[26]} {WORDS[0].upper()}", ""]
    call = f"count_matrix({queries}, vocabulary)"
    got = np.asarray(student.count_matrix(queries, want_vocab))
    want = np.zeros((len(queries), len(want_vocab)), dtype=int)
    for i, doc in enumerate(queries):
        for token in doc.lower().split():
            if token in want_vocab:
                want[i, want_vocab[token]] += 1
    assert got.shape == want.shape, f"{call} returned shape {got.shape}, expected (4, {len(vocab)})"
    assert np.issubdtype(got.dtype, np.integer), f"{call} returned {got.dtype} counts, expected integers"
    bad = np.flatnonzero((got != want).any(axis=1)).tolist()
    assert not bad, (
        f"{call}: the rows {bad} are wrong; row i counts each vocabulary word of document i (lowercased), "
        "and words outside the vocabulary are ignored"
    )


@points(1)
def test_log_sum_exp(student):
    rng = submission_rng("numpy/bayes-probability:lse")
    for offset in (-2000.0, 0.0, 800.0):
        values = rng.normal(0, 3, size=(4, 6)) + offset
        for axis in (1, 0):
            call = f"log_sum_exp(<4x6 values around {offset:g}>, axis={axis})"
            got = np.asarray(student.log_sum_exp(values, axis=axis), dtype=float)
            want = _lse(values, axis)
            assert got.shape == want.shape, f"{call} returned shape {got.shape}, expected {want.shape} (the axis is reduced)"
            assert np.all(np.isfinite(got)), (
                f"{call} returned {got.round(3).tolist()}: exp under- or overflows here; subtract the maximum before "
                "exponentiating and add it back after the log"
            )
            assert_close(got, want, rtol=1e-12, atol=1e-9, what=call)
    values = rng.normal(-500, 1, size=5)
    call = "log_sum_exp(<5 values around -500>) (default axis)"
    assert_close(float(np.asarray(student.log_sum_exp(values))), float(_lse(values, -1)), rtol=1e-12, what=call)
    values = np.array([[-np.inf, -np.inf, -np.inf], [-np.inf, 2.0, -np.inf]])
    call = "log_sum_exp([[-inf, -inf, -inf], [-inf, 2.0, -inf]], axis=1)"
    got = np.asarray(student.log_sum_exp(values, axis=1), dtype=float)
    assert got.shape == (2,) and got[0] == -np.inf and math.isclose(got[1], 2.0), (
        f"{call} returned {got.tolist()}: a row of only -inf sums to exp(-inf) = 0, whose log is -inf (not NaN), "
        "and a row with one finite value v gives v"
    )


@points(2)
def test_fit_parameters(student):
    rng = submission_rng("numpy/bayes-probability:fit")
    X, y = _corpus(rng, n_docs=60, V=25, k=3)
    # Classes of 20/20/20 (about 1 draw in 760): a uniform prior would then be right, and the check below
    # would call it wrong. Draw again from the same generator.
    while np.unique(np.unique(y, return_counts=True)[1]).size == 1:
        X, y = _corpus(rng, n_docs=60, V=25, k=3)
    for alpha in (1.0, 0.5):
        call = f"MultinomialNaiveBayes(alpha={alpha}).fit(<60x25 counts>, <labels {sorted(set(y.tolist()))}>)"
        model = _fitted(student, X, y, alpha, call)
        classes, log_prior, log_theta = _fit(X, y, alpha)
        got = np.asarray(model.classes_)
        assert got.tolist() == classes.tolist(), f"{call}: classes_ is {got.tolist()}; it should hold the distinct labels, sorted"
        prior = _array(model.class_log_prior_, f"{call}: class_log_prior_", (3,))
        if np.allclose(prior, np.log(1 / 3)):
            raise AssertionError(f"{call}: class_log_prior_ is uniform, but the classes do not have the same number of documents")
        assert_close(prior, log_prior, rtol=1e-9, what=f"{call}: class_log_prior_ (log of each class's share of the documents)")
        theta = _array(model.feature_log_prob_, f"{call}: feature_log_prob_", (3, 25))
        assert not np.isneginf(theta).any(), (
            f"{call}: feature_log_prob_ has -inf for the {int(np.isneginf(theta).sum())} (class, word) pairs that never "
            "occur in the training data: that is log(0), no smoothing; add alpha to every count and alpha * V to the total"
        )
        sums = np.exp(theta).sum(axis=1)
        assert np.allclose(sums, 1.0), (
            f"{call}: exp(feature_log_prob_) sums to {sums.round(4).tolist()} over the words of each class; each row is "
            "a distribution over the vocabulary, so divide by N_c + alpha * V"
        )
        assert_close(theta, log_theta, rtol=1e-9, atol=1e-12,
                     what=f"{call}: feature_log_prob_ (log((N_cj + alpha) / (N_c + alpha * V)))")
    for alpha in (0, -1.0):
        _raises("ValueError", lambda a=alpha: student.MultinomialNaiveBayes(alpha=a), f"MultinomialNaiveBayes(alpha={alpha})",
                "smoothing needs alpha > 0")


@points(2)
def test_predictions(student):
    rng = submission_rng("numpy/bayes-probability:predict")
    X, y = _corpus(rng, n_docs=80, V=30, k=4)
    T, _ = _corpus(rng, n_docs=25, V=30, k=4)
    call = "MultinomialNaiveBayes(alpha=1.0).fit(<80x30 counts, 4 classes>)"
    model = _fitted(student, X, y, 1.0, call)
    params = _fit(X, y, 1.0)
    want = _log_proba(params, T)
    got = _array(model.predict_log_proba(T), f"{call}.predict_log_proba(<25 documents>)", (25, 4))
    rows = np.exp(got).sum(axis=1)
    assert np.allclose(rows, 1.0), (
        f"{call}.predict_log_proba(<25 documents>): exp of the rows sums to values between {rows.min():.4g} and "
        f"{rows.max():.4g}; subtract log_sum_exp of each row's joint log-likelihood so they sum to 1"
    )
    assert_close(got, want, rtol=1e-9, atol=1e-9,
                 what=f"{call}.predict_log_proba(<25 documents>) (log prior + counts @ log theta, then normalised)")
    got = _array(model.predict_proba(T), f"{call}.predict_proba(<25 documents>)", (25, 4))
    assert_close(got, np.exp(want), rtol=1e-9, atol=1e-12, what=f"{call}.predict_proba(<25 documents>)")
    got = np.asarray(model.predict(T))
    labels = params[0][np.argmax(want, axis=1)]
    assert got.shape == (25,), f"{call}.predict(<25 documents>) returned shape {got.shape}, expected (25,)"
    if set(got.tolist()) <= set(range(4)) and not set(labels.tolist()) <= set(range(4)):
        raise AssertionError(f"{call}.predict returned {got.tolist()}: column indices, not the labels of classes_")
    wrong = int(np.sum(got != labels))
    assert wrong == 0, f"{call}.predict(<25 documents>): {wrong} of 25 labels differ from the most probable class"
    _raises("ValueError", lambda: model.predict(np.ones((2, 29))), f"{call}.predict(<2x29 counts>)",
            "the model was fitted on 30 words (columns)")


@points(1)
def test_unseen_words_and_empty_documents(student):
    rng = submission_rng("numpy/bayes-probability:unseen")
    X, y = _corpus(rng, n_docs=40, V=20, k=2)
    if np.sum(y == y.max()) == 20:  # make the classes unequal, so that the prior matters
        y[np.flatnonzero(y == y.min())[0]] = y.max()
    X[y == y.max(), 0] = 0  # word 0 never appears in the class with the larger label...
    X[y == y.min(), 0] += 3  # ...and is common in the other
    call = "MultinomialNaiveBayes(alpha=1.0).fit(<40x20 counts, word 0 never in one class>)"
    model = _fitted(student, X, y, 1.0, call)
    params = _fit(X, y, 1.0)
    call_empty = f"{call}.predict_proba(<a row of zeros>)"
    got = _array(model.predict_proba(np.zeros((1, 20))), call_empty, (1, 2))
    prior = np.exp(params[1])
    if np.allclose(got, 0.5) and not np.allclose(prior, 0.5):
        raise AssertionError(
            f"{call_empty} returned {got.round(4).tolist()}: with no words the posterior is the prior P(c), the share "
            "of training documents of each class, and the two classes here have different shares; is log P(c) missing?"
        )
    assert_close(got[0], prior, rtol=1e-9, what=f"{call_empty} (a document without words: the posterior is the prior)")
    T = X[:3].copy()
    T[:, 0] = 1
    got = _array(model.predict_log_proba(T), f"{call}.predict_log_proba(<3 documents with word 0 once>)", (3, 2))
    assert np.all(np.isfinite(got)), (
        f"{call}.predict_log_proba(...) returned {got.round(3).tolist()}: a word never seen in a class must not make that "
        "class impossible; Laplace smoothing gives it (0 + alpha) / (N_c + alpha * V)"
    )
    assert_close(got, _log_proba(params, T), rtol=1e-9, atol=1e-9, what=f"{call}.predict_log_proba(<3 documents with word 0>)")


@points(1)
def test_long_documents(student):
    rng = submission_rng("numpy/bayes-probability:long")
    X, y = _corpus(rng, n_docs=50, V=30, k=3)
    T, _ = _corpus(rng, n_docs=6, V=30, k=3, length=(3000, 6000))
    call = "MultinomialNaiveBayes(alpha=1.0).fit(<50x30 counts>)"
    model = _fitted(student, X, y, 1.0, call)
    params = _fit(X, y, 1.0)
    want = _log_proba(params, T)
    what = f"{call}.predict_proba(<6 documents of 3000 to 6000 words>)"
    got = _array(model.predict_proba(T), what, (6, 3))
    assert np.all(np.isfinite(got)) and np.allclose(got.sum(axis=1), 1.0), (
        f"{what} returned {np.round(got, 4).tolist()}: the likelihood of such a document is far below the smallest "
        "float (about 1e-308), so products of probabilities become 0 and 0/0; add logs instead and normalise with "
        "log_sum_exp"
    )
    assert_close(got, np.exp(want), rtol=1e-9, atol=1e-12, what=what)
    what = f"{call}.predict_log_proba(<6 documents of 3000 to 6000 words>)"
    got = _array(model.predict_log_proba(T), what, (6, 3))
    assert np.all(got <= 1e-9) and np.all(~np.isnan(got)), (
        f"{what} returned {np.round(got, 3).tolist()}: log-probabilities are at most 0; subtract the row's log_sum_exp "
        "computed with the maximum taken out"
    )
    assert_close(got, want, rtol=1e-9, atol=1e-9, what=what)
    predicted = np.asarray(model.predict(T))
    wrong = int(np.sum(predicted != params[0][np.argmax(want, axis=1)]))
    assert wrong == 0, f"{call}.predict(<6 long documents>): {wrong} of 6 labels differ from the most probable class"
