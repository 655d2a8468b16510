"""Hidden grader for deep-learning/lstm-sequence-model.

Weights, inputs and sequences are drawn for each submission (submission_rng). The student's cell is loaded
with the grader's weights (load_state_dict through the handle) and compared with nn.LSTMCell / nn.LSTM
holding the same weights; variable lengths are compared with a packed nn.LSTM. The classifier is trained in
the student box on sequences the grader sends; its accuracy is measured on other sequences.
"""

import itertools

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from gradient_grader import Remote, StudentError, call_timeout, points, shows_expected, submission_rng

# One thread, as in the student box (OMP_NUM_THREADS=1): the grader's small tensor work is much slower
# with several OpenMP threads spinning on a loaded machine.
torch.set_num_threads(1)

SLUG = "deep-learning/lstm-sequence-model"
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
GATES = "ifgo"
_cache = {}


def draw_weights(rng, input_size, hidden_size):
    bound = 1.5 / np.sqrt(hidden_size)  # a little wider than the default, so every gate matters
    shapes = {"weight_ih": (4 * hidden_size, input_size), "weight_hh": (4 * hidden_size, hidden_size),
              "bias_ih": (4 * hidden_size,), "bias_hh": (4 * hidden_size,)}
    return {name: torch.from_numpy(rng.uniform(-bound, bound, shape).astype(np.float32)) for name, shape in shapes.items()}


def normal(rng, *shape):
    return torch.from_numpy(rng.normal(0, 1, shape).astype(np.float32))


def student_cell(student, weights, input_size, hidden_size):
    call = f"LSTMCell({input_size}, {hidden_size})"
    cell = student.LSTMCell(input_size, hidden_size)
    try:
        cell.load_state_dict(weights)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(<an nn.LSTMCell's state_dict>) raised {error.type_name}: {error.message[:200]} "
            "(the parameters need nn.LSTMCell's names and shapes)"
        ) from None
    return call, cell


def torch_lstm(weights, input_size, hidden_size):
    lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
    with torch.no_grad():
        for name in NAMES:
            getattr(lstm, name + "_l0").copy_(weights[name])
    return lstm


def cell_step(weights, x, h, c, order="ifgo", carry_c=True):
    """One LSTM step with the chunks of the weights read in `order` (PyTorch's is "ifgo")."""
    gates = x @ weights["weight_ih"].T + weights["bias_ih"] + h @ weights["weight_hh"].T + weights["bias_hh"]
    chunk = dict(zip(order, gates.chunk(4, dim=1), strict=True))
    c_new = torch.sigmoid(chunk["f"]) * (c if carry_c else torch.zeros_like(c)) + torch.sigmoid(chunk["i"]) * torch.tanh(chunk["g"])
    return torch.sigmoid(chunk["o"]) * torch.tanh(c_new), c_new


def pair(value, call, shape):
    assert isinstance(value, (tuple, list)) and len(value) == 2, f"{call} should return a pair (h, c), got {value!r:.150}"
    for name, tensor in zip("hc", value, strict=True):
        assert isinstance(tensor, torch.Tensor) and tuple(tensor.shape) == shape, (
            f"{call}: {name} should be a tensor of shape {shape}, got {getattr(tensor, 'shape', type(tensor).__name__)}"
        )
    return value


def close(a, b, atol=2e-5):
    return torch.allclose(a.float(), b, atol=atol, rtol=1e-4)


