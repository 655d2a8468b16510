"""Hidden grader for deep-learning/tiny-diffusion.

Inputs are drawn per submission (submission_rng): schedule sizes, the tensors the forward and reverse steps
get, and the training data, a mixture of four Gaussians (std 0.1) around a ring of radius 2 with jittered,
rotated centres. One training run with the statement's defaults is shared by the last two tests. The
reference's samples land within 0.5 of a centre over 90% of the time, with every component drawn; a model
trained to predict x_0 while the sampler treats its output as noise lands there well under 5% of the time.
"""

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import Remote, StudentError, assert_close, call_timeout, expected, points, submission_rng

SLUG = "deep-learning/tiny-diffusion"
TRAIN = dict(T=100, steps=500, batch_size=128, lr=5e-3, seed=0)
NEAR, SHARE_LIMIT, COMPONENT_LIMIT = 0.5, 0.6, 0.08
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _schedule(T, beta_start, beta_end):
    betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    alphas = 1 - betas
    return betas, alphas, torch.cumprod(alphas, dim=0)


def _tensor(value, call, shape):
    assert isinstance(value, torch.Tensor) and tuple(value.shape) == tuple(shape), (
        f"{call} should be a tensor of shape {tuple(shape)}, got {getattr(value, 'shape', type(value).__name__)}"
    )
    return value.double()


def _diffusion(student, T, beta_start, beta_end):
    call = f"Diffusion(T={T}, beta_start={beta_start:.5f}, beta_end={beta_end:.4f})"
    return call, student.Diffusion(T, beta_start, beta_end)


def _mixture():
    if "mixture" not in _cache:
        rng = _rng("data")
        angles = rng.uniform(0, 2 * np.pi) + np.arange(4) * np.pi / 2 + rng.uniform(-0.25, 0.25, 4)
        centres = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], axis=1)
        labels = rng.integers(0, 4, 2000)
        X = centres[labels] + rng.normal(0, 0.1, (2000, 2))
        _cache["mixture"] = torch.tensor(X, dtype=torch.float32), torch.tensor(centres, dtype=torch.float32)
    return _cache["mixture"]


def _trained(student):
    if "trained" in _cache:
        return _cache["trained"]
    X, _ = _mixture()
    call = "train_diffusion(X, T=100, steps=500, batch_size=128, lr=5e-3, seed=0) on 2000 points from 4 Gaussians"
    try:
        with call_timeout(120):
            result = student.train_diffusion(X, **TRAIN)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(result, (tuple, list)) and len(result) == 3, (
        f"{call} should return a tuple (model, diffusion, losses), got {result!r:.200}"
    )
    model, diffusion, losses = result
    assert isinstance(model, Remote) and isinstance(diffusion, Remote), (
        f"{call} should return the trained NoisePredictor and its Diffusion first, got {model!r:.80}, {diffusion!r:.80}"
    )
    assert isinstance(losses, (list, tuple)) and all(isinstance(v, (int, float)) for v in losses), (
        f"{call} should return a list of per-step losses (floats) third, got {losses!r:.200}"
    )
    _cache["trained"] = (call, model, diffusion, [float(v) for v in losses])
    return _cache["trained"]


