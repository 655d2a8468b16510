"""Hidden grader for projects/finetune-and-serve: a capstone in three milestones (fine-tune, evaluate and export,
serve).

Words of the four new languages come from the generator in support/pretrained.py (copied below), drawn anew for
each submission. Models stay in the student box; the grader calls them (`model(x)`), switches their mode and reads
their `state_dict()`. The frozen weights are checked against SHA-256 fingerprints of the shipped pretrained.pt
(data/pretrained_sha256.json). The server tests call the student's app over HTTP (SERVICE below: uvicorn in the
student box); the last test builds an app in-process on a weights file the grader saved.
"""

import hashlib
import json
import math

import numpy as np
import torch

from gradient_grader import (
    AppClient,
    Remote,
    StudentError,
    call_timeout,
    data_path,
    expected,
    points,
    question,
    service,
    shows_expected,
    submission_rng,
)

SERVICE = {"app": "app", "startup_s": 45}

QUESTIONS = {
    "m1": {"title": "Fine-tune", "points": 5, "milestone": True},
    "m2": {"title": "Evaluate and export", "points": 5, "milestone": True},
    "m3": {"title": "Serve", "points": 6, "milestone": True},
}

SLUG = "projects/finetune-and-serve"
THRESHOLD = 0.8
LANGUAGES = ["brindish", "qorvic", "talemi", "uskar"]
LANGUAGE_SEEDS = [100, 101, 102, 103]
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
MAX_LEN = 12
HIDDEN = 64
FROZEN = ["body.0.bias", "body.0.weight", "body.2.bias", "body.2.weight", "embed.weight"]
HEAD_SHAPES = {"head.weight": (4, HIDDEN), "head.bias": (4,)}
TRAINABLE = 4 * HIDDEN + 4
FROZEN_COUNT = 27 * 32 + (32 * HIDDEN + HIDDEN) + (HIDDEN * HIDDEN + HIDDEN)
_cache = {}


# ------------------------------------------------------------------------------------------------ helpers


def _fingerprints():
    if "fingerprints" not in _cache:
        with open(data_path("pretrained_sha256.json")) as f:
            _cache["fingerprints"] = json.load(f)
    return _cache["fingerprints"]


def _digest(tensor):
    return hashlib.sha256(np.ascontiguousarray(np.asarray(tensor, dtype=np.float32)).tobytes()).hexdigest()


def _changed_frozen(state):
    """Names of the frozen tensors in `state` that are not the shipped pretrained ones."""
    want = _fingerprints()
    return [name for name in FROZEN if name not in state or _digest(state[name]) != want[name]]


def _words(role, n_per, classes=(0, 1, 2, 3)):
    """n_per words of each language in `classes`, shuffled, drawn for this submission: (words, labels)."""
    rng = submission_rng(f"{SLUG}:{role}")
    letters = np.array(list(ALPHABET))
    words, labels = [], []
    for k in classes:
        profile = np.random.default_rng(LANGUAGE_SEEDS[k]).dirichlet(np.full(26, 0.5))
        words += ["".join(rng.choice(letters, size=m, p=profile)) for m in rng.integers(4, 11, n_per)]
        labels += [k] * n_per
    order = rng.permutation(len(words))
    return [words[i] for i in order], [labels[i] for i in order]


def _encode(words):
    out = torch.zeros(len(words), MAX_LEN, dtype=torch.long)
    for i, word in enumerate(words):
        codes = [ALPHABET.index(c) + 1 for c in word.lower() if c in ALPHABET][:MAX_LEN]
        out[i, : len(codes)] = torch.tensor(codes, dtype=torch.long)
    return out


def _eval_probabilities(model, words, call):
    """Softmax of the model's logits in eval mode, computed here (the grader switches the mode itself)."""
    model.eval()
    logits = model(_encode(words))
    assert isinstance(logits, torch.Tensor) and tuple(logits.shape) == (len(words), 4), (
        f"{call}(x) with x of shape ({len(words)}, {MAX_LEN}) should return logits of shape ({len(words)}, 4), "
        f"got {tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__}"
    )
    return torch.softmax(logits.double(), dim=1)


def _finetuned(student):
    """(model, losses, head before training) of build_model(4) then fine_tune on 100 words per language."""
    if "model" not in _cache:
        words, labels = _words("train", 100)
        model = student.build_model(4)
        assert isinstance(model, Remote), f"build_model(4) should return the model (an nn.Module), got {model!r:.100}"
        head = model.state_dict().get("head.weight")
        with call_timeout(60):
            losses = student.fine_tune(model, words, labels)
        _cache["model"] = (model, losses, head)
    return _cache["model"]


