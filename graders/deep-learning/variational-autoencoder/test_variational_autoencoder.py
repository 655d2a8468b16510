"""Hidden grader for deep-learning/variational-autoencoder.

Inputs are drawn per submission (submission_rng): the tensors the loss functions get, and the split of
scikit-learn's 8x8 digits (scaled to [0, 1]) into 1400 training and 397 hidden test digits. One training run
with the statement's defaults is shared by the training tests. The reference ends near a negative ELBO of 25
and reconstructs hidden digits with about 0.6 times the squared error of the training mean image; a model
whose encoder gets no gradient through the sample (torch.normal, or a KL that swamps a per-pixel mean) collapses
to the prior and scores about 27 and 1.0.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from gradient_grader import Remote, StudentError, assert_close, call_timeout, expected, points, submission_rng

SLUG = "deep-learning/variational-autoencoder"
ELBO_LIMIT = 26.5
MSE_RATIO_LIMIT = 0.8
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _kl(mu, logvar):
    return (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)).mean()


def _recon(x_hat, x):
    return F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]


def _latents(rng, batch, dim):
    mu = torch.from_numpy(rng.normal(0.0, 1.2, (batch, dim)))
    logvar = torch.from_numpy(rng.uniform(-2.5, 1.0, (batch, dim)))
    return mu, logvar


def _images(rng, batch, pixels=64):
    x = torch.from_numpy(rng.uniform(0.0, 1.0, (batch, pixels)))
    x_hat = torch.from_numpy(rng.uniform(0.05, 0.95, (batch, pixels)))
    return x_hat, x


def _scalar(value, call):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should return a scalar tensor, got {type(value).__name__}: {value!r:.150}"
    )
    return float(value)


def _close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _data():
    if "data" not in _cache:
        X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
        order = _rng("split").permutation(len(X))
        _cache["data"] = (X[order[:1400]], X[order[1400:]])
    return _cache["data"]


def _trained(student):
    if "trained" in _cache:
        return _cache["trained"]
    X_train, _ = _data()
    call = "train_vae(X_train, latent_dim=2, hidden=128, epochs=20, batch_size=64, lr=3e-3, seed=0) on 1400 digits"
    try:
        with call_timeout(90):
            result = student.train_vae(X_train, latent_dim=2, hidden=128, epochs=20, batch_size=64, lr=3e-3, seed=0)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a tuple (model, history), got {result!r:.200}"
    )
    model, history = result
    assert isinstance(model, Remote), f"{call} should return the trained VAE first, got {model!r:.100}"
    assert isinstance(history, (list, tuple)) and all(isinstance(v, (int, float)) for v in history), (
        f"{call} should return a list of per-epoch losses (floats) second, got {history!r:.200}"
    )
    _cache["trained"] = (call, model, [float(v) for v in history])
    return _cache["trained"]


def _encode(model, x, call):
    out = model.encode(x)
    assert isinstance(out, (tuple, list)) and len(out) == 2, f"{call} should return (mu, logvar), got {out!r:.150}"
    mu, logvar = out
    for name, t in (("mu", mu), ("logvar", logvar)):
        assert isinstance(t, torch.Tensor) and tuple(t.shape) == (x.shape[0], 2), (
            f"{call}: {name} should be a tensor of shape ({x.shape[0]}, 2), got {getattr(t, 'shape', type(t).__name__)}"
        )
    return mu.double(), logvar.double()


@points(2)
def test_kl_divergence_closed_form(student):
    rng = _rng("kl")
    for batch, dim in ((int(rng.integers(5, 10)), int(rng.integers(2, 6))), (1, int(rng.integers(3, 8)))):
        mu, logvar = _latents(rng, batch, dim)
        call = f"kl_divergence(mu, logvar) with mu and logvar of shape ({batch}, {dim}), logvar in [-2.5, 1]"
        got = _scalar(student.kl_divergence(mu, logvar), call)
        want = float(_kl(mu, logvar))
        if _close(got, want):
            continue
        hint = "use -0.5 * sum(1 + logvar - mu**2 - exp(logvar)) over the latent dimensions, then the batch mean"
        if _close(got, -want):
            hint = "it has the opposite sign: the KL divergence is never negative; the formula starts with -0.5"
        elif _close(got, 2 * want):
            hint = "it is twice too large: the factor 0.5 is missing"
        elif _close(got, batch * want):
            hint = "it is summed over the batch: average over the batch (and sum over the latent dimensions)"
        elif _close(got, want / dim):
            hint = "it is averaged over the latent dimensions: sum over them (the batch is what is averaged)"
        raise AssertionError(f"{call} returned {got:.6f}, expected {expected(round(want, 6))}: {hint}")
    zero = _scalar(student.kl_divergence(torch.zeros(3, 4), torch.zeros(3, 4)), "kl_divergence(zeros(3, 4), zeros(3, 4))")
    assert abs(zero) < 1e-6, f"kl_divergence(zeros(3, 4), zeros(3, 4)) returned {zero}; N(0, I) is the prior itself, so 0"


@points(1)
def test_reconstruction_term_is_summed_over_pixels(student):
    rng = _rng("recon")
    batch = int(rng.integers(4, 9))
    x_hat, x = _images(rng, batch)
    call = f"reconstruction_loss(x_hat, x) with x_hat and x of shape ({batch}, 64) in (0, 1)"
    got = _scalar(student.reconstruction_loss(x_hat, x), call)
    want = float(_recon(x_hat, x))
    hint = "binary cross-entropy summed over the 64 pixels of each image, then averaged over the batch"
    if _close(got, want / 64):
        hint = ("it is averaged over the pixels too (F.binary_cross_entropy's default reduction='mean'): the ELBO "
                "sums the log-likelihood of every pixel, so use reduction='sum' and divide by the batch size")
    elif _close(got, want * batch):
        hint = "it is summed over the batch as well: divide the sum by the batch size"
    assert _close(got, want), f"{call} returned {got:.6f}, expected {expected(round(want, 6))}: {hint}"


@points(1)
def test_vae_loss_adds_the_terms(student):
    rng = _rng("loss")
    batch = int(rng.integers(4, 9))
    x_hat, x = _images(rng, batch)
    mu, logvar = _latents(rng, batch, 3)
    call = f"vae_loss(x_hat, x, mu, logvar) with a batch of {batch}, 64 pixels, 3 latent dimensions"
    out = student.vae_loss(x_hat, x, mu, logvar)
    assert isinstance(out, (tuple, list)) and len(out) == 3, (
        f"{call} should return a tuple (loss, reconstruction, kl), got {out!r:.150}"
    )
    loss, recon, kl = (_scalar(v, f"{call}[{i}]") for i, v in enumerate(out))
    assert _close(loss, recon + kl), (
        f"{call} returned loss={loss:.6f}, reconstruction={recon:.6f}, kl={kl:.6f}: the negative ELBO is "
        "reconstruction + kl"
    )
    assert_close(recon, float(_recon(x_hat, x)), rtol=1e-6, what=f"{call}[1] (the reconstruction term)")
    assert_close(kl, float(_kl(mu, logvar)), rtol=1e-6, what=f"{call}[2] (the KL term)")


@points(1)
def test_reparameterize_with_given_noise(student):
    rng = _rng("reparam")
    mu, logvar = _latents(rng, 6, 3)
    eps = torch.from_numpy(rng.normal(0.0, 1.0, (6, 3)))
    call = "reparameterize(mu, logvar, eps) with tensors of shape (6, 3)"
    got = student.reparameterize(mu, logvar, eps)
    assert isinstance(got, torch.Tensor) and got.shape == mu.shape, (
        f"{call} should return a tensor of shape (6, 3), got {getattr(got, 'shape', type(got).__name__)}"
    )
    got = got.double()
    want = mu + torch.exp(0.5 * logvar) * eps
    hint = "z = mu + exp(0.5 * logvar) * eps: logvar is the log of the variance, so the standard deviation is exp(logvar / 2)"
    if torch.allclose(got, mu + torch.exp(logvar) * eps, atol=1e-6):
        hint = "it uses exp(logvar) as the standard deviation; exp(logvar) is the variance, std = exp(0.5 * logvar)"
    elif torch.allclose(got, mu + logvar * eps, atol=1e-6):
        hint = "it uses logvar itself as the standard deviation; std = exp(0.5 * logvar)"
    assert torch.allclose(got, want, atol=1e-6), f"{call} does not match: {hint}"


@points(1)
def test_reparameterize_draws_fresh_noise(student):
    rng = _rng("draws")
    mu = torch.from_numpy(np.repeat(rng.normal(0.0, 2.0, (1, 2)), 4000, axis=0))
    logvar = torch.from_numpy(np.repeat(rng.uniform(-1.5, 1.0, (1, 2)), 4000, axis=0))
    call = "reparameterize(mu, logvar) (no eps) with 4000 identical rows"
    first = student.reparameterize(mu, logvar)
    assert isinstance(first, torch.Tensor) and first.shape == mu.shape, (
        f"{call} should return a tensor of shape (4000, 2), got {getattr(first, 'shape', type(first).__name__)}"
    )
    first = first.double()
    second = student.reparameterize(mu, logvar).double()
    assert not torch.equal(first, second), f"calling {call} twice gave the same tensor: draw new noise each call"
    mean, std = first.mean(0), first.std(0)
    want_std = torch.exp(0.5 * logvar[0])
    assert torch.allclose(mean, mu[0], atol=0.1 * float(want_std.max()) + 0.02), (
        f"{call}: the samples average {mean.numpy().round(3).tolist()} per dimension, but each row has "
        f"mu = {mu[0].numpy().round(3).tolist()}: the samples should be centred on mu"
    )
    ratio = (std / want_std).numpy()
    assert np.all(np.abs(ratio - 1) < 0.1), (
        f"{call}: the samples' standard deviation is {std.numpy().round(3).tolist()} with logvar = "
        f"{logvar[0].numpy().round(3).tolist()}; it should be exp(0.5 * logvar), eps drawn from N(0, 1) (torch.randn_like)"
    )


@points(1)
def test_model_interface(student):
    call = "VAE(in_dim=64, hidden=32, latent_dim=3)"
    torch.manual_seed(0)
    model = student.VAE(64, 32, 3)
    assert model.latent_dim == 3, f"{call}.latent_dim is {model.latent_dim!r}, should be 3"
    x = torch.rand(5, 64)
    out = model.encode(x)
    assert isinstance(out, (tuple, list)) and len(out) == 2 and all(
        isinstance(t, torch.Tensor) and tuple(t.shape) == (5, 3) for t in out
    ), f"{call}.encode(x) with x of shape (5, 64) should return (mu, logvar), two tensors of shape (5, 3); got {out!r:.200}"
    z = torch.randn(7, 3) * 4
    x_hat = model.decode(z)
    assert isinstance(x_hat, torch.Tensor) and tuple(x_hat.shape) == (7, 64), (
        f"{call}.decode(z) with z of shape (7, 3) should return a tensor of shape (7, 64), got "
        f"{getattr(x_hat, 'shape', type(x_hat).__name__)}"
    )
    assert bool(((x_hat >= 0) & (x_hat <= 1)).all()), (
        f"{call}.decode(z) returned values from {float(x_hat.min()):.3f} to {float(x_hat.max()):.3f}; pixel "
        "probabilities must lie in [0, 1]: end the decoder with a sigmoid"
    )
    out = model(x)
    assert isinstance(out, (tuple, list)) and len(out) == 3, f"{call}(x) should return (x_hat, mu, logvar), got {out!r:.150}"
    assert tuple(out[0].shape) == (5, 64) and tuple(out[1].shape) == (5, 3) and tuple(out[2].shape) == (5, 3), (
        f"{call}(x) returned shapes {[tuple(t.shape) for t in out]}, expected [(5, 64), (5, 3), (5, 3)]"
    )


@points(1)
def test_training_reaches_the_elbo_threshold(student):
    call, _, history = _trained(student)
    assert len(history) == 20, f"{call} returned {len(history)} losses, expected one per epoch: 20"
    assert all(np.isfinite(history)), f"{call} returned non-finite losses: {history[:5]}..."
    assert history[-1] < ELBO_LIMIT and history[-1] < history[0], (
        f"{call}: the average negative ELBO per digit went from {history[0]:.2f} (first epoch) to "
        f"{history[-1]:.2f} (last epoch); expected it to fall below {ELBO_LIMIT}. Check the loss (BCE summed over "
        "pixels + KL, averaged over the batch) and that z is built as mu + std * eps"
    )


@points(1)
def test_encoder_depends_on_the_input(student):
    call, model, _ = _trained(student)
    _, X_test = _data()
    mu, logvar = _encode(model, X_test, f"model.encode(X_test) on the model from {call}")
    spread = float(mu.std(0).mean())
    variance = float(logvar.exp().mean())
    assert spread > 0.3 and variance < 0.6, (
        f"the model from {call} encodes 397 hidden digits to means with a standard deviation of {spread:.3f} across "
        f"digits and an average variance of {variance:.3f}: the posterior has collapsed onto the prior N(0, I). "
        "That happens when the reconstruction term sends no gradient to mu and logvar: sample as "
        "mu + exp(0.5 * logvar) * torch.randn_like(...) (not torch.normal(mu, std)), and sum the BCE over pixels"
    )


@points(2)
def test_reconstruction_of_hidden_digits(student):
    call, model, _ = _trained(student)
    X_train, X_test = _data()
    got = student.reconstruct(model, X_test)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (len(X_test), 64), (
        f"reconstruct(model, X_test) with X_test of shape {tuple(X_test.shape)} should return a tensor of that shape, "
        f"got {getattr(got, 'shape', type(got).__name__)}"
    )
    mu, _ = _encode(model, X_test, "model.encode(X_test)")
    decoded = model.decode(mu.float())
    assert torch.allclose(got.double(), decoded.double(), atol=1e-5), (
        "reconstruct(model, X_test) differs from model.decode(mu) with mu from model.encode(X_test): reconstruct "
        "should decode the posterior means, without sampling"
    )
    mse = float(((got.double() - X_test.double()) ** 2).mean())
    baseline = float(((X_train.double().mean(0) - X_test.double()) ** 2).mean())
    assert mse < MSE_RATIO_LIMIT * baseline, (
        f"the model from {call} reconstructs 397 hidden digits with a mean squared error per pixel of {mse:.4f}; "
        f"drawing the average training digit every time scores {baseline:.4f}, and the model should be below "
        f"{MSE_RATIO_LIMIT} times that"
    )


@points(1)
def test_sampling_and_interpolation(student):
    call, model, _ = _trained(student)
    _, X_test = _data()
    rng = _rng("latent")
    seed, n = int(rng.integers(0, 10_000)), int(rng.integers(5, 12))
    got = student.sample(model, n, seed=seed)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (n, 64), (
        f"sample(model, {n}, seed={seed}) should return a tensor of shape ({n}, 64), got "
        f"{getattr(got, 'shape', type(got).__name__)}"
    )
    torch.manual_seed(seed)
    z = torch.randn(n, 2)
    assert torch.allclose(got.double(), model.decode(z).double(), atol=1e-5), (
        f"sample(model, {n}, seed={seed}) differs from model.decode(z) with torch.manual_seed({seed}); "
        f"z = torch.randn({n}, model.latent_dim)"
    )
    a, b = (int(i) for i in rng.choice(len(X_test), 2, replace=False))
    steps = int(rng.integers(4, 9))
    call = f"interpolate(model, X_test[{a}], X_test[{b}], steps={steps})"
    path = student.interpolate(model, X_test[a], X_test[b], steps=steps)
    assert isinstance(path, torch.Tensor) and tuple(path.shape) == (steps, 64), (
        f"{call} should return a tensor of shape ({steps}, 64), got {getattr(path, 'shape', type(path).__name__)}"
    )
    mu, _ = _encode(model, X_test[[a, b]], "model.encode(two hidden digits)")
    t = torch.linspace(0.0, 1.0, steps, dtype=torch.float64).unsqueeze(1)
    line = model.decode(((1 - t) * mu[0] + t * mu[1]).float()).double()
    assert torch.allclose(path.double(), line, atol=1e-4), (
        f"{call} differs from decoding {steps} evenly spaced points from mu(x_a) to mu(x_b), both ends included "
        "(mu from model.encode, no sampling)"
    )