def run(student, cell, x, hidden, call, lengths=None, state=None):
    kwargs = {}
    if lengths is not None:
        kwargs["lengths"] = lengths
    if state is not None:
        kwargs["state"] = state
    try:
        with call_timeout(20):
            result = student.run_lstm(cell, x, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    batch, steps, _ = x.shape
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"{call} should return (outputs, (h_n, c_n)), got {result!r:.150}"
    outputs, final = result
    assert isinstance(outputs, torch.Tensor) and tuple(outputs.shape) == (batch, steps, hidden), (
        f"{call}: outputs should have shape {(batch, steps, hidden)}, got {getattr(outputs, 'shape', type(outputs).__name__)}"
    )
    h_n, c_n = pair(final, f"{call}[1]", (batch, hidden))
    return outputs, h_n, c_n


# ---------------------------------------------------------------- the cell


@shows_expected
@points(1)
def test_cell_parameters(student):
    call = "LSTMCell(3, 5)"
    state = student.LSTMCell(3, 5).state_dict()
    assert isinstance(state, dict), f"{call}.state_dict() should be a dict of tensors, got {state!r:.100}"
    shapes = {name: tuple(t.shape) for name, t in state.items()}
    want = {"weight_ih": (20, 3), "weight_hh": (20, 5), "bias_ih": (20,), "bias_hh": (20,)}
    assert shapes == want, (
        f"{call}.state_dict() holds {shapes}, expected {want}: nn.LSTMCell's names, the four gates stacked in "
        "the first dimension"
    )
    bound = 1 / np.sqrt(5)
    assert all(float(t.abs().max()) <= bound + 1e-6 and float(t.abs().max()) > 0 for t in state.values()), (
        f"{call}'s parameters should start uniform in (-1/sqrt(5), 1/sqrt(5)), as nn.LSTMCell's do"
    )


@points(2)
def test_cell_matches_lstmcell(student):
    rng = submission_rng(f"{SLUG}:cell")
    input_size, hidden_size, batch = int(rng.integers(3, 7)), int(rng.integers(4, 9)), int(rng.integers(3, 7))
    weights = draw_weights(rng, input_size, hidden_size)
    call, cell = student_cell(student, weights, input_size, hidden_size)
    torch_cell = nn.LSTMCell(input_size, hidden_size)
    torch_cell.load_state_dict(weights)
    x, h0, c0 = normal(rng, batch, input_size), normal(rng, batch, hidden_size), normal(rng, batch, hidden_size)
    shape = (batch, hidden_size)
    with torch.no_grad():
        want_h, want_c = torch_cell(x, (h0, c0))
    step_call = f"{call} loaded with an nn.LSTMCell's weights, called on x {tuple(x.shape)} and a random (h, c)"
    h, c = pair(cell(x, (h0, c0)), step_call, shape)
    if not (close(h, want_h) and close(c, want_c)):
        for order in map("".join, itertools.permutations(GATES)):
            other_h, other_c = cell_step(weights, x, h0, c0, order=order)
            if order != GATES and close(h, other_h) and close(c, other_c):
                raise AssertionError(
                    f"{step_call}: your cell reads the chunks of the gates in the order {', '.join(order)}; "
                    "nn.LSTMCell stores them as i (input), f (forget), g (cell candidate), o (output)"
                )
        raise AssertionError(
            f"{step_call}: the new (h, c) differ from nn.LSTMCell's. "
            "c_new = sigmoid(f) * c + sigmoid(i) * tanh(g), "
            "h_new = sigmoid(o) * tanh(c_new), with gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh"
        )
    with torch.no_grad():
        want_h, want_c = torch_cell(x)
    step_call = f"{call} loaded with an nn.LSTMCell's weights, called on x {tuple(x.shape)} with state=None"
    h, c = pair(cell(x), step_call, shape)
    assert close(h, want_h) and close(c, want_c), f"{step_call} differs from nn.LSTMCell's step: the state should start at zeros"


# ---------------------------------------------------------------- unrolling


@points(1.5)
def test_run_lstm_full_length(student):
    rng = submission_rng(f"{SLUG}:full")
    input_size, hidden_size, batch, steps = int(rng.integers(2, 6)), int(rng.integers(3, 8)), 3, int(rng.integers(6, 10))
    weights = draw_weights(rng, input_size, hidden_size)
    name, cell = student_cell(student, weights, input_size, hidden_size)
    x = normal(rng, batch, steps, input_size)
    call = f"run_lstm({name} with nn.LSTM's weights, x {tuple(x.shape)})"
    outputs, h_n, c_n = run(student, cell, x, hidden_size, call)
    with torch.no_grad():
        want_out, (want_h, want_c) = torch_lstm(weights, input_size, hidden_size)(x)
    for t in range(steps):
        if not close(outputs[:, t], want_out[:, t]):
            h, c = torch.zeros(batch, hidden_size), torch.zeros(batch, hidden_size)
            for s in range(t + 1):
                h, c = cell_step(weights, x[:, s], h, c, carry_c=False)
            if t == 0:
                hint = "the very first step differs: check that one step of LSTMCell matches nn.LSTMCell first"
            elif close(outputs[:, t], h):
                hint = "the outputs look like a cell state that starts again from zero at every step: pass the c of one step into the next"
            else:
                hint = "carry both h and c from each step to the next"
            raise AssertionError(
                f"{call}: outputs[:, {t}] differ from nn.LSTM's{' (the steps before agree)' if t else ''}; {hint}"
            )
    assert close(h_n, want_h[0]) and close(c_n, want_c[0]), (
        f"{call}: the outputs match nn.LSTM's, but the final (h_n, c_n) do not: return the state after the last step"
    )


@points(0.5)
def test_run_lstm_initial_state(student):
    rng = submission_rng(f"{SLUG}:initial")
    input_size, hidden_size, batch, steps = 3, int(rng.integers(3, 7)), 4, 5
    weights = draw_weights(rng, input_size, hidden_size)
    name, cell = student_cell(student, weights, input_size, hidden_size)
    x, h0, c0 = normal(rng, batch, steps, input_size), normal(rng, batch, hidden_size), normal(rng, batch, hidden_size)
    call = f"run_lstm({name} with nn.LSTM's weights, x {tuple(x.shape)}, state=(h0, c0))"
    outputs, h_n, c_n = run(student, cell, x, hidden_size, call, state=(h0, c0))
    with torch.no_grad():
        want_out, (want_h, want_c) = torch_lstm(weights, input_size, hidden_size)(x, (h0[None], c0[None]))
    assert close(outputs, want_out) and close(h_n, want_h[0]) and close(c_n, want_c[0]), (
        f"{call} differs from nn.LSTM started from the same (h0, c0): start the loop from the given (h0, c0), not "
        "from zeros, and carry both h and c from each step to the next"
    )


@points(2)
def test_run_lstm_variable_lengths(student):
    rng = submission_rng(f"{SLUG}:lengths")
    input_size, hidden_size, batch, steps = int(rng.integers(2, 5)), int(rng.integers(3, 7)), 5, 9
    weights = draw_weights(rng, input_size, hidden_size)
    name, cell = student_cell(student, weights, input_size, hidden_size)
    lengths = [steps, 1] + [int(v) for v in rng.integers(2, steps, batch - 2)]
    x = normal(rng, batch, steps, input_size)
    call = f"run_lstm({name} with nn.LSTM's weights, x {tuple(x.shape)}, lengths={lengths})"
    outputs, h_n, c_n = run(student, cell, x, hidden_size, call, lengths=lengths)
    lstm = torch_lstm(weights, input_size, hidden_size)
    with torch.no_grad():
        _, (want_h, want_c) = lstm(pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False))
        full_out, (last_h, _) = lstm(x)
    for row, length in enumerate(lengths):
        padded = outputs[row, length:]
        assert bool((padded == 0).all()), (
            f"{call}: row {row} is {length} steps long, but outputs[{row}, {length}:] are not all zero; padded "
            "positions of the outputs must be zeros"
        )
        assert close(outputs[row, :length], full_out[row, :length]), (
            f"{call}: the outputs of row {row} (length {length}) differ from nn.LSTM's within its real steps (carry "
            "both h and c from each step to the next, and let padding change nothing before a row's length)"
        )
    for row, length in enumerate(lengths):
        if not (close(h_n[row], want_h[0, row]) and close(c_n[row], want_c[0, row])):
            hint = ("that is the state after the padded steps too (the last column of the batch): stop updating a "
                    "row's (h, c) once t >= its length" if length < steps and close(h_n[row], last_h[0, row])
                    else "it should be the state after the row's last real step")
            raise AssertionError(f"{call}: h_n/c_n of row {row} (length {length}) are wrong: {hint}")


