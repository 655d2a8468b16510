"""Hidden grader for fine-tuning/reward-model-ppo.

Every tensor is drawn for this submission (submission_rng) and the student's results are compared with the
statement's formulas written out directly here (GAE as the explicit discounted sum, not the recursion). The
reward model is trained by the student's code on pairs labelled by a hidden linear preference rule with
Bradley-Terry noise, and scored on held-out pairs labelled by the rule itself.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import StudentError, assert_close, call_timeout, points, shows_expected, submission_rng

torch.set_num_threads(1)

SLUG = "fine-tuning/reward-model-ppo"
ACCURACY_TARGET = 0.85


def _tensor(array):
    return torch.from_numpy(np.asarray(array, dtype=np.float64))


def _scalar(got, call):
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert got.numel() == 1, f"{call} should return a single number (a 0-d tensor), got shape {tuple(got.shape)}"
    return float(got.reshape(-1)[0])


def _table(got, shape, call):
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert tuple(got.shape) == shape, f"{call} should return shape {shape}, got {tuple(got.shape)}"
    return got.double()


def _padded_mask(rng, b, t, min_len=2):
    lengths = rng.integers(min_len, t + 1, size=b)
    lengths[0] = t  # one full row, one or more padded ones
    lengths[-1] = min(lengths[-1], t - 2)
    mask = np.arange(t)[None, :] < lengths[:, None]
    return torch.from_numpy(mask), lengths


def _garbage(rng, mask, tensor, scale=50.0):
    """The same tensor with large random numbers on the padded positions."""
    noise = _tensor(rng.normal(0.0, scale, size=tuple(mask.shape)))
    return torch.where(mask, tensor, noise)


def _describe_mask(lengths, t):
    return f"a right-padded mask of {len(lengths)} rows of lengths {[int(x) for x in lengths]} (T = {t})"


# ---------------------------------------------------------------- the Bradley-Terry loss


@points(1)
def test_reward_loss_values_and_reductions(student):
    rng = submission_rng(f"{SLUG}:bt-loss")
    n = int(rng.integers(9, 16))
    chosen, rejected = _tensor(rng.normal(0.5, 1.5, n)), _tensor(rng.normal(0.0, 1.5, n))
    losses = -F.logsigmoid(chosen - rejected)
    call = f"reward_model_loss(chosen (shape ({n},)), rejected (shape ({n},)), reduction='none')"
    got = _table(student.reward_model_loss(chosen, rejected, reduction="none"), (n,), call)
    assert_close(got, losses, rtol=1e-6, atol=1e-9, what=f"{call} (per pair: -log sigmoid(chosen - rejected))")
    for reduction, want in (("mean", losses.mean()), ("sum", losses.sum())):
        call = f"reward_model_loss(chosen, rejected, reduction={reduction!r})"
        assert_close(_scalar(student.reward_model_loss(chosen, rejected, reduction=reduction), call), want,
                     rtol=1e-6, atol=1e-9, what=call)
    call = "reward_model_loss(chosen, rejected) (the default reduction)"
    assert_close(_scalar(student.reward_model_loss(chosen, rejected), call), losses.mean(), rtol=1e-6, atol=1e-9,
                 what=call + ", the mean")
    try:
        student.reward_model_loss(chosen, rejected, reduction="max")
    except StudentError as error:
        assert error.type_name == "ValueError", f"reward_model_loss(..., reduction='max') raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("reward_model_loss(..., reduction='max') should raise ValueError")


@shows_expected
@points(1)
def test_reward_loss_is_stable_for_large_margins(student):
    chosen = torch.tensor([10.0, 160.0, -3.0, 0.0], dtype=torch.float32)
    rejected = torch.tensor([170.0, 0.0, -3.0, 200.0], dtype=torch.float32)
    call = "reward_model_loss(float32 scores with margins -160, +160, 0, -200, reduction='none')"
    got = student.reward_model_loss(chosen, rejected, reduction="none")
    arr = np.asarray(got, dtype=float)
    assert np.isfinite(arr).all(), (
        f"{call} returned {arr.tolist()}: log(sigmoid(x)) underflows for large negative x in float32; "
        "use torch.nn.functional.logsigmoid"
    )
    assert_close(arr, [160.0, 0.0, math.log(2), 200.0], rtol=1e-5, atol=1e-5, what=call)


# ---------------------------------------------------------------- the reward model


def _preference_data(rng, dim, n_train, n_test):
    """Features of answer pairs; a hidden linear utility decides which one people prefer."""
    direction = rng.normal(0.0, 1.0, dim)
    direction *= rng.uniform(2.0, 3.0) / np.linalg.norm(direction)

    def pairs(n):
        a, b = rng.normal(0.0, 1.0, (n, dim)), rng.normal(0.0, 1.0, (n, dim))
        return a, b, a @ direction - b @ direction

    a, b, gap = pairs(n_train)
    a_wins = rng.random(n_train) < 1.0 / (1.0 + np.exp(-gap))  # Bradley-Terry noise in the labels
    chosen = np.where(a_wins[:, None], a, b)
    rejected = np.where(a_wins[:, None], b, a)
    a, b, gap = pairs(n_test)
    keep = np.abs(gap) > 1e-6
    better = np.where((gap > 0)[:, None], a, b)[keep]
    worse = np.where((gap > 0)[:, None], b, a)[keep]
    to32 = lambda x: torch.from_numpy(x.astype(np.float32))  # noqa: E731
    return to32(chosen), to32(rejected), to32(better), to32(worse)


def _scores(model, x, call):
    got = model(x)
    rows = int(x.shape[0])
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor of scores, got {type(got).__name__}"
    assert got.numel() == rows, f"{call} should return one score per row of X, got shape {tuple(got.shape)}"
    got = got.detach().reshape(-1).double()
    assert torch.isfinite(got).all(), f"{call} returned nan or inf scores"
    return got


@points(2)
def test_reward_model_pairwise_accuracy(student):
    rng = submission_rng(f"{SLUG}:reward-model")
    dim, n_train = int(rng.integers(6, 11)), int(rng.integers(300, 401))
    chosen, rejected, better, worse = _preference_data(rng, dim, n_train, 1000)
    seed = int(rng.integers(0, 10_000))
    call = f"train_reward_model(chosen ({n_train}, {dim}), rejected ({n_train}, {dim}), seed={seed})"
    try:
        with call_timeout(30):
            model = student.train_reward_model(chosen, rejected, seed)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    scores = _scores(model, torch.cat([better, worse]), f"the model returned by {call}, called on X of shape "
                     f"({2 * better.shape[0]}, {dim})")
    m = better.shape[0]
    accuracy = float((scores[:m] > scores[m:]).double().mean())
    hint = ""
    if accuracy < 0.5:
        hint = (" It ranks most pairs the wrong way round: the loss should be -log sigmoid(r_chosen - r_rejected), "
                "which pushes the chosen answer's score UP.")
    assert accuracy >= ACCURACY_TARGET, (
        f"the model from {call} scores the better answer strictly higher in {accuracy:.3f} of {m} hidden held-out "
        f"pairs; at least {ACCURACY_TARGET} is needed.{hint}"
    )


# ---------------------------------------------------------------- KL-penalised rewards


@points(1)
def test_kl_penalised_rewards_on_padded_batches(student):
    rng = submission_rng(f"{SLUG}:kl-rewards")
    b, t = int(rng.integers(3, 5)), int(rng.integers(6, 9))
    mask, lengths = _padded_mask(rng, b, t)
    logprobs = _tensor(rng.normal(-2.0, 1.0, (b, t)))
    ref_logprobs = logprobs - _tensor(rng.normal(0.0, 0.5, (b, t)))
    scores = _tensor(rng.normal(0.0, 2.0, b))
    kl_coef = float(round(rng.uniform(0.05, 0.3), 3))
    logprobs, ref_logprobs = _garbage(rng, mask, logprobs), _garbage(rng, mask, ref_logprobs)
    want = torch.zeros(b, t, dtype=torch.float64)
    for row in range(b):
        for col in range(int(lengths[row])):
            want[row, col] = -kl_coef * (logprobs[row, col] - ref_logprobs[row, col])
        want[row, int(lengths[row]) - 1] += scores[row]
    call = (f"kl_penalised_rewards(scores ({b},), logprobs ({b}, {t}), ref_logprobs ({b}, {t}), "
            f"{_describe_mask(lengths, t)}, kl_coef={kl_coef})")
    got = _table(student.kl_penalised_rewards(scores, logprobs, ref_logprobs, mask, kl_coef=kl_coef), (b, t), call)
    assert_close(got, want, rtol=1e-6, atol=1e-9,
                 what=f"{call} (-kl_coef * (logprobs - ref_logprobs) on response tokens, plus the score on each "
                      "row's LAST response token, 0 on padding)")
    call = call.replace("mask", "the same mask as 0/1 floats", 1)
    got = _table(student.kl_penalised_rewards(scores, logprobs, ref_logprobs, mask.double(), kl_coef=kl_coef),
                 (b, t), call)
    assert_close(got, want, rtol=1e-6, atol=1e-9, what=call)


@shows_expected
@points(0.5)
def test_kl_penalty_sign(student):
    scores = torch.tensor([1.0])
    logprobs = torch.tensor([[-1.0, -2.0, -0.5, -3.0]])
    ref_logprobs = torch.tensor([[-1.5, -2.0, -1.0, -9.0]])
    mask = torch.tensor([[True, True, True, False]])
    call = ("kl_penalised_rewards(tensor([1.0]), tensor([[-1.0, -2.0, -0.5, -3.0]]), tensor([[-1.5, -2.0, -1.0, "
            "-9.0]]), tensor([[True, True, True, False]]), kl_coef=0.1)")
    got = _table(student.kl_penalised_rewards(scores, logprobs, ref_logprobs, mask, kl_coef=0.1), (1, 4), call)
    assert float(got[0, 0]) < 0, (
        f"{call} gives {float(got[0, 0]):.4f} at the first token, where the policy's log-probability is 0.5 above "
        "the reference's: the KL penalty must make that reward NEGATIVE, -kl_coef * (logprobs - ref_logprobs)"
    )
    assert_close(got, [[-0.05, 0.0, 0.95, 0.0]], rtol=0, atol=1e-6, what=call)


# ---------------------------------------------------------------- GAE


def _gae_direct(rewards, values, lengths, gamma, lam):
    """advantages[t] = sum_k (gamma*lam)^k delta[t+k], written as the explicit sum over each row's episode."""
    b, t = rewards.shape
    adv = torch.zeros(b, t, dtype=torch.float64)
    ret = torch.zeros(b, t, dtype=torch.float64)
    for row in range(b):
        n = int(lengths[row])
        v = [float(values[row, i]) for i in range(n)] + [0.0]
        deltas = [float(rewards[row, i]) + gamma * v[i + 1] - v[i] for i in range(n)]
        for i in range(n):
            adv[row, i] = sum((gamma * lam) ** k * deltas[i + k] for k in range(n - i))
            ret[row, i] = adv[row, i] + v[i]
    return adv, ret


