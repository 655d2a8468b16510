"""Hidden grader for llm-apps/answer-metrics.

Worked examples are fixed (@shows_expected). Generated answer pairs, reference lists and datasets are drawn
per submission (submission_rng), and their expected scores come from `_normalize` and `_f1` below, the
statement's rules written out.
"""

import math
import string
from collections import Counter

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

WORDS = [
    "Paris", "France", "Eiffel", "Tower", "1889", "river", "Seine", "iron", "lattice", "Gustave", "capital",
    "city", "north", "bank", "world", "fair", "metres", "tall", "engineer", "museum", "Louvre", "art",
]
ARTICLES = ["the", "The", "a", "A", "an", "An", "THE"]
TRAILING = [",", ".", "!", "?", ";", ":", ")", "'s"]


def _normalize(text):
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(w for w in text.split() if w not in ("a", "an", "the"))


def _f1(prediction, reference):
    p, r = _normalize(prediction).split(), _normalize(reference).split()
    if not p or not r:
        same = float(p == r)
        return {"precision": same, "recall": same, "f1": same}
    overlap = sum((Counter(p) & Counter(r)).values())
    if overlap == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    precision, recall = overlap / len(p), overlap / len(r)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def _best(prediction, references):
    return {
        "exact_match": max(float(_normalize(prediction) == _normalize(r)) for r in references),
        "f1": max(_f1(prediction, r)["f1"] for r in references),
    }


def _mistaken_f1(p, r, as_sets=False):
    """The F1 of a known mistake (a set overlap, or tokens not normalised): only to recognise it in a student's
    answer and name it in the feedback."""
    overlap = len(set(p) & set(r)) if as_sets else sum((Counter(p) & Counter(r)).values())
    if not p or not r or not overlap:
        return None
    precision, recall = overlap / len(p), overlap / len(r)
    return 2 * precision * recall / (precision + recall)


def _diagnose_f1(prediction, reference, got_f1):
    p, r = _normalize(prediction).split(), _normalize(reference).split()
    hints = {
        "the overlap seems to count DISTINCT shared tokens (a set): count repeats with Counter & Counter":
            _mistaken_f1(p, r, as_sets=True),
        "only the prediction seems to be normalised: normalise the reference too": _mistaken_f1(p, reference.split()),
    }
    return "".join(f" Hint: {text}." for text, value in hints.items() if value is not None and math.isclose(got_f1, value))


def _decorate(rng, words):
    """Words written the way people and models write them: mixed case, articles, punctuation, spaces."""
    out = []
    for word in words:
        if rng.random() < 0.2:
            out.append(ARTICLES[rng.integers(len(ARTICLES))])
        style = rng.random()
        word = word.upper() if style < 0.25 else word.lower() if style < 0.5 else word.capitalize() if style < 0.75 else word
        if rng.random() < 0.25:
            word += TRAILING[rng.integers(len(TRAILING))]
        out.append(word)
    return (" " if rng.random() < 0.7 else "  ").join(out)


def _words(rng, low, high):
    return [WORDS[i] for i in rng.integers(len(WORDS), size=int(rng.integers(low, high + 1)))]


def _pair(rng, shared_repeat=False):
    """(prediction, reference) texts: the prediction is a noisy copy of the reference's words."""
    reference = _words(rng, 1, 5)
    prediction = []
    for word in reference:
        if rng.random() < 0.25:
            continue
        prediction += [word] * (2 if rng.random() < 0.25 else 1)
    prediction += _words(rng, 0, 2)
    if shared_repeat:  # a token repeated on both sides: the multiset overlap counts it twice, a set once
        word = WORDS[rng.integers(len(WORDS))]
        reference += [word, word]
        prediction += [word] * int(rng.integers(2, 4))
    if rng.random() < 0.3:
        prediction = [prediction[i] for i in rng.permutation(len(prediction))]
    return _decorate(rng, prediction), _decorate(rng, reference)


def _number(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should return a float, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


def _scores(value, keys, call):
    assert isinstance(value, dict) and set(keys) == set(value), (  # the keys are the statement's contract
        f"{call} should return a dict with the keys {sorted(keys)}, got {value!r:.300}"
    )
    return {key: _number(value[key], f"{call}[{key!r}]") for key in keys}


def _same(got, want):
    return all(math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-12) for k in want)


