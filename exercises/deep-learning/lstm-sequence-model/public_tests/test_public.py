"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example from the statement, compare your cell and run_lstm with PyTorch on inputs of their
own, check that padding is ignored, and run a short training. The hidden grader draws other weights and
sequences and trains on a larger set.
"""

import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import LSTMCell, SequenceClassifier, run_lstm, train_classifier  # noqa: E402


def torch_lstm_like(cell):
    lstm = nn.LSTM(cell.weight_ih.shape[1], cell.weight_hh.shape[1], batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, name + "_l0").copy_(getattr(cell, name))
    return lstm


def test_parameters_have_torch_names_and_shapes():
    shapes = {name: tuple(t.shape) for name, t in LSTMCell(3, 5).state_dict().items()}
    want = {"weight_ih": (20, 3), "weight_hh": (20, 5), "bias_ih": (20,), "bias_hh": (20,)}
    assert shapes == want, f"LSTMCell(3, 5).state_dict() holds {shapes}, expected {want}"


def test_statement_example_one_step():
    torch.manual_seed(0)
    torch_cell = nn.LSTMCell(3, 5)
    cell = LSTMCell(3, 5)
    cell.load_state_dict(torch_cell.state_dict())
    x = torch.randn(4, 3)
    h, c = cell(x)
    want_h, want_c = torch_cell(x)
    assert torch.allclose(h, want_h, atol=1e-6) and torch.allclose(c, want_c, atol=1e-6), (
        "with zero state, one step differs from nn.LSTMCell: check the gate order i, f, g, o"
    )
    state = (torch.randn(4, 5), torch.randn(4, 5))
    h, c = cell(x, state)
    want_h, want_c = torch_cell(x, state)
    assert torch.allclose(h, want_h, atol=1e-6) and torch.allclose(c, want_c, atol=1e-6), (
        "with a given (h, c), one step differs from nn.LSTMCell"
    )


def test_full_length_sequences_match_nn_lstm():
    torch.manual_seed(1)
    cell = LSTMCell(3, 4)
    x = torch.randn(2, 6, 3)
    outputs, (h_n, c_n) = run_lstm(cell, x)
    want_out, (want_h, want_c) = torch_lstm_like(cell)(x)
    assert torch.allclose(outputs, want_out, atol=1e-5), "the outputs differ from nn.LSTM's (carry both h and c)"
    assert torch.allclose(h_n, want_h[0], atol=1e-5) and torch.allclose(c_n, want_c[0], atol=1e-5), (
        "the final (h, c) differ from nn.LSTM's"
    )


def test_statement_example_variable_lengths():
    torch.manual_seed(2)
    cell = LSTMCell(3, 5)
    x = torch.randn(2, 6, 3)
    outputs, (h_n, c_n) = run_lstm(cell, x, lengths=[6, 2])
    assert tuple(outputs.shape) == (2, 6, 5) and tuple(h_n.shape) == (2, 5), (
        f"expected outputs (2, 6, 5) and h_n (2, 5), got {tuple(outputs.shape)} and {tuple(h_n.shape)}"
    )
    assert bool((outputs[1, 2:] == 0).all()), "the outputs of row 1 after its length (2) should be zeros"
    assert torch.equal(h_n[1], outputs[1, 1]), "h_n of row 1 should be its hidden state after its last real step (t=1)"
    _, (want_h, want_c) = torch_lstm_like(cell)(pack_padded_sequence(x, torch.tensor([6, 2]), batch_first=True))
    assert torch.allclose(c_n, want_c[0], atol=1e-5), "c_n should be each row's cell state after its last real step"


def test_classifier_ignores_what_follows_the_length():
    torch.manual_seed(3)
    model = SequenceClassifier(6, 4, 8, 2).eval()
    tokens = torch.tensor([[3, 1, 2, 5, 0, 0], [1, 5, 2, 2, 4, 1]])
    lengths = torch.tensor([4, 6])
    logits = model(tokens, lengths)
    assert tuple(logits.shape) == (2, 2), f"expected (2, 2) logits, got {tuple(logits.shape)}"
    wider = torch.cat([tokens, torch.tensor([[4, 4, 4], [3, 3, 3]])], dim=1)
    wider[0, 4:] = 5  # junk in row 0's padding
    assert torch.allclose(model(wider, lengths), logits, atol=1e-5), (
        "the logits changed when the padding changed: use the hidden state at each row's last real step"
    )


def pattern_data(n, seed):
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.zeros(n, 12, dtype=torch.long)
    lengths = torch.randint(4, 13, (n,), generator=generator)
    labels = torch.zeros(n, dtype=torch.long)
    for row in range(n):
        length = int(lengths[row])
        seq = torch.randint(1, 6, (length,), generator=generator)
        labels[row] = int(any(seq[i] == 1 and seq[i + 1] == 2 for i in range(length - 1)))
        tokens[row, :length] = seq
    return tokens, lengths, labels


def test_short_training_learns_something():
    tokens, lengths, labels = pattern_data(400, seed=0)
    model = train_classifier(tokens, lengths, labels, epochs=4, seed=0)
    assert model.training is False, "train_classifier should return the model in evaluation mode"
    test_tokens, test_lengths, test_labels = pattern_data(200, seed=1)
    with torch.no_grad():
        accuracy = float((model(test_tokens, test_lengths).argmax(1) == test_labels).float().mean())
    majority = float(max(test_labels.float().mean(), 1 - test_labels.float().mean()))
    assert accuracy > majority + 0.05, (
        f"after 4 epochs on 400 sequences the accuracy is {accuracy:.2f}, no better than always answering the "
        f"majority class ({majority:.2f})"
    )