def _check_gae(student, rewards, values, mask, lengths, gamma, lam, what):
    b, t = rewards.shape
    call = (f"gae(rewards ({b}, {t}), values ({b}, {t}), {what}, gamma={gamma}, lam={lam})")
    try:
        got = student.gae(rewards, values, mask, gamma=gamma, lam=lam)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (advantages, returns)"
    adv = _table(got[0], (b, t), call + "[0]")
    ret = _table(got[1], (b, t), call + "[1]")
    want_adv, want_ret = _gae_direct(rewards, values, lengths, gamma, lam)
    assert_close(adv, want_adv, rtol=1e-6, atol=1e-9,
                 what=f"the advantages from {call} (advantages[t] = sum over k >= 0 of (gamma*lam)^k * delta[t+k]: "
                      "computed from the LAST position backwards)")
    assert_close(ret, want_ret, rtol=1e-6, atol=1e-9, what=f"the returns from {call} (advantages + values)")


@points(2)
def test_gae_matches_the_direct_sum(student):
    rng = submission_rng(f"{SLUG}:gae-full")
    for _ in range(2):
        b, t = int(rng.integers(2, 4)), int(rng.integers(6, 10))
        rewards = _tensor(rng.normal(0.0, 1.0, (b, t)))
        values = _tensor(rng.normal(0.0, 1.0, (b, t)))
        gamma, lam = float(round(rng.uniform(0.9, 0.99), 3)), float(round(rng.uniform(0.8, 0.97), 3))
        mask = torch.ones(b, t, dtype=torch.bool)
        _check_gae(student, rewards, values, mask, [t] * b, gamma, lam, "a mask of all True")


