"""Public tests: run them next to your solution.py and reviews.csv with plain pytest (the app tests need
fastapi and httpx: `pip install scikit-learn joblib fastapi httpx`):

    pytest public_tests/

They use the statement's examples and made-up reviews. Tests of a milestone you have not reached yet fail
with NotImplementedError. The hidden grader uses other, unseen reviews and calls your app over real HTTP.
"""

import os
import sys

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)

import solution  # noqa: E402

MADE_UP = ["The film was really wonderful.", "Honestly, the plot is dull!", "The cast felt charming, highly recommended."]
MADE_UP_LABELS = ["positive", "negative", "positive"]


@pytest.fixture(autouse=True)
def _in_the_solution_folder(monkeypatch):
    monkeypatch.chdir(HERE)  # reviews.csv and the saved model sit beside solution.py


@pytest.fixture(scope="module")
def model():
    old = os.getcwd()
    os.chdir(HERE)
    try:
        return solution.train(*solution.load_corpus("reviews.csv"))
    finally:
        os.chdir(old)


def test_m1_corpus_has_400_labelled_reviews():
    texts, labels = solution.load_corpus("reviews.csv")
    assert len(texts) == len(labels) == 400, f"expected 400 reviews, got {len(texts)} texts and {len(labels)} labels"
    assert sorted(set(labels)) == ["negative", "positive"]


def test_m1_made_up_reviews_are_labelled_right(model):
    got = solution.predict(model, MADE_UP)
    assert [p["label"] for p in got] == MADE_UP_LABELS, f"predict(model, {MADE_UP}) returned {got}"
    assert all(type(p["score"]) is float and 0.5 <= p["score"] <= 1 for p in got), f"scores should be floats in [0.5, 1]: {got}"


def test_m1_one_text_alone_or_in_a_batch(model):
    alone = solution.predict(model, [MADE_UP[1]])[0]
    together = solution.predict(model, MADE_UP)[1]
    assert alone["label"] == together["label"] and abs(alone["score"] - together["score"]) < 1e-9, (alone, together)


def test_m2_round_trip(model, tmp_path):
    path = str(tmp_path / "model.joblib")
    solution.save_model(model, path)
    again = solution.load_model(path)
    assert solution.predict(again, MADE_UP) == solution.predict(model, MADE_UP)
    with pytest.raises(FileNotFoundError):
        solution.load_model(str(tmp_path / "missing.joblib"))


def test_m2_model_card_of_a_tiny_corpus():
    texts, labels = ["good", "great", "bad", "awful"] * 2, ["positive", "positive", "negative", "negative"] * 2
    card = solution.model_card(solution.train(texts, labels), texts, labels)
    assert card["classes"] == ["negative", "positive"] and card["vocabulary_size"] == 4, card
    assert card["training_accuracy"] == 1.0, card


def test_m3_app_end_to_end(model, tmp_path):
    from fastapi.testclient import TestClient

    path = str(tmp_path / "model.joblib")
    solution.save_model(model, path)
    with TestClient(solution.create_app(path)) as client:  # `with` runs the app's start-up (its lifespan)
        assert client.get("/health").json() == {"status": "ok", "model_loaded": True}
        got = client.post("/predict", json={"text": MADE_UP[0]})
        assert got.status_code == 200 and got.json() == solution.predict(model, [MADE_UP[0]])[0], got.text
        got = client.post("/predict/batch", json={"texts": MADE_UP})
        assert got.status_code == 200 and got.json() == {"predictions": solution.predict(model, MADE_UP)}, got.text
        for body in ({"text": ""}, {"text": 3}, {}, {"text": "fine", "extra": 1}):
            assert client.post("/predict", json=body).status_code == 422, f"POST /predict {body} should answer 422"
        assert client.post("/predict/batch", json={"texts": ["fine"] * 33}).status_code in (413, 422)
