"""Public tests: run them with plain pytest, from the folder that holds your solution.ipynb (or solution.py):

    pytest public_tests/

They import solution.py if it exists, otherwise the code cells of solution.ipynb (the way the grader runs
them: top to bottom, as one module; lines starting with % or ! are skipped). They check the example from the
statement and the formulas it gives, with small weights of their own. The hidden grader checks more (other
sizes, ranks and alphas, layers without a bias).
"""

import os
import sys

import pytest
import torch
from torch import nn

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

from solution import LoRALinear, lora_parameter_count  # noqa: E402


def loaded_layer(d_in, d_out, r, alpha, seed=0):
    """A LoRALinear with non-zero A and B loaded through load_state_dict, and those weights."""
    generator = torch.Generator().manual_seed(seed)
    state = {
        "base.weight": torch.randn(d_out, d_in, generator=generator),
        "base.bias": torch.randn(d_out, generator=generator),
        "lora_A": torch.randn(r, d_in, generator=generator),
        "lora_B": torch.randn(d_out, r, generator=generator),
    }
    layer = LoRALinear(d_in, d_out, r=r, alpha=alpha)
    layer.load_state_dict(state)
    return layer, state


def by_formula(state, x, scaling):
    return x @ state["base.weight"].T + state["base.bias"] + scaling * (x @ state["lora_A"].T @ state["lora_B"].T)


def test_structure_of_the_example_layer():
    torch.manual_seed(0)
    layer = LoRALinear(32, 16, r=4, alpha=8)
    keys = sorted(layer.state_dict())
    assert keys == ["base.bias", "base.weight", "lora_A", "lora_B"], f"state_dict() keys are {keys}"
    assert layer.scaling == 2.0, f"scaling should be alpha / r = 8 / 4 = 2.0, got {layer.scaling!r}"
    assert tuple(layer.lora_A.shape) == (4, 32), f"lora_A should be (r, in_features) = (4, 32), got {tuple(layer.lora_A.shape)}"
    assert tuple(layer.lora_B.shape) == (16, 4), f"lora_B should be (out_features, r) = (16, 4), got {tuple(layer.lora_B.shape)}"
    assert torch.all(layer.lora_B == 0), "lora_B should start as all zeros"
    assert torch.any(layer.lora_A != 0), "lora_A should start random, not all zero (or B would never get a gradient)"
    assert not any(p.requires_grad for p in layer.base.parameters()), "the base layer's parameters should be frozen"
    keys = sorted(LoRALinear(6, 3, r=2, bias=False).state_dict())
    assert keys == ["base.weight", "lora_A", "lora_B"], f"with bias=False the state_dict() keys should not include base.bias, got {keys}"


def test_equals_the_base_layer_at_initialisation():
    torch.manual_seed(0)
    layer = LoRALinear(32, 16, r=4, alpha=8)
    x = torch.randn(5, 32)
    assert torch.equal(layer(x), layer.base(x)), "right after construction B = 0, so layer(x) should equal layer.base(x)"


def test_forward_with_loaded_weights_and_leading_dimensions():
    layer, state = loaded_layer(6, 5, r=3, alpha=1.5)
    x = torch.randn(2, 4, 6, generator=torch.Generator().manual_seed(1))
    got = layer(x)
    assert tuple(got.shape) == (2, 4, 5), f"an input of shape (2, 4, 6) should give (2, 4, 5), got {tuple(got.shape)}"
    assert torch.allclose(got, by_formula(state, x, 1.5 / 3), atol=1e-5), (
        "the output should be x W^T + b + (alpha / r) * x A^T B^T"
    )


def test_parameter_counts_of_the_example():
    assert LoRALinear(32, 16, r=4, alpha=8).parameter_counts() == (192, 720), (
        f"LoRALinear(32, 16, r=4, alpha=8).parameter_counts() should be (192, 720), "
        f"got {LoRALinear(32, 16, r=4, alpha=8).parameter_counts()!r} (is the base frozen?)"
    )
    assert lora_parameter_count(4096, 4096, 8) == 65536, "lora_parameter_count(4096, 4096, 8) should be 65536"
    assert lora_parameter_count(10, 20, 3) == 90, "lora_parameter_count(10, 20, 3) should be 3 * 10 + 20 * 3 = 90"


def test_merge_into_a_plain_linear():
    layer, state = loaded_layer(6, 5, r=3, alpha=1.5, seed=2)
    merged = layer.merge()
    assert isinstance(merged, nn.Linear), f"merge() should return an nn.Linear, got {type(merged).__name__}"
    want = state["base.weight"] + (1.5 / 3) * state["lora_B"] @ state["lora_A"]
    assert tuple(merged.weight.shape) == (5, 6), f"the merged weight should be (out, in) = (5, 6), got {tuple(merged.weight.shape)}"
    assert torch.allclose(merged.weight, want, atol=1e-5), "the merged weight should be W + scaling * (B @ A)"
    x = torch.randn(7, 6, generator=torch.Generator().manual_seed(3))
    assert torch.allclose(merged(x), layer(x), atol=1e-5), "the merged layer should give the same outputs as the LoRA layer"
    after = layer.state_dict()
    assert all(torch.equal(after[k], v) for k, v in state.items()), "merge() must not change the LoRA layer itself"


@pytest.mark.parametrize("r", [0, -1])
def test_rank_below_one_raises_value_error(r):
    with pytest.raises(ValueError):
        LoRALinear(4, 4, r=r)