@points(1)
def test_gae_ignores_padding(student):
    rng = submission_rng(f"{SLUG}:gae-padded")
    b, t = int(rng.integers(3, 5)), int(rng.integers(7, 10))
    mask, lengths = _padded_mask(rng, b, t, min_len=3)
    rewards = _garbage(rng, mask, _tensor(rng.normal(0.0, 1.0, (b, t))))
    values = _garbage(rng, mask, _tensor(rng.normal(0.0, 1.0, (b, t))))
    gamma, lam = float(round(rng.uniform(0.9, 1.0), 3)), float(round(rng.uniform(0.8, 0.97), 3))
    _check_gae(student, rewards, values, mask, lengths, gamma, lam,
               _describe_mask(lengths, t) + " (large numbers on the padding)")


@shows_expected
@points(1)
def test_gae_special_cases(student):
    rewards = torch.tensor([[0.5, -1.0, 0.0, 2.0]], dtype=torch.float64)
    values = torch.tensor([[1.0, 0.5, -0.5, 1.5]], dtype=torch.float64)
    mask = torch.ones(1, 4, dtype=torch.bool)
    call = "gae(rewards=[[0.5, -1.0, 0.0, 2.0]], values=[[1.0, 0.5, -0.5, 1.5]], all True, gamma=0.9, lam=0.0)"
    adv, _ = student.gae(rewards, values, mask, gamma=0.9, lam=0.0)
    assert_close(_table(adv, (1, 4), call), [[0.5 + 0.45 - 1.0, -1.0 - 0.45 - 0.5, 0.0 + 1.35 + 0.5, 2.0 - 1.5]],
                 rtol=0, atol=1e-9, what=f"the advantages from {call} (lam = 0: the one-step delta)")
    call = "gae(rewards=[[0.5, -1.0, 0.0, 2.0]], values=[[1.0, 0.5, -0.5, 1.5]], all True, gamma=1.0, lam=1.0)"
    adv, ret = student.gae(rewards, values, mask, gamma=1.0, lam=1.0)
    assert_close(_table(ret, (1, 4), call), [[1.5, 1.0, 2.0, 2.0]], rtol=0, atol=1e-9,
                 what=f"the returns from {call} (gamma = lam = 1: the sum of the rewards from t to the end)")
    assert_close(_table(adv, (1, 4), call), [[0.5, 0.5, 2.5, 0.5]], rtol=0, atol=1e-9,
                 what=f"the advantages from {call} (the rewards still to come minus values[t])")