def _as_array(value, call):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{call} should return a tensor of probabilities, got {value!r:.200}") from None


# ------------------------------------------------------------------------------------------------ m1: fine-tune


@question("m1")
@shows_expected
def test_build_model_keeps_the_pretrained_weights(student):
    model = student.build_model(4)
    state = model.state_dict()
    assert isinstance(state, dict), f"build_model(4).state_dict() should be a dict of tensors, got {state!r:.100}"
    names = sorted(state)
    want = sorted(FROZEN + list(HEAD_SHAPES))
    assert names == want, f"build_model(4).state_dict() has the keys {names}, expected {want}: a CharClassifier"
    for name, shape in HEAD_SHAPES.items():
        assert tuple(state[name].shape) == shape, (
            f"build_model(4): {name} has shape {tuple(state[name].shape)}, expected {shape}: replace the 40-way "
            "pretrained head by a new nn.Linear(64, 4)"
        )
    changed = _changed_frozen(state)
    assert not changed, (
        f"build_model(4): {changed} are not the weights in pretrained.pt. Load pretrained.pt into a "
        "CharClassifier(40) with load_state_dict, then replace only its head"
    )


@question("m1")
@points(2)
def test_fine_tuned_accuracy_on_unseen_words(student):
    model, _, _ = _finetuned(student)
    words, labels = _words("accuracy", 100)
    probabilities = _eval_probabilities(model, words, "the fine-tuned model")
    accuracy = float((probabilities.argmax(dim=1) == torch.tensor(labels)).double().mean())
    assert accuracy >= THRESHOLD, (
        f"build_model(4), then fine_tune(model, words, labels) on 100 words of each language: in eval mode the model "
        f"labels {accuracy:.1%} of 400 unseen words correctly; at least {THRESHOLD:.0%} is needed. Check that the "
        "new head is what the optimizer updates, that labels are class indices, and the loss is cross-entropy on logits"
    )


@question("m1")
def test_fine_tune_keeps_the_body_frozen(student):
    model, _, head_before = _finetuned(student)
    state = model.state_dict()
    changed = _changed_frozen(state)
    assert not changed, (
        f"after fine_tune, {changed} differ from the pretrained weights: only the new head may learn. Set "
        "requires_grad_(False) on the embedding and the body, and give the optimizer only the trainable parameters"
    )
    assert not torch.equal(torch.as_tensor(state["head.weight"]), torch.as_tensor(head_before)), (
        "after fine_tune, head.weight is exactly what build_model(4) created: the head never learned"
    )


@question("m1")
def test_fine_tune_returns_epoch_losses(student):
    _, losses, _ = _finetuned(student)
    assert isinstance(losses, list) and len(losses) == 20, (
        f"fine_tune(model, words, labels) with the default 20 epochs should return a list of 20 per-epoch losses, "
        f"got {losses!r:.200}"
    )
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in losses), f"the losses are not all finite floats: {losses!r:.200}"
    assert losses[-1] < losses[0] and losses[-1] < 1.0, (
        f"fine_tune: the average loss went from {losses[0]:.3f} (first epoch) to {losses[-1]:.3f} (last); expected it "
        "to fall below 1.0. Call optimizer.zero_grad(), loss.backward() and optimizer.step() for every mini-batch"
    )
    words, labels = _words("short", 10)
    with call_timeout(30):
        short = student.fine_tune(student.build_model(4), words, labels, epochs=2, lr=0.01, batch_size=8, seed=1)
    assert isinstance(short, list) and len(short) == 2, (
        f"fine_tune(model, <40 words>, labels, epochs=2, lr=0.01, batch_size=8, seed=1) returned {short!r:.200}; "
        "expected 2 losses, one per epoch"
    )


# ------------------------------------------------------------------------------------------------ m2: evaluate and export


@question("m2")
def test_predict_proba_uses_eval_mode(student):
    model, _, _ = _finetuned(student)
    words, _ = _words("proba", 6)
    call = f"predict_proba(model, {words!r})"
    model.train()
    first = _as_array(student.predict_proba(model, words), call)
    model.train()
    second = _as_array(student.predict_proba(model, words), call)
    assert first.shape == (len(words), 4), f"{call} returned shape {first.shape}, expected ({len(words)}, 4)"
    assert np.allclose(first.sum(axis=1), 1.0, atol=1e-5), f"{call}: the rows should be probabilities summing to 1, got sums {first.sum(axis=1)}"
    assert np.allclose(first, second, atol=1e-6), (
        f"{call} gave different probabilities for the same words twice, called on a model in training mode: dropout "
        "is still on. Call model.eval() in predict_proba before the forward pass"
    )
    want = _eval_probabilities(model, words, "the fine-tuned model").numpy()
    assert np.allclose(first, want, atol=1e-5), (
        f"{call} returned {np.round(first, 4).tolist()}, which is not the softmax of the model's logits in eval mode "
        f"(expected {expected(np.round(want, 4).tolist())})"
    )


