"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and the shapes. The hidden grader checks more (generated schedules and
tensors, the forward process in distribution, training and sampling on a mixture of Gaussians).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import Diffusion, NoisePredictor  # noqa: E402


def test_statement_schedule_example():
    d = Diffusion(T=4, beta_start=0.1, beta_end=0.4)
    assert torch.allclose(d.betas, torch.tensor([0.1, 0.2, 0.3, 0.4])), f"betas {d.betas.tolist()}"
    assert torch.allclose(d.alphas, torch.tensor([0.9, 0.8, 0.7, 0.6])), f"alphas {d.alphas.tolist()}"
    assert torch.allclose(d.alpha_bars, torch.tensor([0.9, 0.72, 0.504, 0.3024])), (
        f"alpha_bars {d.alpha_bars.tolist()}, expected the cumulative product [0.9, 0.72, 0.504, 0.3024]"
    )


def test_statement_q_sample_example():
    d = Diffusion(T=4, beta_start=0.1, beta_end=0.4)
    got = d.q_sample(torch.tensor([[1.0, 0.0]]), torch.tensor([1]), torch.tensor([[0.0, 1.0]]))
    want = torch.tensor([[0.72**0.5, 0.28**0.5]])
    assert torch.allclose(got, want, atol=1e-5), f"q_sample gave {got.tolist()}, expected {want.tolist()}"


def test_one_forward_step():
    d = Diffusion(T=4, beta_start=0.1, beta_end=0.4)
    got = d.forward_step(torch.tensor([[2.0, 0.0]]), 3, torch.tensor([[0.0, 1.0]]))
    want = torch.tensor([[2 * 0.6**0.5, 0.4**0.5]])
    assert torch.allclose(got, want, atol=1e-5), f"forward_step gave {got.tolist()}, expected {want.tolist()}"


def test_statement_p_step_example():
    d = Diffusion(T=4, beta_start=0.1, beta_end=0.4)
    got = d.p_step(torch.tensor([[1.0, 1.0]]), 0, torch.tensor([[0.3, 0.0]]), torch.tensor([[5.0, 5.0]]))
    want = torch.tensor([[(1 - 0.1 / 0.1**0.5 * 0.3) / 0.9**0.5, 1 / 0.9**0.5]])
    assert torch.allclose(got, want, atol=1e-4), f"p_step at t = 0 gave {got.tolist()}, expected {want.tolist()} (no noise)"


def test_noise_predictor_shapes():
    torch.manual_seed(0)
    model = NoisePredictor()
    out = model(torch.randn(5, 2), torch.tensor([0, 1, 2, 50, 99]))
    assert out.shape == (5, 2), f"NoisePredictor()(x, t) gave shape {tuple(out.shape)}, expected (5, 2)"


def test_loss_is_a_scalar():
    torch.manual_seed(0)
    d = Diffusion(T=10)
    loss = d.loss(NoisePredictor(), torch.randn(8, 2))
    assert loss.dim() == 0 and loss.item() > 0, f"loss should be a positive scalar tensor, got {loss!r}"