# ---------------------------------------------------------------- PPO


def _ppo_batch(rng, b, t):
    mask, lengths = _padded_mask(rng, b, t, min_len=3)
    logprobs = _tensor(rng.normal(-2.0, 1.0, (b, t)))
    old = logprobs - _tensor(rng.normal(0.0, 0.4, (b, t)))
    advantages = _tensor(rng.normal(0.0, 1.0, (b, t)))
    # Tokens on both sides of the clip range, so that the clip matters whatever was drawn.
    old[0, 0], advantages[0, 0] = logprobs[0, 0] - 0.6, 1.0 + abs(float(advantages[0, 0]))
    old[1, 1], advantages[1, 1] = logprobs[1, 1] + 0.6, -1.0 - abs(float(advantages[1, 1]))
    return mask, lengths, _garbage(rng, mask, logprobs, 5.0), _garbage(rng, mask, old, 5.0), _garbage(rng, mask, advantages)


@points(1)
def test_ppo_policy_loss_on_padded_batches(student):
    rng = submission_rng(f"{SLUG}:ppo-policy")
    b, t = int(rng.integers(3, 5)), int(rng.integers(6, 9))
    mask, lengths, logprobs, old, advantages = _ppo_batch(rng, b, t)
    for clip_eps in (0.2, float(round(rng.uniform(0.08, 0.15), 3))):
        ratio = torch.exp(logprobs - old)
        per_token = torch.maximum(-advantages * ratio, -advantages * ratio.clamp(1 - clip_eps, 1 + clip_eps))
        want = float(per_token[mask].mean())
        call = (f"ppo_policy_loss(logprobs ({b}, {t}), old_logprobs, advantages, {_describe_mask(lengths, t)}, "
                f"clip_eps={clip_eps})")
        got = _scalar(student.ppo_policy_loss(logprobs, old, advantages, mask, clip_eps=clip_eps), call)
        assert_close(got, want, rtol=1e-6, atol=1e-9,
                     what=f"{call} (the mean over response tokens of max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps)))")


