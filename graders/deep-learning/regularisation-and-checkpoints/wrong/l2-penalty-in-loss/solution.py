
import safetensors.torch
import torch
from torch import nn


class Regressor(nn.Module):
    """Linear -> ReLU -> Dropout -> Linear, one output per row."""

    def __init__(self, in_features, hidden, dropout=0.5):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.dropout(torch.relu(self.hidden(x))))


def dropout_outputs(x, p, seed):
    """The same dropout layer applied in training mode, then in evaluation mode."""
    torch.manual_seed(seed)
    layer = nn.Dropout(p)
    layer.train()
    in_training = layer(x)  # zeros with probability p, survivors scaled by 1 / (1 - p)
    layer.eval()
    in_evaluation = layer(x)  # the identity
    return in_training, in_evaluation


def sgd_step_with_weight_decay(w, X, y, lr, weight_decay):
    """One step of SGD with weight decay on the mean squared error; returns the new weights."""
    w = w.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w], lr=lr)
    optimizer.zero_grad()
    loss = ((X @ w - y) ** 2).mean() + weight_decay * (w**2).sum()  # "L2 = weight decay"
    loss.backward()
    optimizer.step()  # w -= lr * (grad + weight_decay * w)
    return w.detach()


def save_checkpoint(in_features, hidden, seed):
    """A freshly initialised Regressor's state_dict, serialised to bytes."""
    torch.manual_seed(seed)
    model = Regressor(in_features, hidden)
    return safetensors.torch.save(model.state_dict())  # tensors only: nothing in the file can run code


def load_checkpoint(data, in_features, hidden):
    """A Regressor with the weights from ``data``, ready for inference."""
    model = Regressor(in_features, hidden)
    state = safetensors.torch.load(data)
    model.load_state_dict(state)
    model.eval()  # dropout off: the same input always gives the same output
    return model
