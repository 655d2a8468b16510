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
    return product.float().cpu(), str(product.dtype)


class AmpNet(nn.Module):
    def __init__(self, in_features, hidden):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def train_amp(X, y, steps=200, lr=0.01, seed=0):
    device = pick_device()
    dtype = amp_dtype(device)
    torch.manual_seed(seed)
    X, y = X.to(device), y.to(device)
    model = AmpNet(X.shape[1], 32).to(device)  # the weights stay float32 ("master weights")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # float16 gradients can underflow to zero: scale the loss up before backward, unscale before the step.
    # bfloat16 has float32's range, so on the CPU the scaler is switched off (it then passes values through).
    scaler = torch.amp.GradScaler(device, enabled=(device == "cuda"))
    losses = []
    output_dtype = None
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(X)
        output_dtype = str(out.dtype)
        loss = nn.functional.mse_loss(out.float(), y)  # the loss itself in float32
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    report = {
        "device": device,
        "output_dtype": output_dtype,
        "param_dtype": str(model.fc1.weight.dtype),
        "grad_dtype": str(model.fc1.weight.grad.dtype),
        "scaler_enabled": scaler.is_enabled(),
        "losses": losses,
    }
    model.to("cpu").eval()
    return model, report