@shows_expected
@points(0.5)
def test_ppo_policy_loss_example(student):
    call = ("ppo_policy_loss(logprobs=[[-0.5, -1.0, -2.0]], old_logprobs=[[-1.0, -1.0, -1.5]], "
            "advantages=[[1.0, -2.0, -1.0]], mask all True, clip_eps=0.2)")
    got = _scalar(student.ppo_policy_loss(torch.tensor([[-0.5, -1.0, -2.0]]), torch.tensor([[-1.0, -1.0, -1.5]]),
                                          torch.tensor([[1.0, -2.0, -1.0]]), torch.tensor([[1, 1, 1]]), clip_eps=0.2),
                  call)
    unclipped = (-math.exp(0.5) + 2.0 + math.exp(-0.5)) / 3
    hint = " (that is the UNCLIPPED loss: the ratios 1.65 and 0.61 lie outside [0.8, 1.2])" if abs(got - unclipped) < 1e-3 else ""
    assert_close(got, 1.6 / 3, rtol=0, atol=1e-4, what=call + hint)


@points(1)
def test_ppo_value_loss_on_padded_batches(student):
    rng = submission_rng(f"{SLUG}:ppo-value")
    b, t = int(rng.integers(3, 5)), int(rng.integers(6, 9))
    mask, lengths = _padded_mask(rng, b, t, min_len=3)
    returns = _tensor(rng.normal(0.0, 1.0, (b, t)))
    old_values = returns + _tensor(rng.normal(0.0, 0.5, (b, t)))
    values = old_values + _tensor(rng.normal(0.0, 0.4, (b, t)))
    # One value moved far past the clip range away from its return, one moved far towards it.
    values[0, 0] = old_values[0, 0] + 0.8 * math.copysign(1.0, float(old_values[0, 0] - returns[0, 0]))
    values[1, 0] = returns[1, 0]
    old_values[1, 0] = returns[1, 0] + 1.0
    values, old_values, returns = (_garbage(rng, mask, x) for x in (values, old_values, returns))
    for clip_eps in (0.2, float(round(rng.uniform(0.05, 0.15), 3))):
        clipped = old_values + (values - old_values).clamp(-clip_eps, clip_eps)
        per_token = torch.maximum((values - returns) ** 2, (clipped - returns) ** 2)
        want = 0.5 * float(per_token[mask].mean())
        call = (f"ppo_value_loss(values ({b}, {t}), old_values, returns, {_describe_mask(lengths, t)}, "
                f"clip_eps={clip_eps})")
        got = _scalar(student.ppo_value_loss(values, old_values, returns, mask, clip_eps=clip_eps), call)
        assert_close(got, want, rtol=1e-6, atol=1e-9,
                     what=f"{call} (0.5 * the mean over response tokens of max((v - R)^2, (v_clipped - R)^2))")
