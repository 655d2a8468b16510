import torch


def derivative(x):
    """The gradient of sum(f(x)) is f'(x) element by element, since each term depends on one element."""
    x = x.detach().clone().requires_grad_(True)
    (x**2 * torch.sin(x)).sum().backward()
    return x.grad


def linear_regression_grads(X, y, w, b):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    return w.grad, b.grad


def sgd_steps(X, y, lr, steps):
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((X @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():  # the update itself must not become part of the graph
            w -= lr * w.grad
            b -= lr * b.grad
    return torch.cat([w, b]).detach(), losses


def accumulated_gradient(X, y, w, chunk_size):
    w = w.detach().clone().requires_grad_(True)
    n = X.shape[0]
    for start in range(0, n, chunk_size):
        chunk, target = X[start:start + chunk_size], y[start:start + chunk_size]
        # Sum of squared errors over the chunk divided by the FULL batch size: the chunks then add up
        # to the full-batch mean, whatever their sizes.
        loss = ((chunk @ w - target) ** 2).sum() / n
        loss.backward()
    return w.grad


def normalised_gradient(x, c):
    x = x.detach().clone().requires_grad_(True)
    u = x / x.norm().detach()  # the norm is a constant to autograd
    (u * c).sum().backward()
    return x.grad
