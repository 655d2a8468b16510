"""Public tests: run them with plain pytest, from the folder that holds your solution.ipynb (or solution.py):

    pytest public_tests/

They import solution.py if it exists, otherwise the code cells of solution.ipynb (the way the grader runs
them: top to bottom, as one module; lines starting with % or ! are skipped). They check the examples from the
statement and the rules it gives, on a small made-up data set. The hidden grader checks more (its own data,
accuracy on held-out points, other settings).
"""

import os
import sys

import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)


def load_notebook_as_module(path, name="solution"):
    """Run the code cells of a notebook, top to bottom, as one module (used when there is no solution.py)."""
    import json
    import linecache
    import types

    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") != "code" or source.lstrip().startswith("%%"):
            continue  # markdown, or a cell magic (%%time, %%capture...)
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        code = "\n".join(lines) + "\n"
        filename = f"{os.path.basename(path)} (cell {number})"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks show the cell
        exec(compile(code, filename, "exec"), module.__dict__)  # noqa: S102 - your own notebook
    return module


if not os.path.exists(os.path.join(HERE, "solution.py")) and os.path.exists(os.path.join(HERE, "solution.ipynb")):
    load_notebook_as_module(os.path.join(HERE, "solution.ipynb"))

from solution import MLP, accuracy, train_model  # noqa: E402


def circle_data(seed=0, n=300):
    """Points inside or outside a circle: two classes no straight line separates."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=generator)
    y = (X.norm(dim=1) > 1.2).long()
    return X, y


def test_mlp_shapes_from_the_example():
    model = MLP(5, 16, 3)
    out = model(torch.zeros(7, 5))
    assert tuple(out.shape) == (7, 3), f"MLP(5, 16, 3) on a (7, 5) input should give (7, 3) logits, got {tuple(out.shape)}"
    shapes = [tuple(p.shape) for p in model.state_dict().values()]
    want = [(16, 5), (16,), (16, 16), (16,), (3, 16), (3,)]
    assert shapes == want, f"MLP(5, 16, 3).state_dict() holds shapes {shapes}, expected {want}"
    count = sum(p.numel() for p in model.parameters())
    assert count == 419, f"MLP(5, 16, 3) has {count} parameters, expected 419"


def test_dropout_only_in_training_mode():
    torch.manual_seed(0)
    model = MLP(3, 50, 2, dropout=0.5)
    x = torch.randn(20, 3)
    model.train()
    assert not torch.allclose(model(x), model(x)), (
        "in training mode the same input gave the same output twice: is the Dropout layer missing?"
    )
    model.eval()
    assert torch.equal(model(x), model(x)), "in evaluation mode the same input should always give the same output"


def test_accuracy_example():
    got = accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
    assert isinstance(got, float), f"accuracy should return a Python float, got {type(got).__name__}"
    assert abs(got - 2 / 3) < 1e-6, f"2 of the 3 rows are right, so the accuracy is 2/3; got {got}"


def test_training_loss_falls_and_model_comes_back_in_eval_mode():
    X, y = circle_data()
    model, losses = train_model(X, y, epochs=20)
    assert len(losses) == 20, f"expected one loss per epoch (20), got {len(losses)}"
    assert losses[-1] < losses[0] / 2, (
        f"the average loss went from {losses[0]:.3f} to {losses[-1]:.3f}; expected the last below half the first "
        "(zero the gradients every batch? logits, no softmax, into nn.CrossEntropyLoss?)"
    )
    assert model.training is False, "train_model should return the model in evaluation mode (model.eval())"
    assert accuracy(model(X), y) > 0.85, "the trained model should classify most of its training points right"


def test_same_seed_same_losses():
    X, y = circle_data(n=100)
    _, first = train_model(X, y, epochs=3, seed=0)
    _, again = train_model(X, y, epochs=3, seed=0)
    _, other = train_model(X, y, epochs=3, seed=1)
    assert first == again, f"the same seed gave different losses ({first} then {again}): call torch.manual_seed(seed) first"
    assert first != other, "seed=0 and seed=1 gave the same losses: the seed should change the weights and the shuffling"
