"""Hidden grader for mlops/onnx-export.

The grader draws the weights and batch-norm statistics of a TabularNet (per submission), loads them into the
student's TabularNet in the student box, and has the student export it once (shared by the tests, in
`_exported`). The expected outputs come from the grader's own copy of the network, in evaluation mode, here in
the grader box. The student's onnxruntime session stays in the student box; the grader calls its `run` and
`get_inputs` directly to look at the exported graph itself.
"""

import math

import numpy as np
import torch
from torch import nn

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    points,
    shows_expected,
    submission_rng,
)

SLUG = "mlops/onnx-export"
N_FEATURES, HIDDEN, N_CLASSES = 6, 24, 4
ATOL = 1e-4
_cache = {}


class TabularNet(nn.Module):
    """The grader's copy of the statement's network."""

    def __init__(self, n_features, hidden, n_classes, dropout=0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.net(x)


def _state(role):
    """Weights and batch-norm running statistics far from their defaults, so that evaluation mode (running
    statistics, no dropout) and training mode (batch statistics, dropout) give clearly different outputs."""
    rng = submission_rng(f"{SLUG}:{role}")
    net = TabularNet(N_FEATURES, HIDDEN, N_CLASSES)
    state = {}
    for name, tensor in net.state_dict().items():
        if name.endswith("running_var"):
            value = rng.uniform(0.3, 3.0, tensor.shape)
        elif name.endswith("running_mean"):
            value = rng.normal(0.0, 1.5, tensor.shape)
        elif name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(100)
            continue
        else:
            value = rng.normal(0.0, 0.6, tensor.shape)
        state[name] = torch.tensor(value, dtype=torch.float32)
    return state


def _truth(state, x):
    net = TabularNet(N_FEATURES, HIDDEN, N_CLASSES)
    net.load_state_dict(state)
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(x, dtype=np.float32).reshape(-1, N_FEATURES))).numpy().astype(np.float64)


def _student_model(student, state):
    call = f"TabularNet({N_FEATURES}, {HIDDEN}, {N_CLASSES}).load_state_dict(<weights>)"
    try:
        model = student.TabularNet(N_FEATURES, HIDDEN, N_CLASSES)
        model.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:300]} (keep the TabularNet class as the starter gives it)"
        ) from None
    return model


def _exported(student):
    """(state, model, path, session, export_call): the student's export of a model handed over in TRAINING mode."""
    if "error" in _cache:
        raise AssertionError(_cache["error"])
    if "session" in _cache:
        return _cache["state"], _cache["model"], _cache["path"], _cache["session"], _cache["call"]
    state = _state("model")
    call = f"export_onnx(model, {N_FEATURES}) with a trained TabularNet({N_FEATURES}, {HIDDEN}, {N_CLASSES}) in training mode"
    try:
        model = _student_model(student, state)
        model.train()
        with call_timeout(150):
            path = student.export_onnx(model, N_FEATURES)
        if not isinstance(path, str) or not path.endswith(".onnx"):
            raise AssertionError(f"{call} returned {path!r:.200}, expected the path of the .onnx file as a str")
        with call_timeout(60):
            session = student.load_session(path)
        if not isinstance(session, Remote) or "InferenceSession" not in repr(session):
            raise AssertionError(
                f"load_session({path!r}) returned {session!r:.100}, expected an onnxruntime.InferenceSession"
            )
    except StudentError as error:
        _cache["error"] = f"{call}, then load_session(path), raised {error.type_name}: {error.message[:400]}"
        raise AssertionError(_cache["error"]) from None
    except AssertionError as error:
        _cache["error"] = str(error)
        raise
    _cache.update(state=state, model=model, path=path, session=session, call=call, mode=model.training)
    return state, model, path, session, call


def _graph_io(session):
    inputs = [(arg.name, list(arg.shape)) for arg in session.get_inputs()]
    outputs = [(arg.name, list(arg.shape)) for arg in session.get_outputs()]
    return inputs, outputs


