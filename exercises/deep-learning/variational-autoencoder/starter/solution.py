"""A variational autoencoder on scikit-learn's 8x8 digits, in PyTorch.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import torch
import torch.nn.functional as F  # noqa: F401  (F.binary_cross_entropy is useful)
from torch import nn


def reparameterize(mu, logvar, eps=None):
    """Return z = mu + exp(0.5 * logvar) * eps; draw eps ~ N(0, I) (torch.randn_like) when it is None."""
    raise NotImplementedError("reparameterize is not written yet")


class VAE(nn.Module):
    """Encoder x -> (mu, logvar), decoder z -> pixel probabilities in [0, 1]."""

    def __init__(self, in_dim=64, hidden=128, latent_dim=2):
        super().__init__()
        self.latent_dim = latent_dim
        raise NotImplementedError("VAE.__init__ is not written yet")

    def encode(self, x):
        """Return (mu, logvar), each of shape (batch, latent_dim)."""
        raise NotImplementedError("VAE.encode is not written yet")

    def decode(self, z):
        """Return pixel probabilities of shape (batch, in_dim), each in [0, 1]."""
        raise NotImplementedError("VAE.decode is not written yet")

    def forward(self, x):
        """Return (x_hat, mu, logvar), with x_hat decoded from a reparameterised sample."""
        raise NotImplementedError("VAE.forward is not written yet")


def kl_divergence(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) in closed form: summed over latent dimensions, averaged over the batch."""
    raise NotImplementedError("kl_divergence is not written yet")


def reconstruction_loss(x_hat, x):
    """Binary cross-entropy summed over the pixels of each image, averaged over the batch."""
    raise NotImplementedError("reconstruction_loss is not written yet")


def vae_loss(x_hat, x, mu, logvar):
    """Return (negative ELBO, reconstruction term, KL term), three scalar tensors."""
    raise NotImplementedError("vae_loss is not written yet")


def train_vae(X, latent_dim=2, hidden=128, epochs=20, batch_size=64, lr=3e-3, seed=0):
    """Train a VAE with Adam on the rows of X; return (model in eval mode, [average negative ELBO per epoch])."""
    raise NotImplementedError("train_vae is not written yet")


def reconstruct(model, X):
    """Return model.decode(mu) with mu the encoder's mean for each row of X (no sampling)."""
    raise NotImplementedError("reconstruct is not written yet")


def sample(model, n, seed=0):
    """torch.manual_seed(seed), z = torch.randn(n, model.latent_dim); return model.decode(z)."""
    raise NotImplementedError("sample is not written yet")


def interpolate(model, x_a, x_b, steps=8):
    """Decode `steps` evenly spaced points from mu(x_a) to mu(x_b), both ends included: shape (steps, in_dim)."""
    raise NotImplementedError("interpolate is not written yet")


if __name__ == "__main__":
    from sklearn.datasets import load_digits

    X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
    model, history = train_vae(X[:1400])
    print("negative ELBO, first and last epoch:", round(history[0], 2), round(history[-1], 2))
    print("held-out reconstruction term:", float(reconstruction_loss(reconstruct(model, X[1400:]), X[1400:])))