# ---------------------------------------------------------------- the classifier

VOCAB = 6  # tokens 1..5, 0 for padding


def has_pattern(seq):
    return any(a == 1 and b == 2 for a, b in itertools.pairwise(seq))


def sequences(rng, n, width):
    """n sequences of tokens 1..5, 4 to 16 long, padded with 0 to `width`; label 1 iff a 1 is followed by a 2."""
    tokens = np.zeros((n, width), dtype=np.int64)
    lengths = rng.integers(4, 17, n)
    labels = np.zeros(n, dtype=np.int64)
    for row in range(n):
        length, want = int(lengths[row]), row % 2
        while True:
            seq = rng.integers(1, VOCAB, length)
            if want == 1 and not has_pattern(seq):
                at = int(rng.integers(0, length - 1))
                seq[at : at + 2] = (1, 2)
            if has_pattern(seq) == bool(want):
                break
        tokens[row, :length] = seq
        labels[row] = int(has_pattern(seq))
    order = rng.permutation(n)
    return torch.from_numpy(tokens[order]), torch.from_numpy(lengths[order]), torch.from_numpy(labels[order])


def logits_of(model, tokens, lengths, call, classes=2):
    try:
        out = model(tokens, lengths)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (tokens.shape[0], classes), (
        f"{call} should return logits of shape {(tokens.shape[0], classes)}, got {getattr(out, 'shape', type(out).__name__)}"
    )
    return out


