"""Hidden grader for deep-learning/mlp-training-loop (a notebook exercise).

Data: 2-D points in three rings (class = distance band from the origin), generated with fixed seeds.
Trained models stay in the student box; the grader calls them (`model(x)`) and reads `training` and
`state_dict()`. One training run with the default settings is shared by several tests.
"""

import numpy as np
import torch

from gradient_grader import Remote, StudentError, assert_close, call_timeout, points, shows_expected

TRAIN_ARGS = dict(hidden=32, epochs=40, lr=0.01, batch_size=32)
_cache = {}


def rings(seed, n):
    rng = np.random.default_rng(seed)
    radius = rng.uniform(0, 3, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + rng.normal(0, 0.08, (n, 2))
    y = np.digitize(radius, [1.0, 2.0])
    return torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y.astype(np.int64))


def train(student, seed):
    """(model, losses) of train_model on the training rings, memoised per seed."""
    if seed in _cache:
        return _cache[seed]
    X, y = rings(0, 600)
    call = f"train_model(X, y, hidden=32, epochs=40, lr=0.01, batch_size=32, seed={seed})"
    with call_timeout(40):
        result = student.train_model(X, y, seed=seed, **TRAIN_ARGS)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"{call} should return a tuple (model, losses), got {result!r:.200}"
    )
    model, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained MLP as its first item, got {model!r:.100}"
    assert isinstance(losses, (list, tuple)) and all(isinstance(v, (int, float)) for v in losses), (
        f"{call} should return a list of per-epoch losses (floats) as its second item, got {losses!r:.200}"
    )
    _cache[seed] = (call, model, [float(v) for v in losses])
    return _cache[seed]


def logits_of(model, x, call):
    out = model(x)
    assert isinstance(out, torch.Tensor), f"{call} should return a tensor of logits, got {type(out).__name__}"
    assert tuple(out.shape) == (x.shape[0], 3), f"{call} returned shape {tuple(out.shape)}, expected ({x.shape[0]}, 3)"
    return out.double()


@shows_expected
@points(2)
def test_mlp_layers_and_parameter_count(student):
    call = "MLP(5, 16, 3)"
    model = student.MLP(5, 16, 3)
    state = model.state_dict()
    assert isinstance(state, dict), f"{call}.state_dict() should be a dict of tensors, got {state!r:.100}"
    shapes = [tuple(t.shape) for t in state.values()]
    want = [(16, 5), (16,), (16, 16), (16,), (3, 16), (3,)]
    assert shapes == want, (
        f"{call}.state_dict() holds tensors of shapes {shapes}, expected {want}: three Linear layers "
        "in_features->hidden, hidden->hidden, hidden->out_features, each with a bias"
    )
    count = sum(int(np.prod(s)) for s in shapes)
    assert count == 419, f"{call} has {count} parameters, expected 419"
    call = "MLP(7, 40, 2, dropout=0.3)"
    shapes = [tuple(t.shape) for t in student.MLP(7, 40, 2, dropout=0.3).state_dict().values()]
    want = [(40, 7), (40,), (40, 40), (40,), (2, 40), (2,)]
    assert shapes == want, f"{call}.state_dict() holds tensors of shapes {shapes}, expected {want}"


@points(1)
def test_forward_shape_and_dropout(student):
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    model = student.MLP(4, 64, 3, dropout=0.5)
    model.train()
    first, second = model(x), model(x)
    assert isinstance(first, torch.Tensor) and tuple(first.shape) == (64, 3), (
        f"MLP(4, 64, 3, dropout=0.5)(x) with x of shape (64, 4) returned "
        f"{tuple(first.shape) if isinstance(first, torch.Tensor) else type(first).__name__}, expected a tensor (64, 3)"
    )
    assert not torch.allclose(first, second), (
        "MLP(4, 64, 3, dropout=0.5) in training mode gave the same output twice for the same input: "
        "the Dropout layer (after the first ReLU) seems to be missing"
    )
    model.eval()
    first, second = model(x), model(x)
    assert torch.equal(first, second), (
        "MLP(4, 64, 3, dropout=0.5) in evaluation mode gave different outputs for the same input; "
        "use nn.Dropout so that model.eval() turns dropout off"
    )


@shows_expected
@points(1)
def test_accuracy(student):
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [0.5, 0.2, 0.1], [0.0, 0.0, 1.0]])
    y = torch.tensor([0, 1, 1, 2, 2])
    got = student.accuracy(logits, y)
    assert isinstance(got, (int, float)) and not isinstance(got, bool), (
        f"accuracy(logits, y) should return a float, got {type(got).__name__}: {got!r:.100}"
    )
    assert_close(got, 0.6, atol=1e-6, what="accuracy(logits, y) for 3 correct rows out of 5")


@points(2)
def test_training_loss_falls(student):
    call, _, losses = train(student, 0)
    assert len(losses) == 40, f"{call} returned {len(losses)} losses, expected one per epoch: 40"
    assert all(np.isfinite(losses)), f"{call} returned non-finite losses: {losses[:5]}..."
    first, last = losses[0], losses[-1]
    assert last < 0.4 and last < first / 2, (
        f"{call}: the average loss went from {first:.3f} (first epoch) to {last:.3f} (last epoch); expected the "
        "last below 0.4 and below half the first. Check: optimizer.zero_grad() every batch, logits (no softmax) "
        "into nn.CrossEntropyLoss, optimizer.step() after backward()"
    )


@points(2)
def test_trained_model_accuracy(student):
    call, model, _ = train(student, 0)
    X_test, y_test = rings(1, 400)
    logits = logits_of(model, X_test, f"the model from {call}, called on 400 new points")
    accuracy = float((logits.argmax(dim=1) == y_test).double().mean())
    assert accuracy >= 0.9, (
        f"the model from {call} classifies 400 new points with accuracy {accuracy:.3f}, expected at least 0.9"
    )


@points(1)
def test_model_returned_in_eval_mode(student):
    call, model, _ = train(student, 0)
    mode = model.training
    X_test, _ = rings(2, 100)
    first = logits_of(model, X_test, f"the model from {call}")
    second = logits_of(model, X_test, f"the model from {call}")
    assert mode is False, (
        f"the model from {call} is still in training mode (model.training is {mode!r}); call model.eval() "
        "before returning it, so dropout is off when it is used"
    )
    assert torch.equal(first, second), f"the model from {call} gave different outputs for the same input twice"


@points(1)
def test_training_is_seeded(student):
    call, _, losses = train(student, 0)
    X, y = rings(0, 600)
    again_call = "calling " + call + " a second time"
    try:
        with call_timeout(40):
            _, again = student.train_model(X, y, seed=0, **TRAIN_ARGS)
    except StudentError as error:
        raise AssertionError(f"{again_call} raised {error.type_name}: {error.message[:200]}") from None
    assert np.allclose(losses, again, rtol=1e-6, atol=1e-7), (
        f"{again_call} gave different losses ({np.round(losses[:3], 4).tolist()}... then "
        f"{np.round(again[:3], 4).tolist()}...): call torch.manual_seed(seed) at the start of train_model"
    )
    other_call, _, other = train(student, 1)
    assert not np.allclose(losses, other, rtol=1e-6, atol=1e-7), (
        f"{call} and {other_call} gave the same losses: the seed should change the initial weights and the shuffling"
    )
