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


def _check(sparsity, scope):
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")


def _keep_mask(scores: torch.Tensor, k: int) -> torch.Tensor:
    """True everywhere except at the k smallest scores."""
    mask = torch.ones(scores.numel(), dtype=torch.bool)
    if k > 0:
        mask[torch.topk(scores.reshape(-1), k, largest=False).indices] = False
    return mask.reshape(scores.shape)


def magnitude_masks(weights: dict, sparsity: float, scope: str = "global") -> dict:
    _check(sparsity, scope)
    if scope == "layer":
        return {name: _keep_mask(w.abs(), round(sparsity * w.numel())) for name, w in weights.items()}
    names = list(weights)
    flat = torch.cat([weights[name].detach().abs().reshape(-1) for name in names])
    keep = _keep_mask(flat, round(sparsity * flat.numel()))
    masks, start = {}, 0
    for name in names:
        n = weights[name].numel()
        masks[name] = keep[start:start + n].reshape(weights[name].shape)
        start += n
    return masks


def measure_sparsity(weights: dict) -> dict:
    result = {name: float((w == 0).sum()) / w.numel() for name, w in weights.items()}
    zeros = sum(int((w == 0).sum()) for w in weights.values())
    result["global"] = zeros / sum(w.numel() for w in weights.values())
    return result


def torch_prune(state: dict, sparsity: float, scope: str = "global") -> dict:
    _check(sparsity, scope)
    model = build_mlp(state)
    if scope == "global":
        prune.global_unstructured([(layer, "weight") for layer in model.layers()],
                                  pruning_method=prune.L1Unstructured, amount=sparsity)
    else:
        for layer in model.layers():
            prune.l1_unstructured(layer, "weight", amount=sparsity)
    return model.state_dict()


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    log_q = F.log_softmax(student_logits / temperature, dim=-1)
    log_p = F.log_softmax(teacher_logits / temperature, dim=-1)
    soft = F.kl_div(log_q, log_p, log_target=True)  # reduction='mean': averages over classes too
    hard = F.cross_entropy(student_logits, labels)
    return alpha * temperature**2 * soft + (1.0 - alpha) * hard


def distill(X: torch.Tensor, y: torch.Tensor, seed: int, hidden: int = 32, steps: int = 200,
            temperature: float = 3.0, alpha: float = 0.7) -> nn.Module:
    torch.manual_seed(seed)
    teacher = load_teacher()
    X, y = X.float(), y.long()
    with torch.no_grad():
        teacher_logits = teacher(X)
    student = MLP([X.shape[1], hidden, teacher_logits.shape[1]])
    optimizer = torch.optim.Adam(student.parameters(), lr=0.03)
    for _ in range(steps):
        loss = distillation_loss(student(X), teacher_logits, y, temperature, alpha)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return student.eval()
