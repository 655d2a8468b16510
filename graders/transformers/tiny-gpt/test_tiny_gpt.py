"""Hidden grader for transformers/tiny-gpt.

Inputs are drawn per submission (submission_rng): texts, token ids, and the weights the grader loads into the
student's model. `_RefGPT` below is the statement's architecture written out; the forward test loads the same
weights into it and into the student's model and compares the logits. The training text is a word-level
Markov chain over made-up words: a bigram character model scores about 1.3-1.7 nats per character on it, the
reference about 0.45-0.6 after 150 steps (block_size 16), and the threshold is 0.9. The same model with
nn.Embedding's N(0, 1) start (no std-0.02 init) begins near loss 20 and ends about 1.1-1.9.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    expected,
    points,
    shows_expected,
    submission_rng,
)

SLUG = "transformers/tiny-gpt"
TRAIN_ARGS = dict(block_size=16, n_layer=2, n_head=4, n_embd=32, steps=150, batch_size=32, lr=3e-3, seed=0)
LOSS_LIMIT = 0.9
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


# --- the statement's model, for the grader's own logits -------------------------------------------------------


class _RefBlock(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        length = x.shape[1]
        future = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class _RefGPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([_RefBlock(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight

    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def _param_formula(vocab_size, block_size, n_layer, n_embd):
    return vocab_size * n_embd + block_size * n_embd + n_layer * (12 * n_embd**2 + 13 * n_embd) + 2 * n_embd


def _random_state(rng, config):
    """Weights for _RefGPT with every part mattering: larger embeddings, LayerNorms away from 1 and 0."""
    torch.manual_seed(int(rng.integers(2**31)))
    ref = _RefGPT(*config).eval()
    with torch.no_grad():
        for name, tensor in ref.state_dict().items():
            if name.endswith("emb.weight"):
                tensor.normal_(0.0, 0.5)
            elif ".ln" in name or name.startswith("ln_f"):
                tensor.copy_((1.0 if name.endswith("weight") else 0.0) + 0.3 * torch.randn(tensor.shape))
            elif name.endswith("bias"):
                tensor.normal_(0.0, 0.1)
    return ref, {k: v.clone() for k, v in ref.state_dict().items()}


def _build(student, config):
    call = "TinyGPT({}, {}, n_layer={}, n_head={}, n_embd={})".format(*config)
    model = student.TinyGPT(config[0], config[1], n_layer=config[2], n_head=config[3], n_embd=config[4])
    assert isinstance(model, Remote), f"{call} should build an nn.Module, got {model!r:.100}"
    model.eval()
    return model, call


def _load(model, call, state):
    try:
        model.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(weights with the statement's names) failed: {error.type_name}: "
            f"{error.message[:400]}"
        ) from None


def _logits(model, x, call):
    try:
        out = model(x)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(out, torch.Tensor), f"{call} should return a tensor of logits, got {type(out).__name__}"
    return out.double()


# --- hidden text: a Markov chain over made-up words ---------------------------------------------------------------


def _markov_text(rng, n_chars):
    alphabet = rng.choice(np.array(list("abcdefghijklmnopqrstuvwxyz")), size=14, replace=False)
    words = set()
    while len(words) < 24:
        words.add("".join(rng.choice(alphabet, size=int(rng.integers(2, 7)))))
    words = sorted(words)
    successors = [rng.choice(len(words), size=3, replace=False) for _ in words]
    out, total, w = [], 0, int(rng.integers(len(words)))
    while total < n_chars:
        out.append(words[w])
        total += len(words[w]) + 1
        w = int(successors[w][rng.choice(3, p=[0.6, 0.3, 0.1])])
    return " ".join(out)[:n_chars]


def _hidden_texts():
    rng = _rng("train-text")
    while True:
        text = _markov_text(rng, 24_000)
        train, heldout = text[:20_000], text[20_000:]
        if set(heldout) <= set(train):
            return train, heldout


def _trained(student):
    if "run" in _cache:
        return _cache["run"]
    train, heldout = _hidden_texts()
    args = ", ".join(f"{k}={v}" for k, v in TRAIN_ARGS.items())
    call = f"train_model(<20,000 characters of hidden text>, {args})"
    with call_timeout(120):
        result = student.train_model(train, **TRAIN_ARGS)
    assert isinstance(result, (tuple, list)) and len(result) == 3, (
        f"{call} should return a tuple (model, vocab, losses), got {result!r:.200}"
    )
    model, vocab, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained TinyGPT first, got {model!r:.100}"
    _cache["run"] = (call, model, vocab, losses, train, heldout)
    return _cache["run"]


# --- tests ----------------------------------------------------------------------------------------------------


@points(1)
def test_vocab_encode_decode(student):
    rng = _rng("vocab")
    letters = np.array(list("abcdefghij \n.,!?XYZ"))
    text = "".join(rng.choice(letters, size=int(rng.integers(40, 80))))
    call = f"build_vocab({text!r})"
    vocab = student.build_vocab(text)
    assert isinstance(vocab, list) and all(isinstance(c, str) and len(c) == 1 for c in vocab), (
        f"{call} should return a list of single characters, got {vocab!r:.200}"
    )
    assert vocab == sorted(set(text)), (
        f"{call} returned {vocab!r}: expected each distinct character once, sorted (sorted(set(text)))"
    )
    ids = student.encode(text, vocab)
    assert isinstance(ids, list) and all(isinstance(i, int) for i in ids), (
        f"encode(text, vocab) should return a list of ints, got {ids!r:.200}"
    )
    assert ids == [vocab.index(c) for c in text], (
        f"encode({text!r}, vocab) returned {ids!r:.200}: each character's id is its index in vocab"
    )
    back = student.decode(ids, vocab)
    assert back == text, f"decode(encode(text, vocab), vocab) returned {back!r}, not the original text {text!r}"
    back = student.decode(torch.tensor(ids), vocab)
    assert back == text, f"decode(torch.tensor(ids), vocab) returned {back!r}: decode should accept a tensor of ids too"


@points(1)
def test_get_batch_targets_are_shifted(student):
    rng = _rng("batch")
    n = int(rng.integers(60, 90))
    data = torch.from_numpy(rng.permutation(n))  # every value says where it sits
    block, batch = int(rng.integers(5, 12)), 64
    call = f"get_batch(data (a permutation of 0..{n - 1}), block_size={block}, batch_size={batch})"
    got = student.get_batch(data, block, batch)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple (x, y), got {got!r:.200}"
    x, y = got
    for name, value in (("x", x), ("y", y)):
        assert isinstance(value, torch.Tensor) and tuple(value.shape) == (batch, block), (
            f"{call}: {name} should be a tensor of shape ({batch}, {block}), got "
            f"{tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__}"
        )
        assert value.dtype == torch.int64, f"{call}: {name} has dtype {value.dtype}, expected torch.int64 (token ids)"
    where = {int(v): i for i, v in enumerate(data)}
    for row in range(batch):
        start = where[int(x[row, 0])]
        assert torch.equal(x[row], data[start : start + block]), (
            f"{call}: row {row} of x is {x[row].tolist()}, not a contiguous slice of data"
        )
        assert torch.equal(y[row], data[start + 1 : start + block + 1]), (
            f"{call}: row {row} of y should be the slice of x shifted by one position (the next token at every "
            f"position); x = {x[row].tolist()}, y = {y[row].tolist()}"
        )
    starts = {where[int(x[row, 0])] for row in range(batch)}
    assert len(starts) > 1, f"{call}: all {batch} rows start at the same place: draw the starts at random"


@shows_expected
@points(1)
def test_model_layout_and_shapes(student):
    config = (11, 8, 3, 2, 16)
    model, call = _build(student, config)
    state = model.state_dict()
    assert isinstance(state, dict), f"{call}.state_dict() should be a dict of tensors, got {state!r:.100}"
    got = {name: tuple(value.shape) for name, value in state.items()}
    want = {name: tuple(value.shape) for name, value in _RefGPT(*config).state_dict().items()}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (
        f"{call}.state_dict() misses {missing[:8]} and has unexpected {extra[:8]}: use the statement's names "
        "(tok_emb, pos_emb, blocks.<i>.ln1 / attn / ln2 / mlp.0 / mlp.2, ln_f, head)"
    )
    for name, shape in want.items():
        assert got[name] == shape, f"{call}: {name} has shape {got[name]}, expected {shape}"
    x = torch.randint(0, 11, (3, 8))
    out = _logits(model, x, f"{call} on token ids of shape (3, 8)")
    assert tuple(out.shape) == (3, 8, 11), f"{call} on ids (3, 8) returned shape {tuple(out.shape)}, expected (3, 8, 11)"
    out = _logits(model, x[:, :5], f"{call} on token ids of shape (3, 5)")
    assert tuple(out.shape) == (3, 5, 11), f"{call} on ids (3, 5) returned shape {tuple(out.shape)}, expected (3, 5, 11)"
    assert model.block_size == 8, f"{call}.block_size is {model.block_size!r}, expected 8"
    try:
        model(torch.randint(0, 11, (1, 9)))
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} on 9 > block_size tokens raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} on 9 tokens (more than block_size = 8) should raise ValueError")


@shows_expected  # the statement gives the formula
@points(1)
def test_parameter_count(student):
    rng = _rng("count")
    for _ in range(2):
        vocab, block = int(rng.integers(10, 70)), int(rng.integers(8, 40))
        layers, heads = int(rng.integers(1, 4)), int(rng.choice([1, 2, 4]))
        embd = heads * int(rng.choice([4, 8]))
        config = (vocab, block, layers, heads, embd)
        model, call = _build(student, config)
        got = student.count_parameters(model)
        want = _param_formula(vocab, block, layers, embd)
        assert isinstance(got, int) and not isinstance(got, bool), f"count_parameters({call}) should return an int, got {got!r}"
        hint = ""
        if got - want == vocab * embd:
            hint = (f" It is vocab_size * n_embd = {vocab * embd} too many: either the head is not tied to the token "
                    "embedding, or the count lists the shared matrix twice (state_dict() does; parameters() does not)")
        assert got == want, f"count_parameters({call}) returned {got}, expected {expected(want)}.{hint}"


@points(1)
def test_head_is_tied_to_embedding(student):
    rng = _rng("tie")
    config = (13, 8, 1, 2, 8)
    model, call = _build(student, config)
    state = model.state_dict()
    assert "tok_emb.weight" in state and "head.weight" in state, (
        f"{call}.state_dict() should hold tok_emb.weight and head.weight; it has {sorted(state)[:12]}"
    )
    state = dict(state)
    state["tok_emb.weight"] = torch.from_numpy(rng.normal(0, 1, (13, 8))).float()
    state["head.weight"] = torch.from_numpy(rng.normal(5, 1, (13, 8))).float()
    _load(model, call, state)
    after = model.state_dict()
    assert torch.equal(after["tok_emb.weight"], after["head.weight"]), (
        f"{call}: after loading different values into tok_emb.weight and head.weight, they still differ, so they "
        "are two separate matrices. Tie them: self.head.weight = self.tok_emb.weight (one Parameter, used twice)"
    )


@points(2)
def test_changing_the_future_leaves_the_past_alone(student):
    rng = _rng("causal")
    config = (20, 16, 2, 4, 32)
    model, call = _build(student, config)
    _, state = _random_state(rng, config)
    _load(model, call, state)
    x = torch.from_numpy(rng.integers(0, 20, size=(3, 12)))
    t = int(rng.integers(3, 10))
    x2 = x.clone()
    x2[:, t:] = (x2[:, t:] + torch.from_numpy(rng.integers(1, 20, size=(3, 12 - t)))) % 20
    first = _logits(model, x, f"{call} on ids (3, 12)")
    second = _logits(model, x2, f"{call} on the same ids with positions {t}..11 changed")
    moved = (first[:, :t] - second[:, :t]).abs().max().item()
    assert moved < 1e-4, (
        f"{call}: changing the tokens at positions {t}..11 changed the logits at positions 0..{t - 1} by up to "
        f"{moved:.3g}. A position must not see later tokens: give nn.MultiheadAttention a causal attn_mask "
        "(True ABOVE the diagonal: in its convention True means may NOT attend)"
    )
    assert (first[:, t] - second[:, t]).abs().max().item() > 1e-6, (
        f"{call}: changing the token at position {t} did not change the logits at position {t}: the model "
        "ignores its own input token"
    )


@points(2)
def test_forward_matches_a_pre_ln_gpt(student):
    rng = _rng("forward")
    config = (int(rng.integers(12, 30)), 16, 2, 4, 32)
    model, call = _build(student, config)
    ref, state = _random_state(rng, config)
    _load(model, call, state)
    x = torch.from_numpy(rng.integers(0, config[0], size=(2, 16)))
    got = _logits(model, x, f"{call} on ids (2, 16)")
    with torch.no_grad():
        want = ref(x).double()
    assert tuple(got.shape) == tuple(want.shape), f"{call} returned shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    assert_close(got, want, rtol=1e-4, atol=1e-4,
                 what=f"{call} with the grader's weights: the logits (check token + position embeddings, pre-LN "
                      "blocks x + attn(ln1(x)) and x + mlp(ln2(x)), nn.GELU, the final ln_f, the tied head)")


@points(2)
def test_training_reaches_low_loss(student):
    call, model, vocab, losses, train, heldout = _trained(student)
    assert vocab == sorted(set(train)), f"{call} returned a vocab of {len(vocab)} characters that is not sorted(set(text))"
    count = len(losses) if isinstance(losses, (list, tuple)) else None
    assert count == TRAIN_ARGS["steps"], (
        f"{call} should return a list with one loss per step (see steps= in the call), got {count} values"
        if count is not None else f"{call} should return a list of losses third, got {losses!r:.100}"
    )
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in losses), f"{call}: the losses are not all finite floats"
    ids = torch.tensor([vocab.index(c) for c in heldout])
    block = TRAIN_ARGS["block_size"]
    rows = (len(ids) - 1) // block
    x = ids[: rows * block].view(rows, block)
    y = ids[1 : rows * block + 1].view(rows, block)
    logits = _logits(model, x, f"the model from {call}, on held-out text")
    assert tuple(logits.shape) == (rows, block, len(vocab)), (
        f"the model from {call} returned logits of shape {tuple(logits.shape)} for ids {tuple(x.shape)}"
    )
    loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1)).item()
    first, last = float(losses[0]), float(np.mean(losses[-10:]))
    start = math.log(len(vocab))
    assert first < start + 1.0, (
        f"{call}: the first training loss is {first:.2f}, far above ln(vocab_size) = {start:.2f}, the loss of a "
        "fresh model that spreads its bets evenly. With the head tied to nn.Embedding's N(0, 1) weights the first "
        "logits are huge: initialise tok_emb and pos_emb with std 0.02, as the statement says"
    )
    hint = (
        "Check AdamW on model.parameters(), zero_grad / backward / step each step, targets shifted by one, and the "
        "cross-entropy over all positions"
    )
    assert loss < LOSS_LIMIT, (
        f"{call}: the trained model's loss on 4,000 held-out characters of the same kind is {loss:.3f} nats per "
        f"character, expected below {LOSS_LIMIT} (training loss went from {first:.3f} to {last:.3f}). {hint}"
    )


@points(1)
def test_greedy_generation_crops_the_context(student):
    rng = _rng("greedy")
    config = (12, 8, 2, 2, 16)
    model, call = _build(student, config)
    _, state = _random_state(rng, config)
    _load(model, call, state)
    prompt = torch.from_numpy(rng.integers(0, 12, size=(2, 5)))
    gen_call = f"generate(<{call} with the grader's weights>, prompt (2, 5), max_new_tokens=10, greedy=True)"
    try:
        out = student.generate(model, prompt, 10, greedy=True)
    except StudentError as error:
        raise AssertionError(
            f"{gen_call} raised {error.type_name}: {error.message[:200]}. The sequence grows past block_size = 8: "
            "feed the model only the last block_size tokens at each step"
        ) from None
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 15), (
        f"{gen_call} should return a tensor of shape (2, 15), the prompt followed by 10 new tokens, got "
        f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}"
    )
    assert torch.equal(out[:, :5], prompt), f"{gen_call}: the first 5 tokens of the result should be the prompt"
    replay = prompt.clone()
    for _ in range(10):  # the statement's loop, with the student's own model
        logits = _logits(model, replay[:, -8:], f"{call} on the last 8 tokens")
        replay = torch.cat([replay, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    differ = int((out[:, 5:] != replay[:, 5:]).sum())
    assert differ == 0, (
        f"{gen_call}: {differ} of the 20 new tokens differ from taking the argmax of the model's last-position "
        "logits, step by step, on the last block_size tokens"
    )


@points(1)
def test_sampling_with_temperature_and_seed(student):
    rng = _rng("sampling")
    config = (10, 8, 1, 2, 16)
    model, call = _build(student, config)
    _, state = _random_state(rng, config)
    _load(model, call, state)
    prompt = torch.from_numpy(rng.integers(0, 10, size=(2, 4)))
    seed = int(rng.integers(1000))
    base = "generate(<model>, prompt (2, 4), 12"
    try:
        first = student.generate(model, prompt, 12, temperature=1.0, seed=seed)
        again = student.generate(model, prompt, 12, temperature=1.0, seed=seed)
        greedy = student.generate(model, prompt, 12, greedy=True)
        cold = student.generate(model, prompt, 12, temperature=1e-3, seed=seed + 1)
    except StudentError as error:
        raise AssertionError(f"{base}, ...) raised {error.type_name}: {error.message[:200]}") from None
    assert isinstance(first, torch.Tensor) and tuple(first.shape) == (2, 16), (
        f"{base}, temperature=1.0, seed={seed}) should return a (2, 16) tensor"
    )
    assert torch.equal(first, again), f"{base}, temperature=1.0, seed={seed}) gave different tokens twice: use the seed"
    assert torch.equal(cold, greedy), (
        f"{base}, temperature=0.001, seed={seed + 1}) should pick the argmax almost surely, but differs from "
        "greedy=True: divide the logits BY the temperature before the softmax"
    )
    many = prompt[:1].repeat(600, 1)
    sampled = student.generate(model, many, 1, temperature=2.0, seed=seed)
    logits = _logits(model, many[:1], f"{call} on the prompt")[0, -1]
    probs = torch.softmax(logits / 2.0, dim=-1)
    freq = torch.bincount(sampled[:, -1], minlength=10).double() / 600
    gap = 0.5 * (freq - probs).abs().sum().item()
    assert gap < 0.12, (
        f"generate(<model>, the same prompt 600 times, 1, temperature=2.0, seed={seed}): the first sampled token's "
        f"frequencies are {np.round(freq.numpy(), 3).tolist()}, {gap:.3f} (total variation) away from "
        "softmax(logits / 2): sample with torch.multinomial from the softmax of logits / temperature"
    )