@points(1)
def test_classifier_ignores_padding(student):
    rng = submission_rng(f"{SLUG}:padding")
    tokens, lengths, _ = sequences(rng, 12, 16)
    call = "SequenceClassifier(6, 8, 16, 2), in eval mode, called on tokens (12, 16) and their lengths"
    model = student.SequenceClassifier(VOCAB, 8, 16, 2)
    model.eval()
    logits = logits_of(model, tokens, lengths, call)
    wider = torch.cat([tokens, torch.zeros(12, 7, dtype=torch.long)], dim=1)
    junk = torch.from_numpy(rng.integers(1, VOCAB, wider.shape))
    for row, length in enumerate(lengths.tolist()):
        wider[row, length:] = junk[row, length:]
    other = logits_of(model, wider, lengths, call.replace("(12, 16)", "(12, 23)"))
    gap = float((other - logits.float()).abs().max())
    assert gap <= 1e-4, (
        f"{call}: padding the batch to 23 columns and putting junk tokens after each row's length changed the "
        f"logits by up to {gap:.3g}. The logits must depend only on each row's first lengths[row] tokens: use the "
        "hidden state at the last REAL step (pack_padded_sequence, or run_lstm with lengths), not the last column"
    )


def trained(student):
    if "model" not in _cache:
        rng = submission_rng(f"{SLUG}:train")
        tokens, lengths, labels = sequences(rng, 800, 16)
        call = "train_classifier(tokens (800, 16), lengths, labels, epochs=6, seed=0)"
        try:
            with call_timeout(90):
                model = student.train_classifier(tokens, lengths, labels, epochs=6, seed=0)
        except StudentError as error:
            raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
        assert isinstance(model, Remote), f"{call} should return the trained SequenceClassifier, got {model!r:.100}"
        _cache["model"] = (call, model)
    return _cache["model"]


@points(2)
def test_trained_classifier_accuracy(student):
    call, model = trained(student)
    assert model.training is False, f"the model from {call} is in training mode; call model.eval() before returning it"
    rng = submission_rng(f"{SLUG}:evaluate")
    tokens, lengths, labels = sequences(rng, 400, 20)
    logits = logits_of(model, tokens, lengths, f"the model from {call}, called on 400 new sequences padded to 20")
    accuracy = float((logits.argmax(dim=1) == labels).float().mean())
    assert accuracy >= 0.9, (
        f"the model from {call} classifies 400 new sequences (half with the pattern 1, 2) with accuracy "
        f"{accuracy:.3f}, expected at least 0.9"
    )
