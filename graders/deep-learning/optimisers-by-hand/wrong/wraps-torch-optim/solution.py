import torch
from torch import nn


def mlp_loss(params, X, y):
    W1, b1, W2, b2 = params[:4]
    return ((torch.tanh(X @ W1.T + b1) @ W2.T + b2 - y) ** 2).mean()


class SGD:
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        self.inner = torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)

    def zero_grad(self):
        self.inner.zero_grad()

    def step(self):
        self.inner.step()


class Adam:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.inner = torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def zero_grad(self):
        self.inner.zero_grad()

    def step(self):
        self.inner.step()


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        self.inner = torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


OPTIMISERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def trajectory(name, hyper, init, X, y, steps):
    params = [t.detach().clone().requires_grad_(True) for t in init]
    optimiser = OPTIMISERS[name](params, **hyper)
    snapshots = []
    for _ in range(steps):
        optimiser.zero_grad()
        mlp_loss(params, X, y).backward()
        optimiser.step()
        snapshots.append([p.detach().clone() for p in params])
    return snapshots


def train_classifier(name, hyper, X, y, steps=150, hidden=16, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.Tanh(), nn.Linear(hidden, int(y.max()) + 1))
    optimiser = OPTIMISERS[name](model.parameters(), **hyper)
    losses = []
    for _ in range(steps):
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    model.eval()
    return model, losses
