"""Pruning and knowledge distillation.

``MLP``, ``build_mlp``, ``load_teacher`` and ``make_data`` are given (the grader uses the same code).
Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune


class MLP(nn.Module):
    """Linear layers fc1, fc2, ... with ReLU between them: sizes [8, 64, 4] is 8 -> 64 -> 4."""

    def __init__(self, sizes) -> None:
        super().__init__()
        self.sizes = [int(s) for s in sizes]
        for i in range(len(self.sizes) - 1):
            setattr(self, f"fc{i + 1}", nn.Linear(self.sizes[i], self.sizes[i + 1]))

    def layers(self):
        return [getattr(self, f"fc{i + 1}") for i in range(len(self.sizes) - 1)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layers = self.layers()
        for i, layer in enumerate(layers):
            x = layer(x)
            if i < len(layers) - 1:
                x = torch.relu(x)
        return x


def build_mlp(state: dict) -> MLP:
    """An MLP with the layer sizes read from a state_dict's fcN.weight shapes, loaded with those weights."""
    count = sum(1 for key in state if key.startswith("fc") and key.endswith(".weight"))
    sizes = [state["fc1.weight"].shape[1]] + [state[f"fc{i + 1}.weight"].shape[0] for i in range(count)]
    model = MLP(sizes)
    model.load_state_dict(state)
    return model


def load_teacher(path: str = "teacher.npz") -> MLP:
    """The trained teacher shipped beside the exercise: MLP [8, 64, 64, 4], in eval mode."""
    with np.load(path, allow_pickle=False) as arrays:
        state = {name: torch.from_numpy(arrays[name]) for name in arrays.files}
    return build_mlp(state).eval()


def make_data(n: int, seed: int):
    """n inputs (n, 8) and their true classes (n,) in 0..3; the rule is fixed, ``seed`` draws the inputs."""
    rule = torch.Generator().manual_seed(2024)
    w1, w2 = torch.randn(8, 6, generator=rule), torch.randn(6, 4, generator=rule)
    x = torch.randn(n, 8, generator=torch.Generator().manual_seed(seed))
    return x, torch.argmax(torch.tanh(0.8 * x @ w1) @ w2, dim=1)


def magnitude_masks(weights: dict, sparsity: float, scope: str = "global") -> dict:
    """Boolean masks (True = kept) that prune the round(sparsity * n) weights of smallest |w|.

    scope "global": rank all the tensors' weights together; "layer": prune each tensor on its own.
    ValueError for a sparsity outside [0, 1) or another scope.
    """
    raise NotImplementedError("magnitude_masks is not written yet")


def measure_sparsity(weights: dict) -> dict:
    """The fraction of entries exactly 0 in each tensor, and under "global" over all of them together."""
    raise NotImplementedError("measure_sparsity is not written yet")


def torch_prune(state: dict, sparsity: float, scope: str = "global") -> dict:
    """Prune every layer's weight of build_mlp(state) with torch.nn.utils.prune (L1, unstructured) and return
    the model's state_dict, with the weight_orig and weight_mask entries prune leaves (no prune.remove)."""
    raise NotImplementedError("torch_prune is not written yet")


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    """alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) (mean over the batch)
    + (1 - alpha) * cross_entropy(student_logits, labels). ValueError for T <= 0 or alpha outside [0, 1]."""
    raise NotImplementedError("distillation_loss is not written yet")


def distill(X: torch.Tensor, y: torch.Tensor, seed: int) -> nn.Module:
    """Train a small student (at most 500 numbers in its state_dict) from load_teacher() on (X, y) and return
    it: model(X) gives (N, 4) class scores."""
    raise NotImplementedError("distill is not written yet")


if __name__ == "__main__":
    teacher = load_teacher()
    X, y = make_data(2000, seed=1)
    with torch.no_grad():
        print("teacher accuracy:", float((teacher(X).argmax(dim=1) == y).float().mean()))
