"""Public tests: run them next to your solution.py (with teacher.npz beside it) with plain pytest:

    pytest public_tests/

They check the statement's examples, torch_prune against your own masks, and a distilled student on public
data from make_data. The hidden grader draws its own weights, sparsities, logits and data seeds.
"""

import os
import sys

import pytest
import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)

from solution import distill, distillation_loss, magnitude_masks, make_data, measure_sparsity, torch_prune  # noqa: E402

W = {"a": torch.tensor([[0.5, -2.0, 0.1], [-0.05, 1.0, -0.3]]), "b": torch.tensor([[3.0, -2.5], [1.5, -4.0]])}


def test_mask_examples():
    got = magnitude_masks(W, 0.5, scope="global")
    assert got["a"].tolist() == [[False, True, False], [False, False, False]] and bool(got["b"].all()), (
        f"global pruning of half the weights should prune the 5 smallest |w| of all 10 (all of them in 'a'), got {got}"
    )
    got = magnitude_masks(W, 0.5, scope="layer")
    assert got["a"].tolist() == [[True, True, False], [False, True, False]], f"layer-wise, 'a' keeps 0.5, -2.0, 1.0; got {got['a']}"
    assert got["b"].tolist() == [[True, False], [False, True]], f"layer-wise, 'b' keeps 3.0 and -4.0; got {got['b']}"
    assert bool(magnitude_masks(W, 0.0)["a"].all()), "sparsity 0 keeps every weight"


@pytest.mark.parametrize("sparsity, scope", [(1.0, "global"), (-0.2, "layer"), (0.5, "columns")])
def test_mask_arguments_are_checked(sparsity, scope):
    with pytest.raises(ValueError):
        magnitude_masks(W, sparsity, scope=scope)


def test_measure_sparsity_example():
    got = measure_sparsity({"a": torch.tensor([0.0, 1.0, 0.0, 2.0]), "b": torch.tensor([0.0, 3.0, 5.0, 1.0, 2.0, 4.0])})
    assert got["a"] == 0.5 and abs(got["b"] - 1 / 6) < 1e-12, f"expected 0.5 for 'a' and 1/6 for 'b', got {got}"
    assert abs(got["global"] - 0.3) < 1e-12, f"'global' is all zeros / all entries = 3/10, not the mean of the fractions; got {got['global']}"


@pytest.mark.parametrize("scope", ["global", "layer"])
def test_torch_prune_matches_your_masks(scope):
    torch.manual_seed(0)
    state = {"fc1.weight": torch.randn(6, 4) * 0.1, "fc1.bias": torch.zeros(6),
             "fc2.weight": torch.randn(3, 6) * 2.0, "fc2.bias": torch.zeros(3)}
    got = torch_prune(state, 0.6, scope=scope)
    assert {"fc1.weight_orig", "fc1.weight_mask", "fc2.weight_orig", "fc2.weight_mask"} <= set(got), (
        f"torch_prune should return the state_dict torch.nn.utils.prune leaves (weight_orig, weight_mask), got {sorted(got)}"
    )
    mine = magnitude_masks({"fc1.weight": state["fc1.weight"], "fc2.weight": state["fc2.weight"]}, 0.6, scope=scope)
    for layer in ("fc1", "fc2"):
        assert torch.equal(got[f"{layer}.weight_mask"].bool(), mine[f"{layer}.weight"]), (
            f"with scope={scope!r}, torch's mask for {layer} differs from magnitude_masks"
        )


def test_distillation_loss_examples():
    s = torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    t = torch.tensor([[2.0, 0.0, -2.0], [0.0, 1.0, 0.0]])
    y = torch.tensor([0, 1])
    for alpha, want in ((0.5, 0.4238), (1.0, 0.1647), (0.0, 0.6828)):
        got = distillation_loss(s, t, y, temperature=2.0, alpha=alpha)
        assert isinstance(got, torch.Tensor) and got.dim() == 0, f"expected a 0-d tensor, got {got!r}"
        assert abs(float(got) - want) < 1e-4, f"with temperature=2.0, alpha={alpha} the loss should be {want}, got {float(got):.4f}"
    with pytest.raises(ValueError):
        distillation_loss(s, t, y, temperature=0.0)


def test_distilled_student_on_public_data():
    cwd = os.getcwd()
    os.chdir(HERE)  # load_teacher() reads teacher.npz from the working directory
    try:
        X, y = make_data(1000, seed=7)
        model = distill(X, y, seed=0)
    finally:
        os.chdir(cwd)
    numbers = sum(v.numel() for v in model.state_dict().values())
    assert numbers <= 500, f"the student holds {numbers} numbers; at most 500 are allowed"
    X_test, y_test = make_data(2000, seed=8)
    with torch.no_grad():
        accuracy = float((model(X_test).argmax(dim=1) == y_test).float().mean())
    assert accuracy >= 0.85, f"the student classifies {accuracy:.3f} of 2000 public held-out points correctly; at least 0.85 is needed"