@question("m2")
def test_evaluate_accuracy_and_recall(student):
    model, _, _ = _finetuned(student)
    words, labels = _words("evaluate", 30, classes=(0, 1, 2))
    model.train()
    got = student.evaluate(model, words, labels)
    call = "evaluate(model, <90 words of brindish, qorvic and talemi>, labels)"
    assert isinstance(got, dict) and set(got) >= {"accuracy", "recall"}, (
        f"{call} should return a dict with 'accuracy' and 'recall', got {got!r:.200}"
    )
    guesses = _eval_probabilities(model, words, "the fine-tuned model").argmax(dim=1).tolist()
    want_accuracy = sum(g == y for g, y in zip(guesses, labels)) / len(labels)
    want_recall = []
    for k in range(3):
        mine = [g for g, y in zip(guesses, labels) if y == k]
        want_recall.append(sum(g == k for g in mine) / len(mine))
    accuracy, recall = got["accuracy"], got["recall"]
    assert isinstance(accuracy, float) and abs(accuracy - want_accuracy) < 1e-9, (
        f"{call}['accuracy'] is {accuracy!r}, expected {expected(want_accuracy)}: the fraction of words whose most "
        "probable class, in eval mode, is their label"
    )
    assert isinstance(recall, list) and len(recall) == 4, (
        f"{call}['recall'] is {recall!r:.200}; expected a list with one entry per class of the model (4)"
    )
    for k in range(3):
        assert isinstance(recall[k], float) and abs(recall[k] - want_recall[k]) < 1e-9, (
            f"{call}['recall'][{k}] is {recall[k]!r}, expected {expected(want_recall[k])}: the fraction of the words "
            f"labelled {k} that the model labels {k}"
        )
    assert recall[3] is None, (
        f"{call}['recall'][3] is {recall[3]!r}, but no word is labelled 3 (uskar): its recall is undefined, None"
    )


@question("m2")
@shows_expected  # the expected values are the student's own outputs before saving
def test_save_and_load_round_trip(student):
    model, _, _ = _finetuned(student)
    student.save_weights(model, "grader_roundtrip.pt")
    again = student.load_finetuned("grader_roundtrip.pt")
    assert isinstance(again, Remote), f"load_finetuned('grader_roundtrip.pt') should return a model, got {again!r:.100}"
    mode = again.training
    assert mode is False, "load_finetuned('grader_roundtrip.pt') returned a model in training mode; call model.eval() before returning it"
    words, _ = _words("roundtrip", 10)
    x = _encode(words)
    model.eval()
    before, after = model(x), again(x)
    assert torch.equal(before, after), (
        "after save_weights(model, 'grader_roundtrip.pt') and load_finetuned('grader_roundtrip.pt'), the model gives "
        "other logits for the same words: save model.state_dict() and load it with load_state_dict into a "
        "CharClassifier(4)"
    )
    try:
        got = student.load_finetuned("no_such_weights.pt")
    except StudentError as error:
        assert error.type_name == "FileNotFoundError", (
            f"load_finetuned('no_such_weights.pt') raised {error.type_name}: {error.message}; expected FileNotFoundError"
        )
    else:
        raise AssertionError(f"load_finetuned('no_such_weights.pt') returned {got!r:.100} for a file that does not exist")


@question("m2")
def test_frozen_parameters_did_not_change(student):
    model, _, _ = _finetuned(student)
    got = student.changed_parameters(model, "pretrained.pt")
    assert got == [], (
        f"changed_parameters(fine_tuned_model, 'pretrained.pt') returned {got!r:.300}; after fine-tuning with a "
        "frozen body no parameter shared with pretrained.pt may have changed (the heads have other shapes: skip them)"
    )
    student.save_weights(model, "grader_frozen.pt")
    changed = _changed_frozen(student.load_finetuned("grader_frozen.pt").state_dict())
    assert not changed, (
        f"the weights saved after fine-tuning differ from pretrained.pt in {changed}: the body was not frozen"
    )
    fresh = student.CharClassifier(4)
    got = student.changed_parameters(fresh, "pretrained.pt")
    assert got == FROZEN, (
        f"changed_parameters(CharClassifier(4), 'pretrained.pt'), for a freshly initialised model, returned "
        f"{got!r:.300}; expected the sorted names of every tensor it shares with pretrained.pt by name and shape, "
        f"{expected(FROZEN)}"
    )