def _hint(error):
    """What a student error usually means here, in words."""
    message = error.message
    if "invalid dimensions" in message:
        return " The exported graph's batch axis is fixed: export with a dynamic axis 0."
    if "data type" in message:
        return " The graph's input is float32: convert x with np.asarray(x, dtype=np.float32) before session.run."
    if "more than 1 value per channel" in message:
        return " Batch norm in training mode cannot take one row: run the torch model in evaluation mode."
    return ""


def _run_in_pairs(session, name, x, call):
    """The session's logits for x, fed 2 rows at a time (the example's batch size), so that these checks do not
    depend on the batch axis being dynamic (test_batch_axis_is_dynamic checks that)."""
    try:
        return np.concatenate([session.run(None, {name: x[i:i + 2]})[0] for i in range(0, len(x), 2)])
    except StudentError as error:
        raise AssertionError(f"session.run on the graph written by {call} raised {error.type_name}: {error.message[:300]}") from None


def _batches(role, sizes):
    rng = submission_rng(f"{SLUG}:{role}")
    return [rng.normal(0.0, 1.5, (size, N_FEATURES)).astype(np.float32) for size in sizes]


def _array(got, call, shape):
    if isinstance(got, torch.Tensor):
        raise AssertionError(f"{call} returned a torch tensor; return a NumPy array (tensor.numpy())")
    assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}: {got!r:.100}"
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape}"
    return got.astype(np.float64)


@points(1)
def test_export_writes_a_loadable_file(student):
    _, _, path, session, call = _exported(student)
    assert path.startswith("/"), (
        f"{call} returned {path!r}: with path=None, write model.onnx into a new temporary folder "
        "(tempfile.mkdtemp()) and return its absolute path"
    )
    inputs, outputs = _graph_io(session)
    assert len(inputs) == 1 and len(outputs) == 1, (
        f"the exported graph has {len(inputs)} inputs and {len(outputs)} outputs ({inputs}, {outputs}); "
        "expected one input (the rows) and one output (the logits): export the weights as initializers, not inputs"
    )
    x = _batches("first", [6])[0]
    out = session.run(None, {inputs[0][0]: x[:2]})
    assert isinstance(out, list) and len(out) == 1, f"session.run(None, ...) returned {out!r:.100}, expected [logits]"
    assert_close(_run_in_pairs(session, inputs[0][0], x, call), _truth(_cache["state"], x), atol=ATOL, rtol=0,
                 what="the exported model's logits for 6 rows (through session.run, compared with the torch model)")


@shows_expected
@points(1)
def test_input_and_output_names(student):
    _, _, _, session, call = _exported(student)
    inputs, outputs = _graph_io(session)
    names = ([n for n, _ in inputs], [n for n, _ in outputs])
    assert names == (["features"], ["logits"]), (
        f"the graph written by {call} has the input names {names[0]} and output names {names[1]}, expected "
        "['features'] and ['logits']: pass input_names=['features'] and output_names=['logits'] to "
        "torch.onnx.export (without them the names come from the exporter, and clients that feed 'features' fail)"
    )
    got = student.io_names(session)
    assert isinstance(got, (tuple, list)) and len(got) == 2 and [list(got[0]), list(got[1])] == [["features"], ["logits"]], (
        f"io_names(session) returned {got!r}, expected (['features'], ['logits']), read from session.get_inputs() "
        "and session.get_outputs()"
    )


