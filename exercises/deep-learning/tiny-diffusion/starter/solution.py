"""A tiny denoising diffusion model (DDPM) on 2-D points, in PyTorch.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Timesteps are indices 0 .. T-1 throughout.
"""

import math  # noqa: F401  (useful for a sinusoidal embedding)

import torch
import torch.nn.functional as F  # noqa: F401
from torch import nn


class Diffusion:
    """The noise schedule, the forward process and one reverse step."""

    def __init__(self, T=100, beta_start=1e-3, beta_end=0.1):
        self.T = T
        # self.betas, self.alphas, self.alpha_bars: float tensors of shape (T,)
        raise NotImplementedError("Diffusion.__init__ is not written yet")

    def q_sample(self, x0, t, noise):
        """x_t = sqrt(alpha_bars[t]) * x0 + sqrt(1 - alpha_bars[t]) * noise; t is a LongTensor, one index per row."""
        raise NotImplementedError("q_sample is not written yet")

    def forward_step(self, x_prev, t, noise):
        """One noising step (t an int): sqrt(alphas[t]) * x_prev + sqrt(betas[t]) * noise."""
        raise NotImplementedError("forward_step is not written yet")

    def p_step(self, x_t, t, eps_pred, noise):
        """One ancestral sampling step at index t (an int), from x_t to the next, less noisy x."""
        raise NotImplementedError("p_step is not written yet")

    def loss(self, model, x0, t=None, noise=None):
        """MSE between model(q_sample(x0, t, noise), t) and noise; draw t and noise when they are None."""
        raise NotImplementedError("loss is not written yet")


class NoisePredictor(nn.Module):
    """An MLP eps_theta(x_t, t): (batch, 2) points and (batch,) timesteps -> (batch, 2) predicted noise."""

    def __init__(self, hidden=64, emb_dim=16):
        super().__init__()
        raise NotImplementedError("NoisePredictor.__init__ is not written yet")

    def forward(self, x, t):
        raise NotImplementedError("NoisePredictor.forward is not written yet")


def train_diffusion(X, T=100, steps=500, batch_size=128, lr=5e-3, seed=0):
    """Train a NoisePredictor on the rows of X; return (model in eval mode, diffusion, [loss per step])."""
    raise NotImplementedError("train_diffusion is not written yet")


def sample(model, diffusion, n, seed=0):
    """torch.manual_seed(seed); x ~ N(0, I) of shape (n, 2); p_step for t = T-1 down to 0; return x."""
    raise NotImplementedError("sample is not written yet")


if __name__ == "__main__":
    angles = torch.arange(8) * (2 * math.pi / 8)
    centres = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)
    X = centres[torch.randint(0, 8, (2000,))] + 0.1 * torch.randn(2000, 2)
    model, diffusion, losses = train_diffusion(X)
    points = sample(model, diffusion, 1000)
    nearest = torch.cdist(points, centres).min(dim=1).values
    print("share of samples within 0.5 of a centre:", float((nearest < 0.5).float().mean()))
