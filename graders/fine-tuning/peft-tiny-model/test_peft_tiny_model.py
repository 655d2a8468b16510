"""Hidden grader for fine-tuning/peft-tiny-model.

The tasks come from make_task (the same code as in the starter) with hidden seeds. The held-out data never
leaves this box. What counts as "trainable" is decided here from the returned model's state_dict: entries
equal to a base tensor are frozen, every other number counts.
"""

import torch
from torch import nn

from gradient_grader import call_timeout, points


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


MAIN_SEED, SECOND_SEED = 31337, 2024
TRAIN_SEED = 7
BUDGET = 600
TARGET = 0.8
_CACHE = {}


def _task(seed):
    if seed not in _CACHE:
        _CACHE[seed] = make_task(seed)
    return _CACHE[seed]


def _finetune(student, task_seed, train_seed):
    key = ("model", task_seed, train_seed)
    if key not in _CACHE:
        task = _task(task_seed)
        with call_timeout(60):
            _CACHE[key] = student.finetune(task["base_state"], task["X_train"], task["y_train"], train_seed)
    return _CACHE[key]


def _logits(model, x, call):
    got = model(x)
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor of class scores, got {type(got).__name__}"
    assert tuple(got.shape) == (x.shape[0], 3), f"{call} returned shape {tuple(got.shape)}, expected ({x.shape[0]}, 3)"
    assert torch.isfinite(got).all(), f"{call} returned nan or inf"
    return got.double()


def _audit(model, base_state):
    """(missing base weight names, number of trainable numbers) from the model's state_dict."""
    state = model.state_dict()
    assert isinstance(state, dict), "model.state_dict() should return a dict of tensors"
    remaining = [(name, value) for name, value in state.items() if isinstance(value, torch.Tensor)]
    missing = []
    for key, base_value in base_state.items():
        match = next((i for i, (_, v) in enumerate(remaining)
                      if tuple(v.shape) == tuple(base_value.shape) and torch.equal(v.to(base_value.dtype), base_value)), None)
        if match is None:
            if key.endswith("weight"):
                missing.append(key)
        else:
            remaining.pop(match)
    return missing, sum(int(v.numel()) for _, v in remaining), [n for n, _ in remaining]


def _held_out_loss(student, task_seed):
    task = _task(task_seed)
    model = _finetune(student, task_seed, TRAIN_SEED)
    logits = _logits(model, task["X_test"], f"model(X_test of shape {tuple(task['X_test'].shape)})")
    return float(nn.functional.cross_entropy(logits, task["y_test"]))


@points(1)
def test_returns_a_model_with_class_scores(student):
    task = _task(MAIN_SEED)
    model = _finetune(student, MAIN_SEED, TRAIN_SEED)
    _logits(model, task["X_train"][:5], "finetune(...)(X of shape (5, 8))")


@points(2)
def test_base_weights_are_unchanged(student):
    task = _task(MAIN_SEED)
    model = _finetune(student, MAIN_SEED, TRAIN_SEED)
    missing, _, _ = _audit(model, task["base_state"])
    assert not missing, (
        f"the base weight matrices {missing} were not found unchanged in model.state_dict(): freeze the base "
        "(requires_grad_(False)) and train adapters instead of the pretrained weights"
    )


@points(2)
def test_trainable_numbers_within_budget(student):
    task = _task(MAIN_SEED)
    model = _finetune(student, MAIN_SEED, TRAIN_SEED)
    missing, trainable, names = _audit(model, task["base_state"])
    assert not missing, f"the base weight matrices {missing} changed, so everything counts as trained"
    assert 0 < trainable <= BUDGET, (
        f"{trainable} numbers of model.state_dict() differ from the base model (entries {names[:8]}"
        f"{' ...' if len(names) > 8 else ''}); expected between 1 and {BUDGET}"
    )


@points(3)
def test_reaches_the_target_loss(student):
    task = _task(MAIN_SEED)
    base = TinyNet()
    base.load_state_dict(task["base_state"])
    with torch.no_grad():
        before = float(nn.functional.cross_entropy(base(task["X_test"]), task["y_test"]))
    loss = _held_out_loss(student, MAIN_SEED)
    assert loss <= TARGET, (
        f"the fine-tuned model's cross-entropy on hidden held-out data of the new task is {loss:.4f}, needs to be "
        f"at most {TARGET} (the base model scores {before:.2f})"
    )


@points(1)
def test_second_task(student):
    loss = _held_out_loss(student, SECOND_SEED)
    assert loss <= TARGET, (
        f"on a second hidden task, the held-out cross-entropy after finetune is {loss:.4f}, needs to be at most {TARGET}"
    )


@points(1)
def test_same_seed_same_model(student):
    task = _task(MAIN_SEED)
    first = _finetune(student, MAIN_SEED, TRAIN_SEED)
    with call_timeout(60):
        again = student.finetune(task["base_state"], task["X_train"], task["y_train"], TRAIN_SEED)
    x = task["X_test"][:200]
    a = _logits(first, x, "model(X)")
    b = _logits(again, x, "model(X)")
    diff = float((a - b).abs().max())
    assert diff <= 1e-6, (
        f"two calls of finetune(..., seed={TRAIN_SEED}) on the same data gave models whose outputs differ by up to "
        f"{diff:.3g}: seed every random choice (torch.manual_seed(seed) or a torch.Generator) inside finetune"
    )