@points(2)
def test_batch_axis_is_dynamic(student):
    state, _, _, session, call = _exported(student)
    inputs, outputs = _graph_io(session)
    name, shape = inputs[0]
    assert len(shape) == 2 and shape[1] == N_FEATURES, (
        f"the input of the graph written by {call} has shape {shape}, expected two axes: [<batch>, n_features] with "
        "the n_features passed to export_onnx"
    )
    assert not isinstance(shape[0], int), (
        f"the input of the graph written by {call} has the fixed shape {shape}: its batch axis is frozen to "
        f"{shape[0]} rows, so any other batch size is refused. Mark axis 0 as dynamic (dynamic_axes with "
        "dynamo=False, or dynamic_shapes with the default exporter), for the input and the output"
    )
    rng = submission_rng(f"{SLUG}:sizes")
    sizes = [1, int(rng.integers(2, 9)), int(rng.integers(40, 130))]
    for x in _batches("batches", sizes):
        try:
            out = session.run(None, {name: x})[0]
        except StudentError as error:
            raise AssertionError(
                f"session.run on the graph written by {call}, with a batch of {len(x)} rows, raised {error.type_name}: "
                f"{error.message[:300]}"
            ) from None
        assert tuple(out.shape) == (len(x), N_CLASSES), (
            f"session.run with a batch of {len(x)} rows returned shape {tuple(out.shape)}, expected ({len(x)}, {N_CLASSES})"
        )
        assert_close(out, _truth(state, x), atol=ATOL, rtol=0, what=f"the exported model's logits for {len(x)} rows")


@points(2)
def test_exported_in_eval_mode(student):
    state, _, _, session, call = _exported(student)
    mode = _cache["mode"]  # read right after the export
    assert mode is False, (
        f"after {call}, model.training is {mode!r}: call model.eval() before exporting (the exporter traces the "
        "model in whatever mode it is in; in training mode dropout zeroes random activations and batch norm uses "
        "each batch's own statistics) and leave the model in evaluation mode"
    )
    x = _batches("eval-mode", [32])[0]
    name = _graph_io(session)[0][0][0]
    first, second = _run_in_pairs(session, name, x, call), _run_in_pairs(session, name, x, call)
    assert np.array_equal(first, second), "the exported model gave different outputs for the same rows twice (dropout is on)"
    close = np.isclose(first, _truth(state, x), atol=ATOL, rtol=0)
    assert close.all(), (
        f"the exported model's logits differ from the torch model's in evaluation mode for {int((~close).sum())} of "
        f"{close.size} values: the graph was traced in training mode (batch statistics, dropout). Export after "
        "model.eval()"
    )


@points(1)
def test_onnx_predict(student):
    state, _, _, session, _ = _exported(student)
    x = _batches("predict", [9])[0].astype(np.float64)
    call = "onnx_predict(session, x) with x a float64 array of shape (9, 6)"
    try:
        got = student.onnx_predict(session, x)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:300]}{_hint(error)}"
        ) from None
    assert_close(_array(got, call, (9, N_CLASSES)), _truth(state, x), atol=ATOL, rtol=0, what=call)
    row = [float(v) for v in x[0]]
    call = f"onnx_predict(session, {np.round(row, 3).tolist()}) (one row as a plain list)"
    got = _array(student.onnx_predict(session, row), call, (1, N_CLASSES))
    assert_close(got, _truth(state, row), atol=ATOL, rtol=0, what=call)


@points(1)
def test_torch_predict_in_eval_mode(student):
    state = _state("predict-model")
    model = _student_model(student, state)
    model.train()
    x = _batches("torch-predict", [12])[0].astype(np.float64)
    call = "torch_predict(model, x) with the model in training mode and x a float64 array of shape (12, 6)"
    try:
        first = _array(student.torch_predict(model, x), call, (12, N_CLASSES))
        second = _array(student.torch_predict(model, x), call, (12, N_CLASSES))
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}{_hint(error)}") from None
    assert np.array_equal(first, second), (
        f"{call} gave different outputs for the same rows twice: dropout is still on; call model.eval() first"
    )
    assert_close(first, _truth(state, x), atol=1e-5, rtol=0, what=f"{call} (evaluation mode: running batch-norm statistics)")
    row = [float(v) for v in x[3]]
    call = "torch_predict(model, <one row as a plain list>)"
    try:
        got = _array(student.torch_predict(model, row), call, (1, N_CLASSES))
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:300]}{_hint(error)}"
        ) from None
    assert_close(got, _truth(state, row), atol=1e-5, rtol=0, what=call)


