"""Public tests: run them next to your solution.py, pretrained.py and pretrained.pt with plain pytest (the app
test needs fastapi and httpx: `pip install torch fastapi httpx`):

    pytest public_tests/

They use make_dataset's public seeds. Tests of a milestone you have not reached yet fail with
NotImplementedError. The hidden grader draws other words and calls your app over real HTTP.
"""

import os
import sys

import pytest
import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)

import solution  # noqa: E402
from pretrained import NEW_LANGUAGES, make_dataset  # noqa: E402

FROZEN = ["body.0.bias", "body.0.weight", "body.2.bias", "body.2.weight", "embed.weight"]


@pytest.fixture(autouse=True)
def _in_the_solution_folder(monkeypatch):
    monkeypatch.chdir(HERE)  # pretrained.pt and the saved weights sit beside solution.py


@pytest.fixture(scope="module")
def tuned():
    old = os.getcwd()
    os.chdir(HERE)
    try:
        model = solution.build_model(4)
        losses = solution.fine_tune(model, *make_dataset(60, seed=1), epochs=15)
        return model, losses
    finally:
        os.chdir(old)


def test_m1_new_head_on_a_frozen_body():
    model = solution.build_model(4)
    state = model.state_dict()
    assert tuple(state["head.weight"].shape) == (4, 64), "the new head should be nn.Linear(64, 4)"
    trainable = sorted(name for name, p in model.named_parameters() if p.requires_grad)
    assert trainable == ["head.bias", "head.weight"], f"only the head should be trainable, got {trainable}"
    pretrained = torch.load("pretrained.pt", weights_only=True)
    for name in FROZEN:
        assert torch.equal(state[name], pretrained[name]), f"{name} is not the pretrained weight"


def test_m1_fine_tuning_learns_the_new_languages(tuned):
    model, losses = tuned
    assert len(losses) == 15 and losses[-1] < losses[0], losses
    words, labels = make_dataset(50, seed=2)
    model.eval()
    with torch.no_grad():
        accuracy = (model(solution.encode(words)).argmax(dim=1) == torch.tensor(labels)).float().mean().item()
    assert accuracy >= 0.75, f"accuracy {accuracy:.3f} on 200 words of make_dataset(50, seed=2)"


def test_m2_eval_mode_evaluate_and_card(tuned):
    model, _ = tuned
    words, labels = make_dataset(20, seed=3)
    model.train()
    first, second = solution.predict_proba(model, words), solution.predict_proba(model, words)
    assert torch.allclose(torch.as_tensor(first), torch.as_tensor(second)), "predict_proba should switch to eval mode"
    kept = [(w, y) for w, y in zip(words, labels, strict=True) if y != 3]
    scores = solution.evaluate(model, [w for w, _ in kept], [y for _, y in kept])
    assert isinstance(scores["accuracy"], float) and len(scores["recall"]) == 4 and scores["recall"][3] is None, scores
    card = solution.model_card(model, words, labels)
    assert card["classes"] == NEW_LANGUAGES and card["trainable_parameters"] == 260, card
    assert card["base_model"] == "pretrained.pt" and list(card["recall"]) == NEW_LANGUAGES, card


def test_m2_weights_round_trip_and_frozen_check(tuned, tmp_path):
    model, _ = tuned
    path = str(tmp_path / "weights.pt")
    solution.save_weights(model, path)
    again = solution.load_finetuned(path)
    x = solution.encode(["zorrik", "aba", "quen"])
    model.eval()
    assert not again.training and torch.equal(model(x), again(x))
    assert solution.changed_parameters(again) == []
    assert solution.changed_parameters(solution.CharClassifier(4)) == FROZEN
    with pytest.raises(FileNotFoundError):
        solution.load_finetuned(str(tmp_path / "missing.pt"))


def test_m3_app_end_to_end(tuned, tmp_path):
    from fastapi.testclient import TestClient

    model, _ = tuned
    path = str(tmp_path / "weights.pt")
    solution.save_weights(model, path)
    words = ["zorrik", "aba", "Quen"]
    with TestClient(solution.create_app(path)) as client:  # `with` runs the app's start-up (its lifespan)
        health = client.get("/health").json()
        assert health == {"status": "ok", "model_version": solution.model_version(path)}, health
        got = client.post("/predict", json={"word": "zorrik"})
        assert got.status_code == 200 and got.json()["language"] in NEW_LANGUAGES, got.text
        got = client.post("/predict/batch", json={"words": words})
        assert got.status_code == 200 and len(got.json()["predictions"]) == 3, got.text
        for body in ({"word": ""}, {"word": 3}, {}, {"word": "ab cd"}, {"word": "fine", "extra": 1}):
            assert client.post("/predict", json=body).status_code == 422, f"POST /predict {body} should answer 422"
        assert client.post("/predict/batch", json={"words": ["abc"] * 65}).status_code in (413, 422)