@question("m2")
@shows_expected  # the parameter counts follow from the public architecture; the rest are the student's own scores
def test_model_card(student):
    model, _, _ = _finetuned(student)
    words, labels = _words("card", 25)
    card = student.model_card(model, words, labels)
    keys = {"base_model", "classes", "trainable_parameters", "frozen_parameters", "accuracy", "recall"}
    assert isinstance(card, dict) and set(card) >= keys, (
        f"model_card(model, words, labels) should return a dict with the keys {sorted(keys)}, got {card!r:.300}"
    )
    assert card["base_model"] == "pretrained.pt", f"card['base_model'] is {card['base_model']!r}, expected 'pretrained.pt'"
    assert card["classes"] == LANGUAGES, f"card['classes'] is {card['classes']!r}; it should be NEW_LANGUAGES, in class order"
    trainable, frozen = card["trainable_parameters"], card["frozen_parameters"]
    assert trainable == TRAINABLE and frozen == FROZEN_COUNT, (
        f"card says {trainable!r} trainable and {frozen!r} frozen parameters (expected {TRAINABLE} and "
        f"{FROZEN_COUNT}): count the elements (numel) of the parameters with and without requires_grad; "
        "only the new head should be trainable"
    )
    scores = student.evaluate(model, words, labels)
    assert card["accuracy"] == scores["accuracy"], (
        f"card['accuracy'] is {card['accuracy']!r} but evaluate(model, words, labels) gives {scores['accuracy']!r}"
    )
    recall = card["recall"]
    assert isinstance(recall, dict) and list(recall) == LANGUAGES and list(recall.values()) == scores["recall"], (
        f"card['recall'] is {recall!r:.300}; expected a dict from each language name, in class order, to its recall "
        f"as evaluate gives it ({scores['recall']!r})"
    )


# ------------------------------------------------------------------------------------------------ m3: serve


def _http_json(response, call):
    assert response.error is None, f"{call} got no answer: {response.error}"
    assert response.status == 200, f"{call} answered status {response.status}, expected 200: {response.text[:300]}"
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"{call} answered a body that is not JSON: {response.text[:200]!r}") from None


def _served_version(student, path):
    try:
        return student.model_version(path)
    except StudentError as error:
        raise AssertionError(
            f"model_version({path!r}) raised {error.type_name}: {error.message}. At start-up the app should fine-tune "
            "and save a model at MODEL_PATH when the file is missing, then load it"
        ) from None


@question("m3")
@shows_expected  # the expected version is the student's own model_version(MODEL_PATH)
def test_health_over_http(student):
    got = _http_json(service().get("/health"), "GET /health")
    version = _served_version(student, student.MODEL_PATH)
    want = {"status": "ok", "model_version": version}
    assert got == want, (
        f"GET /health answered {got!r}, expected {want!r} (model_version(MODEL_PATH) of the weights file the app "
        "loaded when it started)"
    )
    assert isinstance(version, str) and len(version) == 12 and all(c in "0123456789abcdef" for c in version), (
        f"model_version(MODEL_PATH) is {version!r}; expected the first 12 hex digits of the file's SHA-256"
    )


@question("m3")
@points(2)
@shows_expected  # the expected answers are what the student's own saved model predicts
def test_predict_over_http_matches_the_saved_model(student):
    words, labels = _words("http", 6)
    api = service()
    answers = [_http_json(api.post("/predict", json={"word": w}), f"POST /predict {{'word': {w!r}}}") for w in words]
    for word, got in zip(words, answers):
        assert isinstance(got, dict) and got.get("language") in LANGUAGES and isinstance(got.get("confidence"), float), (
            f"POST /predict {{'word': {word!r}}} answered {got!r:.200}; expected {{'language': <one of "
            f"{LANGUAGES}>, 'confidence': <float>}}"
        )
    _served_version(student, student.MODEL_PATH)
    saved = student.load_finetuned(student.MODEL_PATH)
    direct = _as_array(student.predict_proba(saved, words), "predict_proba(load_finetuned(MODEL_PATH), words)")
    for word, got, row in zip(words, answers, direct):
        want = {"language": LANGUAGES[int(row.argmax())], "confidence": float(row.max())}
        assert got["language"] == want["language"] and abs(got["confidence"] - want["confidence"]) < 1e-5, (
            f"POST /predict {{'word': {word!r}}} answered {got!r}, but the model saved at MODEL_PATH gives {want!r}: "
            "the app should load the fine-tuned weights from the file (load_state_dict) and answer what they predict"
        )
    accuracy = sum(LANGUAGES.index(a["language"]) == y for a, y in zip(answers, labels)) / len(labels)
    assert accuracy >= 0.6, f"the service named the right language for only {accuracy:.0%} of 24 unseen words"


