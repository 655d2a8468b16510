import torch
from torch import nn


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def amp_dtype(device):
    """float16 on CUDA GPUs; bfloat16 on the CPU (which does not do float16 autocast well)."""
    return torch.float16 if device == "cuda" else torch.bfloat16


def autocast_matmul(a, b):
    device = pick_device()
    a, b = a.to(device), b.to(device)
    product = a @ b
    return product.cpu()  # moved, not converted: its dtype is autocast's


class AmpNet(nn.Module):
    def __init__(self, in_features, hidden):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def amp_forward(model, x):
    device = pick_device()
    model.to(device)  # the weights stay float32: autocast lowers the operations, not the parameters
    with torch.no_grad():
        out = model(x.to(device))
    model.to("cpu")
    return out.cpu()


def train_amp(model, X, y, steps=200, lr=0.01):
    device = pick_device()
    dtype = amp_dtype(device)
    X, y = X.to(device), y.to(device)
    model.to(device).train()  # float32 "master weights"
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # float16 gradients can underflow to zero: scale the loss up before backward, unscale before the step.
    # bfloat16 has float32's range, so on the CPU the scaler is switched off (it then passes values through).
    scaler = torch.amp.GradScaler(device, enabled=(device == "cuda"))
    losses, first_grad, output_dtype = [], None, None
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(X)
        output_dtype = str(out.dtype)
        loss = nn.functional.mse_loss(out.float(), y)  # the loss itself in float32
        scaler.scale(loss).backward()
        scaler.step(optimizer)  # unscales the gradients in place, then steps (or skips on inf/NaN)
        scaler.update()
        if first_grad is None:
            first_grad = model.fc1.weight.grad.detach().cpu().clone()
        losses.append(loss.item())
    model.to("cpu").eval()
    return {
        "device": device,
        "output_dtype": output_dtype,
        "param_dtype": str(model.fc1.weight.dtype),
        "first_grad": first_grad,
        "losses": losses,
    }
