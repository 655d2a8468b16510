"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and the rules it states. The hidden grader checks more (other
rates, sizes and settings, a checkpoint it makes itself).
"""

import os
import sys

import safetensors.torch
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    Regressor,
    dropout_outputs,
    load_checkpoint,
    save_checkpoint,
    sgd_step_with_weight_decay,
)

KEYS = ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]


def by_hand(state, x):
    """out(relu(hidden(x))) computed from a state dict: the model's output with dropout off."""
    h = torch.relu(x @ state["hidden.weight"].T + state["hidden.bias"])
    return h @ state["out.weight"].T + state["out.bias"]


def read_checkpoint(data, call):
    assert isinstance(data, bytes), f"{call} should return bytes, got {type(data).__name__}"
    try:
        return safetensors.torch.load(data)
    except Exception as error:  # noqa: BLE001
        raise AssertionError(
            f"the bytes from {call} cannot be read with safetensors.torch.load ({type(error).__name__}): save "
            "model.state_dict() with safetensors.torch.save, not the model object with torch.save"
        ) from None


def test_regressor_layers_and_shapes():
    model = Regressor(3, 4)
    assert list(model.state_dict()) == KEYS, f"Regressor's state_dict() keys are {list(model.state_dict())}, expected {KEYS}"
    assert isinstance(model.dropout, torch.nn.Dropout), "Regressor needs self.dropout = nn.Dropout(dropout)"
    out = model.eval()(torch.zeros(5, 3))
    assert tuple(out.shape) == (5, 1), f"Regressor(3, 4) on a (5, 3) input should give (5, 1), got {tuple(out.shape)}"


def test_dropout_example_and_rules():
    in_training, in_evaluation = dropout_outputs(torch.ones(8), 0.5, seed=0)
    assert torch.equal(in_evaluation, torch.ones(8)), f"in evaluation mode dropout returns x unchanged, got {in_evaluation}"
    assert torch.equal(in_training, torch.tensor([0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0, 2.0])), (
        f"dropout_outputs(torch.ones(8), 0.5, seed=0)[0] should be tensor([0., 0., 2., 0., 0., 0., 2., 2.]) "
        f"(seed, then one nn.Dropout(0.5) in training mode), got {in_training}"
    )
    x = torch.full((2000,), 3.0)
    in_training, in_evaluation = dropout_outputs(x, 0.25, seed=1)
    values = set(in_training.unique().tolist())
    assert values <= {0.0, 4.0}, f"with p=0.25 each 3.0 should become 0 or 3 / (1 - 0.25) = 4.0, got values {sorted(values)}"
    rate = float((in_training == 0).float().mean())
    assert abs(rate - 0.25) < 0.05, f"with p=0.25 about 25% of the values should be zeroed, got {rate:.1%}"
    assert torch.equal(in_evaluation, x), "in evaluation mode dropout returns x unchanged"


def test_weight_decay_step():
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    got = sgd_step_with_weight_decay(torch.tensor([1.0, -2.0]), X, torch.tensor([1.0, -2.0]), lr=0.1, weight_decay=0.5)
    assert torch.allclose(got, torch.tensor([0.95, -1.9])), (
        f"the statement's example should give tensor([0.95, -1.90]) (pure decay: w - 0.1 * 0.5 * w), got {got}"
    )
    # Now with a loss gradient too: y = 0, so the gradient of mean((X @ w)^2) is w itself here.
    got = sgd_step_with_weight_decay(torch.tensor([1.0, -2.0]), X, torch.zeros(2), lr=0.1, weight_decay=0.5)
    assert torch.allclose(got, torch.tensor([0.85, -1.7])), (
        f"w - lr * (gradient + weight_decay * w) = w - 0.1 * (w + 0.5 * w) should be tensor([0.85, -1.70]), got {got}"
    )


def test_save_checkpoint_is_safetensors_state_dict():
    state = read_checkpoint(save_checkpoint(3, 4, seed=0), "save_checkpoint(3, 4, seed=0)")
    assert sorted(state) == sorted(KEYS), f"the checkpoint holds {sorted(state)}, expected {sorted(KEYS)}"
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    want = {"hidden.weight": (4, 3), "hidden.bias": (4,), "out.weight": (1, 4), "out.bias": (1,)}
    assert shapes == want, f"the checkpoint's shapes are {shapes}, expected {want}"
    again = read_checkpoint(save_checkpoint(3, 4, seed=0), "save_checkpoint(3, 4, seed=0)")
    assert all(torch.equal(state[k], again[k]) for k in KEYS), "the same seed should give the same weights"
    other = read_checkpoint(save_checkpoint(3, 4, seed=1), "save_checkpoint(3, 4, seed=1)")
    assert not torch.equal(state["hidden.weight"], other["hidden.weight"]), "another seed should give other weights"


def test_load_checkpoint_is_ready_for_inference():
    generator = torch.Generator().manual_seed(0)
    shapes = {"hidden.weight": (6, 2), "hidden.bias": (6,), "out.weight": (1, 6), "out.bias": (1,)}
    state = {k: torch.randn(s, generator=generator) for k, s in shapes.items()}
    model = load_checkpoint(safetensors.torch.save(state), 2, 6)
    assert model.training is False, "load_checkpoint should return the model in evaluation mode (model.eval())"
    x = torch.randn(10, 2, generator=generator)
    first, second = model(x), model(x)
    assert torch.equal(first, second), "the loaded model gave different outputs for the same input twice"
    assert torch.allclose(first, by_hand(state, x), atol=1e-5), "the loaded model's outputs do not match the checkpoint's weights"


def test_save_then_load_round_trip():
    data = save_checkpoint(3, 4, seed=0)
    state = read_checkpoint(data, "save_checkpoint(3, 4, seed=0)")
    model = load_checkpoint(data, 3, 4)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(model(x), by_hand(state, x), atol=1e-5), (
        "load_checkpoint(save_checkpoint(3, 4, seed=0), 3, 4) does not give the outputs of the saved weights "
        "(with dropout off: is the model in evaluation mode?)"
    )
