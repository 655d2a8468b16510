"""Hidden grader for projects/sentiment-api: a capstone in three milestones (train, persist, serve).

Hidden reviews come from the generator that wrote support/reviews.csv, with (subject, adjective) pairs and two
sentence templates that the public corpus never uses, drawn anew for each submission. The server tests call the
student's app over HTTP (SERVICE below: uvicorn in the student box); the last test builds an app in-process.
"""

import random

from gradient_grader import (
    AppClient,
    StudentError,
    call_timeout,
    points,
    question,
    service,
    shows_expected,
    submission_seed,
)

SERVICE = {"app": "app", "startup_s": 30}

QUESTIONS = {
    "m1": {"title": "Train", "points": 4, "milestone": True},
    "m2": {"title": "Persist", "points": 3, "milestone": True},
    "m3": {"title": "Serve", "points": 5, "milestone": True},
}

THRESHOLD = 0.9
LABELS = ["negative", "positive"]
CORPUS_SIZE = 400
FIRST_ROW = ("The story is so predictable, the pacing even more so.", "negative")

# the generator of support/reviews.csv (the public corpus uses held_out=False only)
SUBJECTS = ["the film", "this movie", "the plot", "the acting", "the soundtrack", "the ending", "the cast",
            "the script", "the story", "the pacing", "the camera work", "the dialogue"]
POSITIVE = ["wonderful", "brilliant", "moving", "delightful", "superb", "charming", "gripping", "beautiful",
            "clever", "hilarious", "memorable", "excellent", "stunning", "heartfelt"]
NEGATIVE = ["boring", "dull", "awful", "terrible", "clumsy", "forgettable", "tedious", "messy", "painful",
            "bland", "disappointing", "predictable", "lifeless", "weak"]
INTENSIFIERS = ["", "", "really ", "truly ", "quite ", "so ", "very ", "rather "]
TEMPLATES = ["{s} was {i}{a}", "{s} felt {i}{a}", "i thought {s} was {i}{a}", "honestly, {s} is {i}{a}",
             "{s} was {i}{a} and {t} was {j}{b}", "{s} is {i}{a}, {t} even more so"]
HELD_OUT_TEMPLATES = ["in my opinion {s} was {i}{a}", "{s} turned out {i}{a} and {t} {j}{b} too"]
CLOSERS = {"positive": ["i would watch it again", "highly recommended", "worth every minute"],
           "negative": ["i want my money back", "skip this one", "a waste of an evening"]}


def _review(rng, label, held_out):
    words = POSITIVE if label == "positive" else NEGATIVE

    def pair():
        while True:
            s, a = rng.randrange(len(SUBJECTS)), rng.randrange(len(words))
            if ((s + a) % 3 == 0) == held_out:
                return SUBJECTS[s], words[a]

    s, a = pair()
    t, b = pair()
    templates = TEMPLATES + HELD_OUT_TEMPLATES if held_out else TEMPLATES
    text = rng.choice(templates).format(s=s, a=a, t=t, b=b, i=rng.choice(INTENSIFIERS), j=rng.choice(INTENSIFIERS))
    if rng.random() < 0.3:
        text += ", " + rng.choice(CLOSERS[label])
    return text[0].upper() + text[1:] + rng.choice([".", ".", "!"])


def _hidden_reviews(role, n, label=None):
    """n reviews of held-out combinations, drawn for this submission: (texts, labels)."""
    rng = random.Random(submission_seed(f"projects/sentiment-api:{role}"))
    labels = [label or rng.choice(LABELS) for _ in range(n)]
    return [_review(rng, y, True) for y in labels], labels


def _trained(student, flip=False):
    texts, labels = student.load_corpus("reviews.csv")
    if flip:
        labels = ["negative" if y == "positive" else "positive" for y in labels]
    with call_timeout(60):
        return student.train(texts, labels)


def _check_predictions(got, texts, call):
    assert isinstance(got, list) and len(got) == len(texts), (
        f"{call} should return a list with one prediction per text, in order, got {got!r:.200}"
    )
    for text, p in zip(texts, got):
        assert isinstance(p, dict) and set(p) == {"label", "score"}, (
            f"{call}: each prediction should be a dict with the keys 'label' and 'score', got {p!r:.200} for {text!r}"
        )
        assert p["label"] in LABELS, f"{call}: the label for {text!r} is {p['label']!r}, not one of the two labels of reviews.csv"
        assert type(p["score"]) is float and 0.5 <= p["score"] <= 1.0, (
            f"{call}: the score for {text!r} is {p['score']!r}; it should be a Python float, the probability of "
            "the predicted label (between 0.5 and 1 with two classes)"
        )


