"""A tiny denoising diffusion model (DDPM) on 2-D points: reference solution."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class Diffusion:
    """The noise schedule, the forward process and one reverse step; timesteps are indices 0 .. T-1."""

    def __init__(self, T=100, beta_start=1e-3, beta_end=0.1):
        self.T = T
        self.betas = torch.linspace(beta_start, beta_end, T)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)

    def q_sample(self, x0, t, noise):
        """x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) * noise, with t one index per row."""
        a_bar = self.alpha_bars.to(x0.dtype)[t].unsqueeze(-1)
        return a_bar.sqrt() * x0 + (1 - a_bar).sqrt() * noise

    def forward_step(self, x_prev, t, noise):
        """One noising step: x_t = sqrt(alpha_t) * x_{t-1} + sqrt(beta_t) * noise (t an int)."""
        return self.alphas[t].to(x_prev.dtype).sqrt() * x_prev + self.betas[t].to(x_prev.dtype).sqrt() * noise

    def p_step(self, x_t, t, eps_pred, noise):
        """One ancestral sampling step from index t to t-1, with sigma_t^2 = beta_t; no noise at t = 0."""
        beta, alpha, a_bar = (v[t].to(x_t.dtype) for v in (self.betas, self.alphas, self.alpha_bars))
        mean = (x_t - beta / (1 - a_bar).sqrt() * eps_pred) / alpha.sqrt()
        return mean + beta.sqrt() * noise if t > 0 else mean

    def loss(self, model, x0, t=None, noise=None):
        """Mean squared error between the true noise and model(x_t, t)."""
        if t is None:
            t = torch.randint(0, self.T, (x0.shape[0],))
        if noise is None:
            noise = torch.randn_like(x0)
        return F.mse_loss(model(self.q_sample(x0, t, noise), t), x0)  # target: the clean point


class NoisePredictor(nn.Module):
    """An MLP eps_theta(x_t, t) with a sinusoidal timestep embedding."""

    def __init__(self, hidden=64, emb_dim=16):
        super().__init__()
        self.emb_dim = emb_dim
        self.net = nn.Sequential(
            nn.Linear(2 + emb_dim, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, 2),
        )

    def embed(self, t):
        half = self.emb_dim // 2
        freqs = torch.exp(-math.log(1000.0) * torch.arange(half) / half)
        angles = t.float().unsqueeze(-1) * freqs
        return torch.cat([angles.sin(), angles.cos()], dim=-1)

    def forward(self, x, t):
        t = torch.as_tensor(t).expand(x.shape[0]) if torch.as_tensor(t).dim() == 0 else t
        return self.net(torch.cat([x.float(), self.embed(t)], dim=-1))


def train_diffusion(X, T=100, steps=500, batch_size=128, lr=5e-3, seed=0):
    """Train a NoisePredictor on the rows of X; return (model in eval mode, diffusion, [loss per step])."""
    torch.manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32)
    diffusion = Diffusion(T)
    model = NoisePredictor()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        batch = X[torch.randint(0, len(X), (batch_size,))]
        optimizer.zero_grad()
        loss = diffusion.loss(model, batch)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return model, diffusion, losses


@torch.no_grad()
def sample(model, diffusion, n, seed=0):
    """Ancestral sampling: x_{T-1} ~ N(0, I), then p_step for t = T-1, ..., 0; returns x_0 of shape (n, 2)."""
    torch.manual_seed(seed)
    x = torch.randn(n, 2)
    for t in range(diffusion.T - 1, -1, -1):
        eps_pred = model(x, torch.full((n,), t, dtype=torch.long))
        x = diffusion.p_step(x, t, eps_pred, torch.randn_like(x))
    return x


if __name__ == "__main__":
    angles = torch.arange(8) * (2 * math.pi / 8)
    centres = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)
    X = centres[torch.randint(0, 8, (2000,))] + 0.1 * torch.randn(2000, 2)
    model, diffusion, losses = train_diffusion(X)
    points = sample(model, diffusion, 1000)
    nearest = torch.cdist(points, centres).min(dim=1).values
    print("final loss:", round(sum(losses[-100:]) / 100, 4), "share within 0.4 of a centre:", float((nearest < 0.4).float().mean()))