@shows_expected
@points(1.5)
def test_normalize_answer_rules(student):
    cases = [
        ("  The Eiffel-Tower,  built in 1889! ", "eiffeltower built in 1889", "punctuation is deleted, 'the' dropped"),
        ("An apple a day", "apple day", "a, an and the are dropped whatever their case"),
        ("theatre, another anthem", "theatre another anthem", "only WHOLE words a/an/the are dropped"),
        ("U.S.A.", "usa", "punctuation is deleted without leaving a space"),
        ("\tThe\n\nanswer   is: 42%\n", "answer is 42", "tabs and newlines are whitespace too"),
        ("The (a) [an] {THE}", "", "after deleting the brackets every word is an article"),
        ("rock'n'roll - \"live\"", "rocknroll live", "a lone '-' is deleted and leaves no empty word"),
    ]
    for text, want, hint in cases:
        got = student.normalize_answer(text)
        assert got == want, f"normalize_answer({text!r}) returned {got!r}, expected {want!r} ({hint})"


@shows_expected
@points(1)
def test_exact_match_normalises_both_sides(student):
    cases = [
        ("eiffel tower", "The Eiffel Tower.", 1.0, "the REFERENCE must be normalised too"),
        ("The Eiffel Tower!", "eiffel tower", 1.0, "the prediction is normalised"),
        ("  GUSTAVE   Eiffel ", "Gustave Eiffel", 1.0, "case and extra spaces do not matter"),
        ("Eiffel Tower", "Tower Eiffel", 0.0, "word order matters"),
        ("Eiffel Tower in Paris", "The Eiffel Tower", 0.0, "extra words make it a different answer"),
        ("1,889", "1889", 1.0, "the comma is deleted"),
    ]
    for prediction, reference, want, hint in cases:
        call = f"exact_match({prediction!r}, {reference!r})"
        got = _number(student.exact_match(prediction, reference), call)
        assert got == want, f"{call} returned {got!r}, expected {want!r} ({hint})"


@shows_expected
@points(1.5)
def test_token_f1_worked_examples(student):
    keys = ("precision", "recall", "f1")
    cases = [
        ("go go go", "Go, go.", (2 / 3, 1.0, 0.8), "overlap min(3, 2) = 2: count repeated tokens (a multiset)"),
        ("in Paris, France", "Paris", (1 / 3, 1.0, 0.5), "precision divides by the prediction's tokens"),
        ("Paris", "the city of Paris", (1.0, 1 / 3, 0.5), "recall divides by the reference's tokens ('the' is dropped)"),
        ("red red fish fish fish", "Red fish, red FISH!", (0.8, 1.0, 8 / 9), "overlap 2 + 2 = 4"),
        ("The Eiffel Tower", "Tower (Eiffel)", (1.0, 1.0, 1.0), "order does not matter for F1"),
    ]
    for prediction, reference, values, hint in cases:
        call = f"token_f1({prediction!r}, {reference!r})"
        got = _scores(student.token_f1(prediction, reference), keys, call)
        want = dict(zip(keys, values))
        assert _same(got, want), f"{call} returned {got}, expected {want} ({hint})"


@points(1.5)
def test_token_f1_on_generated_pairs(student):
    rng = submission_rng("llm-apps/answer-metrics:f1-pairs")
    keys = ("precision", "recall", "f1")
    for index in range(30):
        prediction, reference = _pair(rng, shared_repeat=index < 6)
        call = f"token_f1({prediction!r}, {reference!r})"
        got = _scores(student.token_f1(prediction, reference), keys, call)
        want = _f1(prediction, reference)
        hint = _diagnose_f1(prediction, reference, got["f1"])
        assert _same(got, want), (
            f"{call} returned {got}, expected {expected(want)}. The tokens are {_normalize(prediction).split()} and "
            f"{_normalize(reference).split()}.{hint}"
        )