# ------------------------------------------------------------------------------------------------ m1: train


@question("m1")
@shows_expected
def test_load_corpus(student):
    texts, labels = student.load_corpus("reviews.csv")
    assert isinstance(texts, list) and isinstance(labels, list), (
        f"load_corpus('reviews.csv') should return two lists (texts, labels), got {type(texts).__name__} and "
        f"{type(labels).__name__}"
    )
    assert len(texts) == len(labels) == CORPUS_SIZE, (
        f"load_corpus('reviews.csv') returned {len(texts)} texts and {len(labels)} labels; the file has "
        f"{CORPUS_SIZE} rows after its header"
    )
    assert (texts[0], labels[0]) == FIRST_ROW, (
        f"the first review is {(texts[0], labels[0])!r}, expected {FIRST_ROW!r} (skip the header row, keep the text as it is)"
    )
    assert sorted(set(labels)) == LABELS, f"the labels are {sorted(set(labels))!r}, expected {LABELS!r}"


@question("m1")
def test_predict_returns_labels_and_scores(student):
    model = _trained(student)
    texts, _ = _hidden_reviews("format", 4)
    _check_predictions(student.predict(model, texts), texts, f"predict(model, {texts!r})")


@question("m1")
@points(2)
def test_accuracy_on_unseen_reviews(student):
    model = _trained(student)
    texts, labels = _hidden_reviews("accuracy", 200)
    got = student.predict(model, texts)
    _check_predictions(got, texts, "predict(model, <200 unseen reviews>)")
    accuracy = sum(p["label"] == y for p, y in zip(got, labels)) / len(labels)
    assert accuracy >= THRESHOLD, (
        f"trained on reviews.csv, your model labels {accuracy:.1%} of 200 unseen reviews correctly; at least "
        f"{THRESHOLD:.0%} is needed. The reviews pair subjects and adjectives in ways reviews.csv never does: "
        "a model that learns which words carry sentiment (TF-IDF + logistic regression) generalises; one that "
        "memorises whole sentences does not"
    )


@question("m1")
def test_prediction_does_not_depend_on_the_batch(student):
    model = _trained(student)
    texts, _ = _hidden_reviews("batch", 6)
    together = student.predict(model, texts)
    _check_predictions(together, texts, "predict(model, <6 reviews>)")
    for text, joint in zip(texts, together):
        alone = student.predict(model, [text])[0]
        assert alone["label"] == joint["label"] and abs(alone["score"] - joint["score"]) < 1e-9, (
            f"predict(model, [{text!r}]) gave {alone!r}, but the same text among 5 others gave {joint!r}: a "
            "prediction must not depend on the other texts. Transform new texts with the vectoriser fitted on "
            "the training data (transform, never fit or fit_transform, at prediction time)"
        )


@question("m1")
def test_train_learns_from_its_arguments(student):
    model = _trained(student, flip=True)
    texts, _ = _hidden_reviews("flipped", 40, label="positive")
    got = student.predict(model, texts)
    _check_predictions(got, texts, "predict(flipped_model, <40 positive reviews>)")
    negatives = sum(p["label"] == "negative" for p in got)
    assert negatives >= 30, (
        f"train(texts, labels) was given reviews.csv with every label swapped, then asked about 40 positive "
        f"reviews: it called only {negatives} of them negative. train must learn from the texts and labels it "
        "is given, not from a corpus it loads itself"
    )


# ------------------------------------------------------------------------------------------------ m2: persist


@question("m2")
@points(2)
@shows_expected  # the expected values are the student's own predictions before saving
def test_reload_gives_identical_predictions(student):
    model = _trained(student)
    texts, _ = _hidden_reviews("reload", 50)
    before = student.predict(model, texts)
    _check_predictions(before, texts, "predict(model, <50 reviews>)")
    student.save_model(model, "grader_roundtrip.joblib")
    again = student.load_model("grader_roundtrip.joblib")
    after = student.predict(again, texts)
    _check_predictions(after, texts, "predict(load_model(path), <50 reviews>)")
    for text, b, a in zip(texts, before, after):
        assert a["label"] == b["label"] and a["score"] == b["score"], (
            f"after save_model(model, 'grader_roundtrip.joblib') and load_model('grader_roundtrip.joblib'), the "
            f"prediction for {text!r} changed from {b!r} to {a!r}: the saved file must hold the whole fitted "
            "pipeline (vectoriser and classifier)"
        )


