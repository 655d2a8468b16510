import torch
from torch import nn


def mlp_loss(params, X, y):
    """Given: the mean squared error of a one-hidden-layer tanh network; params[0:4] = W1, b1, W2, b2."""
    W1, b1, W2, b2 = params[:4]
    return ((torch.tanh(X @ W1.T + b1) @ W2.T + b2 - y) ** 2).mean()


class Optimiser:
    """What the three optimisers share: the parameter list, per-parameter state and zero_grad."""

    def __init__(self, params, lr):
        self.params = list(params)  # model.parameters() is a generator: keep a list
        if not self.params:
            raise ValueError("the optimiser got an empty parameter list")
        if lr < 0:
            raise ValueError(f"invalid learning rate {lr}")
        self.lr = lr
        self.state = [{} for _ in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with torch.no_grad():
            for p, state in zip(self.params, self.state):
                if p.grad is not None:  # a parameter without a gradient is left alone entirely
                    self.update(p, p.grad, state)

    def update(self, p, grad, state):
        raise NotImplementedError


class SGD(Optimiser):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr)
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay

    def update(self, p, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * p
        if self.momentum:
            previous = state.get("previous")
            state["previous"] = grad.clone()
            if previous is not None:
                grad = grad + self.momentum * previous  # momentum on the last step's gradient only
        p.sub_(self.lr * grad)


class Adam(Optimiser):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay

    def update(self, p, grad, state):
        if not state:
            state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
        state["t"] += 1
        t = state["t"]
        if self.weight_decay:
            if self.decoupled:
                p.mul_(1 - self.lr * self.weight_decay)  # AdamW: shrink the weights, outside the moments
            else:
                grad = grad + self.weight_decay * p  # Adam: L2 through the gradient
        state["m"].mul_(self.beta1).add_((1 - self.beta1) * grad)
        state["v"].mul_(self.beta2).add_((1 - self.beta2) * grad * grad)
        m_hat = state["m"] / (1 - self.beta1**t)
        v_hat = state["v"] / (1 - self.beta2**t)
        p.sub_(self.lr * m_hat / (v_hat.sqrt() + self.eps))


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


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
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for _ in range(steps):
        optimiser.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    model.eval()
    return model, losses