@shows_expected
@points(1)
def test_empty_answers_and_no_overlap(student):
    zero, one = {"precision": 0.0, "recall": 0.0, "f1": 0.0}, {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    cases = [
        ("", "", one, "both sides have no tokens: a perfect answer"),
        ("The.", "a an", one, "both normalise to no tokens"),
        ("", "Paris", zero, "an empty prediction"),
        ("Paris", "?!", zero, "a reference with no tokens, a prediction with some"),
        ("Rome", "Paris", zero, "no token in common"),
    ]
    for prediction, reference, want, hint in cases:
        call = f"token_f1({prediction!r}, {reference!r})"
        got = _scores(student.token_f1(prediction, reference), tuple(want), call)
        assert got == want, f"{call} returned {got}, expected {want} ({hint})"
    call = "exact_match('', 'The')"
    got = _number(student.exact_match("", "The"), call)
    assert got == 1.0, f"{call} returned {got!r}, expected 1.0 (both normalise to the empty string)"


@points(1.5)
def test_best_of_several_references(student):
    rng = submission_rng("llm-apps/answer-metrics:references")
    for index in range(12):
        prediction, first = _pair(rng)
        references = [first] + [_pair(rng)[1] for _ in range(int(rng.integers(1, 4)))]
        if index < 3:  # the prediction is one of the references, written differently
            references.insert(int(rng.integers(len(references) + 1)), _decorate(rng, _normalize(prediction).split()))
        call = f"best_scores({prediction!r}, {references!r})"
        got = _scores(student.best_scores(prediction, references), ("exact_match", "f1"), call)
        want = _best(prediction, references)
        values = [_f1(prediction, r)["f1"] for r in references]
        hint = ""
        if max(values) != min(values) and math.isclose(got["f1"], sum(values) / len(values)):
            hint = " Hint: the F1 looks AVERAGED over the references; take the maximum."
        assert _same(got, want), (
            f"{call} returned {got}, expected {expected(want)}: each metric is the best (maximum) over the "
            f"references, taken for each metric on its own.{hint}"
        )


@points(1.5)
def test_evaluate_generated_dataset(student):
    rng = submission_rng("llm-apps/answer-metrics:dataset")
    dataset, predictions = [], {}
    for index in range(16):
        qid = f"q{int(rng.integers(10**6)):06d}-{index}"
        prediction, first = _pair(rng)
        answers = [first] + [_pair(rng)[1] for _ in range(int(rng.integers(0, 3)))]
        if index % 5 == 0:
            answers.append(_decorate(rng, _normalize(prediction).split()))
        dataset.append({"id": qid, "answers": answers})
        if index % 4 != 3:  # every fourth question has no prediction
            predictions[qid] = prediction
    predictions["not-in-the-dataset"] = dataset[0]["answers"][0]
    predictions["also-extra"] = "Paris"
    call = f"evaluate(<{len(predictions)} predictions, 2 of them for unknown ids>, <dataset of {len(dataset)} questions>)"
    got = student.evaluate(predictions, dataset)
    assert isinstance(got, dict) and {"exact_match", "f1", "count", "missing", "per_question"} <= set(got), (
        f"{call} should return a dict with exact_match, f1, count, missing and per_question, got {got!r:.300}"
    )
    assert got["count"] == 16 and got["missing"] == 4, (
        f"{call} returned count={got['count']!r}, missing={got['missing']!r}; the dataset has 16 questions and 4 of "
        "them have no prediction (predictions for ids outside the dataset do not count)"
    )
    per_question = got["per_question"]
    assert isinstance(per_question, dict) and set(per_question) == {item["id"] for item in dataset}, (
        f"{call}['per_question'] should have exactly one entry per question of the dataset, got keys "
        f"{sorted(per_question)[:20] if isinstance(per_question, dict) else per_question!r:.300}"
    )
    for item in dataset:
        qid = item["id"]
        want = _best(predictions[qid], item["answers"]) if qid in predictions else {"exact_match": 0.0, "f1": 0.0}
        one = _scores(per_question[qid], ("exact_match", "f1"), f"{call}['per_question'][{qid!r}]")
        what = f"prediction {predictions[qid]!r}" if qid in predictions else "no prediction"
        assert _same(one, want), (
            f"{call}['per_question'][{qid!r}] ({what}, answers {item['answers']!r}) is {one}, expected "
            f"{expected(want)}"
        )
    for key in ("exact_match", "f1"):
        mean = _number(got[key], f"{call}[{key!r}]")
        want_mean = sum(_best(predictions[i["id"]], i["answers"])[key] for i in dataset if i["id"] in predictions) / 16
        assert math.isclose(mean, want_mean, rel_tol=1e-9, abs_tol=1e-12), (
            f"{call}[{key!r}] is {mean!r}, expected {expected(want_mean)}: the mean over ALL 16 questions, "
            "missing ones counting 0"
        )


@shows_expected
@points(0.5)
def test_empty_inputs_raise_value_error(student):
    for call, function, args in (
        ("best_scores('Paris', [])", student.best_scores, ("Paris", [])),
        ("evaluate({'q1': 'Paris'}, [])", student.evaluate, ({"q1": "Paris"}, [])),
    ):
        try:
            got = function(*args)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
        else:
            raise AssertionError(f"{call} returned {got!r:.200}, expected it to raise ValueError")
