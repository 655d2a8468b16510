"""A variational autoencoder on 8x8 digits: reference solution."""

import torch
import torch.nn.functional as F
from torch import nn


def reparameterize(mu, logvar, eps=None):
    """z = mu + exp(0.5 * logvar) * eps, with eps ~ N(0, I) drawn when not given."""
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + std * eps


class VAE(nn.Module):
    def __init__(self, in_dim=64, hidden=128, latent_dim=2):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU())
        self.mu_head = nn.Linear(hidden, latent_dim)
        self.logvar_head = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, in_dim), nn.Sigmoid()
        )

    def encode(self, x):
        h = self.encoder(x)
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar


def kl_divergence(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)), summed over latent dimensions, averaged over the batch."""
    return (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)).mean()


def reconstruction_loss(x_hat, x):
    """Binary cross-entropy summed over pixels, averaged over the batch."""
    return F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]


def vae_loss(x_hat, x, mu, logvar):
    """(negative ELBO, reconstruction term, KL term), each a scalar tensor."""
    recon = reconstruction_loss(x_hat, x)
    kl = kl_divergence(mu, logvar)
    return recon + kl, recon, kl


def train_vae(X, latent_dim=2, hidden=128, epochs=20, batch_size=64, lr=3e-3, seed=0):
    """Train a VAE with Adam; return (model in eval mode, [average negative ELBO per epoch])."""
    torch.manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32)
    model = VAE(X.shape[1], hidden, latent_dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = X[order[start:start + batch_size]]
            optimizer.zero_grad()
            x_hat, mu, logvar = model(batch)
            loss, _, _ = vae_loss(x_hat, batch, mu, logvar)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / len(X))
    model.eval()
    return model, history


@torch.no_grad()
def reconstruct(model, X):
    """Decode the posterior means: model.decode(mu) for each row of X (no sampling)."""
    mu, _ = model.encode(torch.as_tensor(X, dtype=torch.float32))
    return model.decode(mu)


@torch.no_grad()
def sample(model, n, seed=0):
    """n new images: decode z ~ N(0, I) drawn with torch.randn(n, model.latent_dim) after torch.manual_seed(seed)."""
    torch.manual_seed(seed)
    return model.decode(torch.randn(n, model.latent_dim))


@torch.no_grad()
def interpolate(model, x_a, x_b, steps=8):
    """Decode `steps` evenly spaced points on the line from mu(x_a) to mu(x_b), both ends included."""
    mu_a, _ = model.encode(torch.as_tensor(x_a, dtype=torch.float32).reshape(1, -1))
    mu_b, _ = model.encode(torch.as_tensor(x_b, dtype=torch.float32).reshape(1, -1))
    t = torch.linspace(0.0, 1.0, steps).unsqueeze(1)
    return model.decode((1 - t) * mu_a + t * mu_b)


if __name__ == "__main__":
    from sklearn.datasets import load_digits

    X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
    model, history = train_vae(X[:1500])
    print("negative ELBO, first and last epoch:", round(history[0], 2), round(history[-1], 2))
    error = reconstruction_loss(reconstruct(model, X[1500:]), X[1500:])
    print("held-out reconstruction BCE per digit:", round(float(error), 2))