@points(2)
def test_linear_schedule(student):
    rng = _rng("schedule")
    T = int(rng.integers(20, 200))
    beta_start, beta_end = float(rng.uniform(1e-4, 2e-3)), float(rng.uniform(0.02, 0.2))
    call, diffusion = _diffusion(student, T, beta_start, beta_end)
    betas, alphas, alpha_bars = _schedule(T, beta_start, beta_end)
    assert diffusion.T == T, f"{call}.T is {diffusion.T!r}, should be {T}"
    got_b = _tensor(diffusion.betas, f"{call}.betas", (T,))
    assert_close(got_b, betas, rtol=1e-5, atol=1e-7, what=f"{call}.betas (T values from beta_start to beta_end, both included)")
    got_a = _tensor(diffusion.alphas, f"{call}.alphas", (T,))
    assert_close(got_a, alphas, rtol=1e-5, atol=1e-7, what=f"{call}.alphas (1 - betas)")
    got_ab = _tensor(diffusion.alpha_bars, f"{call}.alpha_bars", (T,))
    if not torch.allclose(got_ab, alpha_bars, rtol=1e-4, atol=1e-7):
        hint = "alpha_bars[t] is the product alphas[0] * ... * alphas[t] (torch.cumprod), so alpha_bars[0] = alphas[0]"
        if torch.allclose(got_ab, alphas, rtol=1e-4):
            hint = "it equals alphas: alpha_bars is their cumulative product (torch.cumprod)"
        elif torch.allclose(got_ab[1:], alpha_bars[:-1], rtol=1e-4):
            hint = "it is shifted by one step (alpha_bars[t] should include alphas[t] itself)"
        raise AssertionError(f"{call}.alpha_bars is wrong: {hint}")


@points(1)
def test_q_sample_closed_form(student):
    rng = _rng("q_sample")
    T = int(rng.integers(30, 120))
    call, diffusion = _diffusion(student, T, 1e-3, 0.1)
    _, alphas, alpha_bars = _schedule(T, 1e-3, 0.1)
    n = int(rng.integers(6, 12))
    x0 = torch.from_numpy(rng.normal(0, 1.5, (n, 2)))
    t = torch.from_numpy(rng.integers(0, T, n))
    noise = torch.from_numpy(rng.normal(0, 1, (n, 2)))
    call = f"{call}.q_sample(x0, t, noise) with {n} points and t = {t.tolist()}"
    got = _tensor(diffusion.q_sample(x0, t, noise), call, (n, 2))
    a_bar = alpha_bars[t].unsqueeze(1)
    want = a_bar.sqrt() * x0 + (1 - a_bar).sqrt() * noise
    if not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
        a = alphas[t].unsqueeze(1)
        hint = "x_t = sqrt(alpha_bars[t]) * x0 + sqrt(1 - alpha_bars[t]) * noise, one t per row"
        if torch.allclose(got, a.sqrt() * x0 + (1 - a).sqrt() * noise, rtol=1e-4, atol=1e-5):
            hint = ("it uses alphas[t], the one-step factor; jumping from x_0 straight to x_t takes the cumulative "
                    "product alpha_bars[t]")
        raise AssertionError(f"{call} does not match the closed form: {hint}")


@points(1)
def test_forward_step(student):
    rng = _rng("forward_step")
    T = int(rng.integers(30, 120))
    call, diffusion = _diffusion(student, T, 1e-3, 0.1)
    betas, alphas, _ = _schedule(T, 1e-3, 0.1)
    x_prev = torch.from_numpy(rng.normal(0, 1, (8, 2)))
    noise = torch.from_numpy(rng.normal(0, 1, (8, 2)))
    t = int(rng.integers(1, T))
    call = f"{call}.forward_step(x_prev, {t}, noise) with 8 points"
    got = _tensor(diffusion.forward_step(x_prev, t, noise), call, (8, 2))
    want = alphas[t].sqrt() * x_prev + betas[t].sqrt() * noise
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (
        f"{call} does not match one noising step: x_t = sqrt(alphas[t]) * x_prev + sqrt(betas[t]) * noise"
    )


