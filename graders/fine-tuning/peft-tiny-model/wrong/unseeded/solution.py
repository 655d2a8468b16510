import math

import torch
from torch import nn


class TinyNet(nn.Module):
    """The pretrained base model: 8 inputs -> 32 -> 32 -> 3 class scores."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 32)
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable rank-r update; its own bias stays trainable (BitFit)."""

    def __init__(self, base: nn.Linear, r: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scaling = alpha / r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def finetune(base_state: dict, X: torch.Tensor, y: torch.Tensor, seed: int, r: int = 2, steps: int = 400) -> nn.Module:
    model = TinyNet()
    model.load_state_dict(base_state)
    for p in model.parameters():
        p.requires_grad_(False)
    for name in ("fc1", "fc2", "head"):
        layer = getattr(model, name)
        layer.bias.requires_grad_(True)
        setattr(model, name, LoRALinear(layer, r=r, alpha=2.0 * r))
    X, y = X.float(), y.long()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()
