"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They run the statement's example, make_task(0) with seed=0, and check the rules on it: the output shape, the
frozen base weights, the budget of 600 trainable numbers (counted as the statement says), the held-out loss
and reproducibility. The hidden grader checks the same rules on tasks made with hidden seeds, so passing here
on task 0 alone is not enough if your method only suits this one task.
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import finetune  # noqa: E402


# A copy of the starter's TinyNet and make_task (the grader uses the same code), so these tests do not depend
# on your copy of them.
class TinyNet(nn.Module):
    """The pretrained base model: 8 inputs -> 32 -> 32 -> 3 class scores."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 32)
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def make_task(seed: int, n_train: int = 512, n_test: int = 2000) -> dict:
    """A pretrained TinyNet (task A) and data of a related task B that it was not trained on."""
    gen = torch.Generator().manual_seed(seed)
    teacher_in = torch.randn(8, 16, generator=gen)
    readout_a = torch.randn(16, 3, generator=gen)
    readout_b = 0.6 * readout_a[:, [1, 2, 0]] + 0.8 * torch.randn(16, 3, generator=gen)

    def data(n, readout):
        x = torch.randn(n, 8, generator=gen)
        return x, torch.argmax(torch.relu(x @ teacher_in) @ readout, dim=1)

    x_a, y_a = data(3000, readout_a)
    torch.manual_seed(seed)
    base = TinyNet()
    optimizer = torch.optim.AdamW(base.parameters(), lr=1e-2, weight_decay=0.1)
    for _ in range(300):
        loss = nn.functional.cross_entropy(base(x_a), y_a)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x_train, y_train = data(n_train, readout_b)
    x_test, y_test = data(n_test, readout_b)
    return {
        "base_state": {k: v.detach().clone() for k, v in base.state_dict().items()},
        "X_train": x_train, "y_train": y_train, "X_test": x_test, "y_test": y_test,
    }

BUDGET = 600
TARGET = 0.8
_cache = {}


def task_and_model():
    if "task" not in _cache:
        _cache["task"] = make_task(0)
    if "model" not in _cache:
        task = _cache["task"]
        _cache["model"] = finetune(task["base_state"], task["X_train"], task["y_train"], seed=0)
    return _cache["task"], _cache["model"]


def audit(model, base_state):
    """(base weight matrices not found unchanged, number of trainable numbers), counted as in the statement:
    state_dict entries exactly equal to a tensor of base_state are frozen, every other number is trainable."""
    remaining = [value for value in model.state_dict().values() if isinstance(value, torch.Tensor)]
    missing = []
    for key, base_value in base_state.items():
        match = next((i for i, value in enumerate(remaining)
                      if value.shape == base_value.shape and torch.equal(value.to(base_value.dtype), base_value)), None)
        if match is None:
            if key.endswith("weight"):
                missing.append(key)
        else:
            remaining.pop(match)
    return missing, sum(value.numel() for value in remaining)


def test_model_outputs_class_scores():
    task, model = task_and_model()
    assert isinstance(model, nn.Module), f"finetune should return an nn.Module, got {type(model).__name__}"
    out = model(task["X_test"][:4])
    assert tuple(out.shape) == (4, 3), f"model(X_test[:4]) should have shape (4, 3), got {tuple(out.shape)}"


def test_base_weights_unchanged_and_budget():
    task, model = task_and_model()
    missing, trainable = audit(model, task["base_state"])
    assert not missing, (
        f"the pretrained matrices {missing} are not in model.state_dict() exactly unchanged: freeze the base "
        "(requires_grad_(False)) and train adapters instead"
    )
    assert 0 < trainable <= BUDGET, f"{trainable} numbers of model.state_dict() differ from the base; expected 1 to {BUDGET}"


def test_held_out_loss_on_task_0():
    task, model = task_and_model()
    with torch.no_grad():
        loss = float(nn.functional.cross_entropy(model(task["X_test"]), task["y_test"]))
    assert loss <= TARGET, f"the held-out cross-entropy on make_task(0) is {loss:.4f}, needs to be at most {TARGET}"


def test_same_seed_same_outputs():
    task, model = task_and_model()
    again = finetune(task["base_state"], task["X_train"], task["y_train"], seed=0)
    x = task["X_test"][:100]
    with torch.no_grad():
        diff = float((model(x) - again(x)).abs().max())
    assert diff <= 1e-6, (
        f"two calls with seed=0 gave models whose outputs differ by up to {diff:.3g}: seed every random choice "
        "(torch.manual_seed(seed) at the start of finetune)"
    )