@points(1)
def test_closed_form_matches_iterated_steps(student):
    rng = _rng("iterate")
    T = 40
    call, diffusion = _diffusion(student, T, 1e-3, 0.1)
    _, _, alpha_bars = _schedule(T, 1e-3, 0.1)
    point = rng.normal(0, 1.5, 2)
    x0 = torch.from_numpy(np.repeat(point[None, :], 4000, axis=0))
    t = int(rng.integers(8, T))
    x = x0
    for step in range(t + 1):
        x = _tensor(diffusion.forward_step(x, step, torch.from_numpy(rng.normal(0, 1, (4000, 2)))), "forward_step", (4000, 2))
    jumped = _tensor(
        diffusion.q_sample(x0, torch.full((4000,), t, dtype=torch.long), torch.from_numpy(rng.normal(0, 1, (4000, 2)))),
        "q_sample", (4000, 2),
    )
    mean, std = float(alpha_bars[t].sqrt()) * torch.from_numpy(point), float((1 - alpha_bars[t]).sqrt())
    where = f"x_0 = {np.round(point, 3).tolist()} repeated 4000 times, {call}"
    for name, samples in ((f"forward_step for steps 0..{t}", x), (f"q_sample(x0, t={t}, noise)", jumped)):
        m, s = samples.mean(0), samples.std(0)
        ok = bool(((m - mean).abs() < 0.08 + 0.1 * std).all() and ((s / std) - 1).abs().max() < 0.08)
        assert ok, (
            f"{where}: {name} gives points with mean {m.numpy().round(3).tolist()} and standard deviation "
            f"{s.numpy().round(3).tolist()}; applying steps 0..t one at a time and jumping with q_sample should both "
            "give N(sqrt(alpha_bars[t]) * x0, (1 - alpha_bars[t]) I)"
        )


@points(2)
def test_reverse_step(student):
    rng = _rng("p_step")
    T = int(rng.integers(30, 120))
    call, diffusion = _diffusion(student, T, 1e-3, 0.1)
    betas, alphas, alpha_bars = _schedule(T, 1e-3, 0.1)
    x_t = torch.from_numpy(rng.normal(0, 1, (8, 2)))
    eps = torch.from_numpy(rng.normal(0, 1, (8, 2)))
    noise = torch.from_numpy(rng.normal(0, 1, (8, 2)))

    def ddpm(i, add_noise):
        mean = (x_t - betas[i] / (1 - alpha_bars[i]).sqrt() * eps) / alphas[i].sqrt()
        return mean + betas[i].sqrt() * noise if add_noise else mean

    for t in (int(rng.integers(2, T - 1)), T - 1, 1, 0):
        what = f"{call}.p_step(x_t, {t}, eps_pred, noise) with 8 points"
        got = _tensor(diffusion.p_step(x_t, t, eps, noise), what, (8, 2))
        want = ddpm(t, t > 0)
        if torch.allclose(got, want, rtol=1e-4, atol=1e-5):
            continue
        hint = ("mean = (x_t - betas[t] / sqrt(1 - alpha_bars[t]) * eps_pred) / sqrt(alphas[t]), plus "
                "sqrt(betas[t]) * noise except at t = 0")
        if t > 0 and torch.allclose(got, ddpm(t - 1, True), rtol=1e-4, atol=1e-5):
            hint = "it uses the coefficients of index t - 1: step t uses betas[t], alphas[t] and alpha_bars[t]"
        elif t < T - 1 and torch.allclose(got, ddpm(t + 1, t + 1 > 0), rtol=1e-4, atol=1e-5):
            hint = "it uses the coefficients of index t + 1: step t uses betas[t], alphas[t] and alpha_bars[t]"
        elif t == 0 and torch.allclose(got, ddpm(0, True), rtol=1e-4, atol=1e-5):
            hint = "at t = 0 (the last step) no noise is added: return the mean"
        elif t > 0 and torch.allclose(got, ddpm(t, False), rtol=1e-4, atol=1e-5):
            hint = "no noise was added: for t > 0 add sqrt(betas[t]) * noise to the mean"
        raise AssertionError(f"{what} does not match the DDPM update: {hint}")