@question("m2")
@shows_expected
def test_load_missing_file_raises(student):
    try:
        got = student.load_model("no_such_model.joblib")
    except StudentError as error:
        assert error.type_name == "FileNotFoundError", (
            f"load_model('no_such_model.joblib') raised {error.type_name}: {error.message}; expected FileNotFoundError"
        )
    else:
        raise AssertionError(f"load_model('no_such_model.joblib') returned {got!r:.100} for a file that does not exist")


@question("m2")
@points(2)
def test_model_card(student):
    texts, labels = student.load_corpus("reviews.csv")
    model = _trained(student)
    card = student.model_card(model, texts, labels)
    keys = {"classes", "vocabulary_size", "training_accuracy"}
    assert isinstance(card, dict) and set(card) >= keys, (
        f"model_card(model, texts, labels) should return a dict with the keys {sorted(keys)}, got {card!r:.300}"
    )
    assert card["classes"] == LABELS, f"card['classes'] is {card['classes']!r}; it should be the sorted class names"
    own = sum(p["label"] == y for p, y in zip(student.predict(model, texts), labels)) / len(labels)
    assert isinstance(card["training_accuracy"], float) and abs(card["training_accuracy"] - own) < 1e-9, (
        f"card['training_accuracy'] is {card['training_accuracy']!r}, but your predict() labels {own:.4f} of the "
        "training texts correctly: it should be that fraction, as a float"
    )
    assert type(card["vocabulary_size"]) is int and 50 <= card["vocabulary_size"] <= 100_000, (
        f"card['vocabulary_size'] is {card['vocabulary_size']!r}: it should be the number of features (terms) "
        "the fitted vectoriser knows, as an int"
    )
    tiny = ["good", "great", "bad", "awful"] * 2
    tiny_labels = ["positive", "positive", "negative", "negative"] * 2
    with call_timeout(30):
        small = student.train(tiny, tiny_labels)
    size = student.model_card(small, tiny, tiny_labels)["vocabulary_size"]
    assert size == 4, (
        f"trained on {tiny!r}, model_card(...)['vocabulary_size'] is {size!r}; four distinct words give four "
        "terms: count the vectoriser's vocabulary (len(vectoriser.vocabulary_)), not the training texts"
    )


# ------------------------------------------------------------------------------------------------ m3: serve


def _http_json(response, call):
    assert response.error is None, f"{call} got no answer: {response.error}"
    assert response.status == 200, f"{call} answered status {response.status}, expected 200: {response.text[:300]}"
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"{call} answered a body that is not JSON: {response.text[:200]!r}") from None


@question("m3")
@shows_expected
def test_health_over_http(student):
    got = _http_json(service().get("/health"), "GET /health")
    want = {"status": "ok", "model_loaded": True}
    assert got == want, (
        f"GET /health answered {got!r}, expected {want!r}: load the model when the app starts (in its lifespan), "
        "so that it is there when uvicorn serves the app, not only when you run the file yourself"
    )


@question("m3")
@points(2)
@shows_expected
def test_predict_over_http_matches_predict(student):
    texts, labels = _hidden_reviews("http", 16)
    api = service()
    answers = [_http_json(api.post("/predict", json={"text": t}), f"POST /predict {{'text': {t!r}}}") for t in texts]
    for text, got in zip(texts, answers):
        assert isinstance(got, dict) and set(got) >= {"label", "score"}, (
            f"POST /predict {{'text': {text!r}}} answered {got!r:.200}; expected an object with 'label' and 'score'"
        )
    try:
        model = student.load_model(student.MODEL_PATH)
    except StudentError as error:
        raise AssertionError(
            f"after the app started, load_model(MODEL_PATH) raised {error.type_name}: {error.message}. At start-up "
            "the app should train and save a model at MODEL_PATH when the file is missing, then load it"
        ) from None
    direct = student.predict(model, texts)
    for text, got, want in zip(texts, answers, direct):
        assert got["label"] == want["label"] and abs(got["score"] - want["score"]) < 1e-6, (
            f"POST /predict {{'text': {text!r}}} answered {got!r}, but predict(load_model(MODEL_PATH), [text]) "
            f"gives {want!r}: the service should answer what the saved model predicts"
        )
    accuracy = sum(a["label"] == y for a, y in zip(answers, labels)) / len(labels)
    assert accuracy >= 0.8, f"the service labelled only {accuracy:.0%} of 16 unseen reviews correctly"