def _report(got, call, sizes):
    assert isinstance(got, dict) and set(got) == {"max_abs_diff", "ok"}, (
        f"{call} returned {got!r:.200}, expected a dict with the keys 'max_abs_diff' and 'ok'"
    )
    diffs = got["max_abs_diff"]
    assert isinstance(diffs, dict) and sorted(diffs) == sorted(sizes), (
        f"{call}['max_abs_diff'] is {diffs!r:.200}, expected one entry per batch size given, keyed by the size"
    )
    for size, value in diffs.items():
        assert isinstance(value, float) and math.isfinite(value) and value >= 0, (
            f"{call}['max_abs_diff'][{size}] is {value!r}, expected a finite float >= 0"
        )
    assert isinstance(got["ok"], bool), f"{call}['ok'] is {got['ok']!r}, expected True or False"
    return diffs, got["ok"]


@points(1.5)
def test_parity_report(student):
    _, model, _, session, _ = _exported(student)
    model.train()
    sizes = [1, 7, 33]
    call = "parity_report(model, session, batch_sizes=[1, 7, 33], atol=1e-4) with the model in training mode"
    try:
        with call_timeout(30):
            got = student.parity_report(model, session, batch_sizes=sizes, atol=ATOL)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:300]}{_hint(error)}"
        ) from None
    diffs, ok = _report(got, call, sizes)
    worst = max(diffs.values())
    assert worst <= ATOL and ok is True, (
        f"{call} returned {got!r:.300}: a correct export matches torch to about 1e-6. A large difference usually "
        "means the torch side ran in training mode (call model.eval() and use torch.no_grad())"
    )

    other = _student_model(student, _state("other-model"))
    call = "parity_report(other_model, session, batch_sizes=[2, 5]) where other_model has different weights"
    with call_timeout(30):
        got = student.parity_report(other, session, batch_sizes=[2, 5])
    diffs, ok = _report(got, call, [2, 5])
    assert ok is False and min(diffs.values()) > ATOL, (
        f"{call} returned {got!r:.300}: the two models disagree, so the differences are large and 'ok' is False. "
        "Compare the torch model's outputs with the session's on the same random rows"
    )


@points(0.5)
def test_compare_latency(student):
    _, model, _, session, _ = _exported(student)
    call = "compare_latency(model, session, batch_size=16, repeats=5, warmup=1)"
    with call_timeout(30):
        got = student.compare_latency(model, session, batch_size=16, repeats=5, warmup=1)
    assert isinstance(got, dict) and set(got) == {"torch_ms", "onnx_ms", "speedup"}, (
        f"{call} returned {got!r:.200}, expected a dict with the keys 'torch_ms', 'onnx_ms' and 'speedup'"
    )
    for key in ("torch_ms", "onnx_ms", "speedup"):
        value = got[key]
        assert isinstance(value, float) and math.isfinite(value) and value > 0, (
            f"{call}[{key!r}] is {value!r}, expected a positive float"
        )
    assert got["torch_ms"] < 5000 and got["onnx_ms"] < 5000, (
        f"{call} reports {got['torch_ms']:.1f} ms and {got['onnx_ms']:.1f} ms for one batch of 16 rows: "
        "milliseconds are seconds * 1000 (time.perf_counter() gives seconds)"
    )
    assert math.isclose(got["speedup"], got["torch_ms"] / got["onnx_ms"], rel_tol=1e-6), (
        f"{call}['speedup'] is {got['speedup']:.4g} but torch_ms / onnx_ms is "
        f"{got['torch_ms'] / got['onnx_ms']:.4g}: speedup = torch_ms / onnx_ms"
    )