@question("m3")
@shows_expected
def test_bad_requests_get_422(student):
    api = service()
    cases = [
        ("an empty word", {"word": ""}),
        ("a word with a digit", {"word": "abc1"}),
        ("two words", {"word": "two words"}),
        ("a number", {"word": 42}),
        ("null", {"word": None}),
        ("a list", {"word": ["abc"]}),
        ("no 'word' field", {"text": "abc"}),
        ("an extra field", {"word": "abc", "lang": "qorvic"}),
        ("a word of 21 letters", {"word": "a" * 21}),
        ("a JSON list instead of an object", ["abc"]),
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
@shows_expected  # the expected values are the student's own single predictions
def test_batch_over_http(student):
    words, _ = _words("http-batch", 2)
    api = service()
    got = _http_json(api.post("/predict/batch", json={"words": words}), "POST /predict/batch with 8 words")
    predictions = got.get("predictions") if isinstance(got, dict) else None
    assert isinstance(predictions, list) and len(predictions) == len(words), (
        f"POST /predict/batch with {len(words)} words answered {got!r:.300}; expected {{'predictions': [...]}}, one per word"
    )
    for word, p in zip(words, predictions):
        single = _http_json(api.post("/predict", json={"word": word}), f"POST /predict {{'word': {word!r}}}")
        assert isinstance(p, dict) and p.get("language") == single.get("language") and abs(
            p.get("confidence", -1) - single.get("confidence", 1)
        ) < 1e-5, f"in a batch, {word!r} got {p!r:.100}, but alone it got {single!r:.100}: one prediction per word, in order"
    too_many = api.post("/predict/batch", json={"words": ["abc"] * 65})
    assert too_many.status in (413, 422), (
        f"POST /predict/batch with 65 words (the limit is 64) answered status {too_many.status}, expected 413 or 422"
    )
    for what, body in (("no words", {"words": []}), ("one empty word", {"words": ["abc", ""]}),
                       ("a number among the words", {"words": ["abc", 7]}), ("no 'words' field", {"word": "abc"})):
        response = api.post("/predict/batch", json=body)
        assert response.status == 422, f"POST /predict/batch with {what} answered status {response.status}, expected 422"
    full = api.post("/predict/batch", json={"words": ["abc"] * 64})
    assert full.status == 200, f"POST /predict/batch with 64 words (the maximum) answered status {full.status}, expected 200"


@question("m3")
def test_app_serves_the_weights_it_is_given(student):
    other = student.build_model(4)  # a head nobody trained: its answers differ from the served model's
    student.save_weights(other, "grader_other.pt")
    saved = student.load_finetuned("grader_other.pt")
    words, _ = _words("given-file", 2)
    direct = _as_array(student.predict_proba(saved, words), "predict_proba(load_finetuned('grader_other.pt'), words)")
    with call_timeout(60):
        client = AppClient(student.create_app("grader_other.pt"))
        health = client.get("/health")
        version = _served_version(student, "grader_other.pt")
        assert health["status"] == 200 and health["json"] == {"status": "ok", "model_version": version}, (
            f"create_app('grader_other.pt'): GET /health answered {health['status']} {health['json']!r:.200}; its "
            "model_version should be model_version('grader_other.pt'), the file this app loaded"
        )
        for word, row in zip(words, direct):
            got = client.post("/predict", json={"word": word})
            assert got["status"] == 200, f"create_app('grader_other.pt'): POST /predict answered {got['status']}: {got['text']:.200}"
            answer = got["json"]
            assert isinstance(answer, dict) and abs(answer.get("confidence", -1) - float(row.max())) < 1e-5, (
                f"create_app('grader_other.pt') was given weights saved from a model with an untrained head; for "
                f"{word!r} its app answered {answer!r:.100}, which is not what those weights predict: the app must "
                "load the weights at model_path into its model (load_state_dict), not train or build another one"
            )