@question("m3")
@shows_expected
def test_bad_requests_get_422(student):
    api = service()
    cases = [
        ("an empty text", {"text": ""}),
        ("a blank text", {"text": "   "}),
        ("a number", {"text": 42}),
        ("null", {"text": None}),
        ("a list of texts", {"text": ["good", "film"]}),
        ("no 'text' field", {"review": "a fine film"}),
        ("an extra field", {"text": "a fine film", "lang": "en"}),
        ("a text of 1001 characters", {"text": "a" * 1001}),
        ("a JSON list instead of an object", ["a fine film"]),
    ]
    answers = api.many([("POST", "/predict", body) for _, body in cases])
    for (what, body), response in zip(cases, answers):
        assert response.status == 422, (
            f"POST /predict with {what} ({body!r:.80}) answered status {response.status}, expected 422: declare the "
            f"rules in a pydantic model and let FastAPI reject the request: {response.text[:200]}"
        )
    response = api.post("/predict", body="{not json", headers={"Content-Type": "application/json"})
    assert response.status == 422, f"POST /predict with a body that is not JSON answered status {response.status}, expected 422"


@question("m3")
@shows_expected
def test_batch_over_http(student):
    texts, _ = _hidden_reviews("http-batch", 6)
    api = service()
    got = _http_json(api.post("/predict/batch", json={"texts": texts}), "POST /predict/batch with 6 texts")
    predictions = got.get("predictions") if isinstance(got, dict) else None
    assert isinstance(predictions, list) and len(predictions) == 6, (
        f"POST /predict/batch with 6 texts answered {got!r:.300}; expected {{'predictions': [...]}} with one per text"
    )
    for text, p in zip(texts, predictions):
        single = _http_json(api.post("/predict", json={"text": text}), f"POST /predict {{'text': {text!r}}}")
        assert p.get("label") == single.get("label") and abs(p.get("score", -1) - single.get("score", 1)) < 1e-6, (
            f"in a batch, {text!r} got {p!r}, but alone it got {single!r}: answer one prediction per text, in order"
        )
    too_many = api.post("/predict/batch", json={"texts": ["a fine film"] * 33})
    assert too_many.status in (413, 422), (
        f"POST /predict/batch with 33 texts (the limit is 32) answered status {too_many.status}, expected 413 or 422"
    )
    for what, body in (("no texts", {"texts": []}), ("one empty text", {"texts": ["a fine film", ""]}),
                       ("a number among the texts", {"texts": ["a fine film", 7]})):
        response = api.post("/predict/batch", json=body)
        assert response.status == 422, f"POST /predict/batch with {what} answered status {response.status}, expected 422"
    full = api.post("/predict/batch", json={"texts": ["a fine film"] * 32})
    assert full.status == 200, f"POST /predict/batch with 32 texts (the maximum) answered status {full.status}, expected 200"


@question("m3")
def test_concurrent_requests(student):
    texts, _ = _hidden_reviews("concurrent", 4)
    api = service()
    requests = [("POST", "/predict", {"text": texts[k % 4]}) for k in range(24)]
    answers = api.many(requests, concurrency=4, timeout=10)
    statuses = [a.status for a in answers]
    assert statuses == [200] * 24, f"24 POST /predict requests, 4 at a time, answered the statuses {statuses}"
    took = api.elapsed_s  # measured in the grader box: the responses' own timings are the student box's
    assert took < 18.0, (
        f"24 POST /predict requests, 4 at a time, took {took:.2f} s in all (6 rounds). Load the model once at "
        "start-up, not on every request, and keep blocking work out of `async def` endpoints"
    )
    by_text = {}
    for (_, _, body), answer in zip(requests, answers):
        by_text.setdefault(body["text"], set()).add(answer.text)
    assert all(len(v) == 1 for v in by_text.values()), "the same text got different answers under concurrent requests"


@question("m3")
def test_app_serves_the_model_file_it_is_given(student):
    flipped = _trained(student, flip=True)
    student.save_model(flipped, "grader_flipped.joblib")
    texts, _ = _hidden_reviews("given-file", 5, label="positive")
    direct = student.predict(flipped, texts)
    with call_timeout(60):
        client = AppClient(student.create_app("grader_flipped.joblib"))
        for text, own in zip(texts, direct):
            got = client.post("/predict", json={"text": text})
            assert got["status"] == 200, f"create_app('grader_flipped.joblib'): POST /predict answered {got['status']}: {got['text']:.200}"
            assert got["json"].get("label") == own["label"], (
                f"create_app('grader_flipped.joblib') was given a saved model trained with every label swapped; "
                f"for {text!r} its app answered {got['json']!r:.100}, which is not what that model predicts: the app "
                "must load the model file at model_path, not train or load another one"
            )