@points(1)
def test_loss_targets_the_noise(student):
    rng = _rng("loss")
    torch.manual_seed(0)
    model = student.NoisePredictor()
    call, diffusion = _diffusion(student, 100, 1e-3, 0.1)
    _, _, alpha_bars = _schedule(100, 1e-3, 0.1)
    x0 = torch.from_numpy(rng.normal(0, 1.5, (16, 2))).float()
    t = torch.from_numpy(rng.integers(0, 100, 16))
    noise = torch.from_numpy(rng.normal(0, 1, (16, 2))).float()
    what = f"{call}.loss(model, x0, t, noise) with a fresh NoisePredictor() and 16 points"
    got = float(diffusion.loss(model, x0, t, noise))
    a_bar = alpha_bars[t].unsqueeze(1)
    x_t = (a_bar.sqrt() * x0 + (1 - a_bar).sqrt() * noise).float()
    pred = model(x_t, t).double()
    want = float(F.mse_loss(pred, noise.double()))
    if abs(got - want) > 1e-4 * max(1.0, want):
        hint = "the loss is the mean squared error between model(q_sample(x0, t, noise), t) and noise"
        if abs(got - float(F.mse_loss(pred, x0.double()))) < 1e-4 * max(1.0, want):
            hint = ("it compares the prediction with x0; this model predicts the NOISE (the sampler's update assumes "
                    "it), so the target is noise")
        raise AssertionError(f"{what} returned {got:.6f}, expected {expected(round(want, 6))}: {hint}")


@points(1)
def test_noise_predictor_uses_the_timestep(student):
    torch.manual_seed(1)
    model = student.NoisePredictor()
    x = torch.randn(6, 2)
    call = "NoisePredictor()(x, t) with x of shape (6, 2)"
    early = _tensor(model(x, torch.zeros(6, dtype=torch.long)), f"{call} and t = zeros(6)", (6, 2))
    late = _tensor(model(x, torch.full((6,), 70, dtype=torch.long)), f"{call} and t = 70 for every row", (6, 2))
    assert not torch.allclose(early, late, atol=1e-6), (
        f"{call} gives the same output for t = 0 and t = 70: the network must see the timestep (an embedding of t "
        "concatenated with x), since the noise level differs from step to step"
    )


@points(1)
def test_training_loss_falls(student):
    call, _, _, losses = _trained(student)
    assert len(losses) == 500, f"{call} returned {len(losses)} losses, expected one per step: 500"
    assert all(np.isfinite(losses)), f"{call} returned non-finite losses: {losses[:5]}..."
    first, last = float(np.mean(losses[:50])), float(np.mean(losses[-100:]))
    assert last < 0.5 and last < first, (
        f"{call}: the loss averaged {first:.3f} over the first 50 steps and {last:.3f} over the last 100; expected "
        "the last below 0.5. Check the target (the noise), q_sample and the optimiser loop"
    )


@points(2)
def test_samples_land_near_the_data(student):
    call, model, diffusion, _ = _trained(student)
    _, centres = _mixture()
    seed = int(_rng("sample").integers(0, 10_000))
    what = f"sample(model, diffusion, 1000, seed={seed}) after {call}"
    with call_timeout(60):
        points_ = _tensor(student.sample(model, diffusion, 1000, seed=seed), what, (1000, 2)).float()
    assert torch.isfinite(points_).all(), f"{what} returned non-finite points"
    distance, nearest = torch.cdist(points_, centres).min(dim=1)
    share = float((distance < NEAR).float().mean())
    counts = np.bincount(nearest[distance < NEAR].numpy(), minlength=4) / 1000
    assert share >= SHARE_LIMIT, (
        f"{what}: {share:.1%} of the samples lie within {NEAR} of a mixture centre (expected at least "
        f"{SHARE_LIMIT:.0%}); their mean is {points_.mean(0).numpy().round(2).tolist()} and standard deviation "
        f"{points_.std(0).numpy().round(2).tolist()}. Check the sampler: start from N(0, I), run p_step for "
        "t = T-1 down to 0 with model(x, t) as eps_pred"
    )
    assert counts.min() >= COMPONENT_LIMIT, (
        f"{what}: the four mixture components receive {np.round(counts, 3).tolist()} of the samples; every "
        f"component should get at least {COMPONENT_LIMIT:.0%}"
    )
