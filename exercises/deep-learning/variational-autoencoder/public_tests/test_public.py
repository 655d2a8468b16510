"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and the model's shapes. The hidden grader checks more (generated tensors,
training on the digits, reconstruction of hidden digits, sampling and interpolation).
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import VAE, kl_divergence, reconstruction_loss, reparameterize, vae_loss  # noqa: E402


def test_statement_kl_examples():
    got = float(kl_divergence(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.zeros(2, 2)))
    assert math.isclose(got, 0.25, abs_tol=1e-6), f"kl_divergence(...) returned {got}, expected 0.25 (0.5 and 0, averaged)"
    got = float(kl_divergence(torch.zeros(1, 1), torch.log(torch.tensor([[4.0]]))))
    want = -0.5 * (1 + math.log(4.0) - 4.0)
    assert math.isclose(got, want, abs_tol=1e-5), f"kl_divergence(0, ln 4) returned {got}, expected {want:.4f}"
    got = float(kl_divergence(torch.zeros(3, 5), torch.zeros(3, 5)))
    assert abs(got) < 1e-7, f"the KL divergence of N(0, I) from itself should be 0, got {got}"


def test_statement_reconstruction_example():
    got = float(reconstruction_loss(torch.tensor([[0.5, 0.5]]), torch.tensor([[1.0, 0.0]])))
    assert math.isclose(got, 2 * math.log(2), abs_tol=1e-5), (
        f"reconstruction_loss returned {got}, expected 1.3863: binary cross-entropy SUMMED over the two pixels"
    )
    batch = torch.tensor([[0.5, 0.5], [0.5, 0.5]]), torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    got = float(reconstruction_loss(*batch))
    assert math.isclose(got, 2 * math.log(2), abs_tol=1e-5), f"a batch of two such images gave {got}: average over the batch"


def test_vae_loss_is_the_sum_of_its_terms():
    x_hat, x = torch.full((2, 3), 0.25), torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    mu, logvar = torch.tensor([[1.0, -1.0], [0.5, 0.0]]), torch.tensor([[0.0, 0.5], [-1.0, 0.0]])
    loss, recon, kl = vae_loss(x_hat, x, mu, logvar)
    assert math.isclose(float(loss), float(recon) + float(kl), rel_tol=1e-6), "the loss should be reconstruction + kl"
    assert math.isclose(float(recon), float(reconstruction_loss(x_hat, x)), rel_tol=1e-6)
    assert math.isclose(float(kl), float(kl_divergence(mu, logvar)), rel_tol=1e-6)


def test_statement_reparameterize_example():
    got = reparameterize(torch.tensor([[1.0, 2.0]]), torch.log(torch.tensor([[1.0, 4.0]])), torch.tensor([[0.5, -1.0]]))
    assert torch.allclose(got, torch.tensor([[1.5, 0.0]]), atol=1e-6), f"got {got.tolist()}, expected [[1.5, 0.0]] (std = [1, 2])"


def test_gradient_reaches_mu_and_logvar_through_the_sample():
    mu = torch.zeros(4, 2, requires_grad=True)
    logvar = torch.zeros(4, 2, requires_grad=True)
    reparameterize(mu, logvar).pow(2).sum().backward()
    assert mu.grad is not None and logvar.grad is not None and logvar.grad.abs().sum() > 0, (
        "no gradient reached mu and logvar through reparameterize(mu, logvar): build z as mu + std * eps"
    )


def test_model_shapes():
    torch.manual_seed(0)
    model = VAE(in_dim=10, hidden=16, latent_dim=3)
    assert model.latent_dim == 3
    x = torch.rand(4, 10)
    mu, logvar = model.encode(x)
    assert mu.shape == (4, 3) and logvar.shape == (4, 3), f"encode gave shapes {mu.shape}, {logvar.shape}"
    x_hat = model.decode(torch.randn(6, 3))
    assert x_hat.shape == (6, 10) and bool(((x_hat >= 0) & (x_hat <= 1)).all()), "decode should give (6, 10) probabilities"
    x_hat, mu, logvar = model(x)
    assert x_hat.shape == (4, 10) and mu.shape == (4, 3) and logvar.shape == (4, 3)
