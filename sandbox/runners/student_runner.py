"""Runs inside the student box: loads the submission and answers the grader's calls.

    python3 -I -B /opt/gradient/student_runner.py SOCKET [PRELOAD ...]

The runner connects, imports the slow libraries it is given (so the submission finds them loaded), says
``warm`` and waits: the box may be started before any submission exists (the worker's warm pool). With
``{"op": "go", "module": NAME}`` it copies the submission in, imports it and answers calls. A submission
that is a notebook (``NAME.ipynb``, no ``NAME.py``) runs cell by cell instead, the way a kernel runs it
(notebook_runner.py); its cells' errors and notes ride in the ``ready`` frame.

The box holds nothing secret, so nothing here needs protecting from the student's code: whatever that code
does to this process can only change its own answers, which the grader checks. The worker owns the other end
of SOCKET and relays requests from the grader box.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import signal
import socket
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


import gradient_wire as wire  # noqa: E402
from gradient_wire import Op  # noqa: E402

INBOX = "/box/in/files"
WORKDIR = "/work"
MAX_TRACEBACK = 4000


class CallTimeout(BaseException):
    """Raised inside a call that ran past its time limit (BaseException: `except Exception` won't eat it)."""


class Handles:
    """Objects that cannot cross the wire stay here; the grader refers to them by number."""

    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}

    def register(self, obj: Any) -> tuple[int, str, bool]:
        key = id(obj)
        if key not in self.ids:
            handle_id = len(self.objects) + 1
            self.objects[handle_id] = obj
            self.ids[key] = handle_id
        return self.ids[key], type(obj).__name__, callable(obj)

    def get(self, handle_id: Any) -> Any:
        if type(handle_id) is not int or handle_id not in self.objects:
            raise LookupError(f"unknown handle {handle_id!r}")
        return self.objects[handle_id]

    def resolve(self, value: Any) -> Any:
        """A decoded argument with the grader's references to student objects turned back into the objects."""
        if isinstance(value, wire.Handle):
            return self.get(value.id)
        if type(value) is list:
            return [self.resolve(v) for v in value]
        if type(value) is tuple:
            return tuple(self.resolve(v) for v in value)
        if type(value) is dict:
            return {k: self.resolve(v) for k, v in value.items()}
        return value


# A notebook's cells are compiled under these names (notebook_runner.CellCompiler).
CELL_FILE = re.compile(r"<cell (\d+)>")
CELL_IN_SYNTAX_ERROR = re.compile(r'File "<cell (\d+)>", line (\d+)')


def _where(filename: str, lineno: int | None) -> str | None:
    """How a frame of the student's own code is named: a notebook cell, or a file relative to /work."""
    cell = CELL_FILE.fullmatch(filename)
    if cell:
        return f"Cell {cell.group(1)}, line {lineno}"
    if filename.startswith(WORKDIR + "/"):
        return f'File "{os.path.relpath(filename, WORKDIR)}", line {lineno}'
    return None


def student_traceback(exc: BaseException) -> str:
    """The traceback restricted to the student's own code (their files, their notebook's cells), with
    paths made relative and cells named as cells."""
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        where = _where(frame.filename, frame.lineno)
        if where is not None:
            lines.append(f"  {where}, in {frame.name}\n" + (f"    {frame.line}\n" if frame.line else ""))
    last = "".join(traceback.format_exception_only(type(exc), exc))
    text = "".join(lines) + CELL_IN_SYNTAX_ERROR.sub(r"Cell \1, line \2", last)
    return text[-MAX_TRACEBACK:]


def error_payload(exc: BaseException) -> dict[str, Any]:
    name = "Timeout" if isinstance(exc, CallTimeout) else type(exc).__name__
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a hostile __str__ must not kill the runner
        message = "<unprintable message>"
    return {"type": name[:200], "message": message[:2000], "traceback": student_traceback(exc)}


def copy_submission() -> None:
    for root, _dirs, files in os.walk(INBOX):
        rel = os.path.relpath(root, INBOX)
        target_dir = os.path.normpath(os.path.join(WORKDIR, rel))
        os.makedirs(target_dir, exist_ok=True)
        for name in files:
            shutil.copyfile(os.path.join(root, name), os.path.join(target_dir, name))


def load_module(module_name: str) -> tuple[Any, dict[str, Any] | None]:
    try:
        return importlib.import_module(module_name), None
    except SyntaxError as exc:
        filename = os.path.relpath(str(exc.filename), WORKDIR)[:200] if exc.filename else f"{module_name}.py"
        return None, {
            "kind": "syntax",
            "file": filename,
            "line": exc.lineno if type(exc.lineno) is int else None,
            "message": f"{type(exc).__name__}: {str(exc.msg)[:2000]}",
        }
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None, {"kind": "missing", "message": f"no file {module_name}.py was submitted"}
        return None, {"kind": "import", "message": student_traceback(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt and friends included
        return None, {"kind": "import", "message": student_traceback(exc)}


def load_notebook(
    module_name: str, path: str, check_point: Any = None
) -> tuple[Any, dict[str, Any] | None, dict[str, Any]]:
    """Run the notebook at ``path`` cell by cell as the module ``module_name``: (module, load error, report
    of its cells' errors and notes). A cell that raises is in the report, never a load error.
    ``check_point(frame, module)`` serves the grader at each check point."""
    try:
        import notebook_runner
    except BaseException as exc:  # noqa: BLE001 - IPython missing from this image: say so
        return None, {"kind": "import", "message": f"notebooks cannot run here ({type(exc).__name__}: {exc})"}, {}
    try:
        module, report = notebook_runner.run_notebook(path, module_name, student_traceback, check_point)
    except BaseException as exc:  # noqa: BLE001 - the notebook could not be run at all
        return None, {"kind": "import", "message": student_traceback(exc)}, {}
    return module, None, report


def asgi_request(app: Any, request: dict[str, Any]) -> dict[str, Any]:
    """One HTTP request to the student's ASGI app (e.g. FastAPI), in-process: the box has no network."""
    from fastapi.testclient import TestClient

    method, path = str(request.get("method", "GET")), str(request.get("path", "/"))
    body = wire.decode(request.get("json")) if request.get("json") is not None else None
    timeout = request.get("timeout")
    if type(timeout) in (int, float) and timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.request(method, path, json=body)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return {"status": response.status_code, "json": payload, "text": response.text[:10000],
            "content_type": response.headers.get("content-type", "")}


def on_alarm(_signum: int, _frame: Any) -> None:
    raise CallTimeout("the call ran past its time limit")


class Box:
    """What the runner serves besides the module: the scripted model's relay and a started service."""

    def __init__(self, channel: wire.Channel) -> None:
        # Where the exercise offers a model (go's "llm"): llm_relay.CallState, the model answering only while a
        # call runs. None elsewhere, and nothing of it imported: a fork inside a call copies this runner, so it
        # stays as small as it was (a fork bomb must still let the call's alarm answer in time).
        self.calls: Any = None
        self.service: Any = None  # a service_runner.Service, imported only where the exercise has a service


def serve(
    channel: wire.Channel, module: Any, handles: Handles, box: Box, *, check_point: bool = False
) -> None:
    """Answer the grader's requests until the channel closes (at a check point: until the worker says
    ``resume``, and the notebook goes on). ``handles`` live for the whole run, check points included."""
    signal.signal(signal.SIGALRM, on_alarm)
    while True:
        try:
            request = channel.recv()
        except wire.ChannelClosed:
            if check_point:
                os._exit(0)  # the worker is gone: nothing is left to run the notebook for
            return
        op = request.get("op")
        if op == Op.RESUME:
            if check_point:
                return
            continue  # not paused: nothing to resume, and no answer (the worker expects none)
        if box.calls is not None:
            box.calls.in_call = True  # the scripted model may answer from here until the answer is sent
        try:
            if op == Op.GETATTR:
                target = module if request.get("target") is None else handles.get(request.get("target"))
                name = request.get("name")
                if type(name) is not str:
                    raise TypeError("attribute name must be a string")
                value: Any = getattr(target, name)
            elif op == Op.CALL:
                target = handles.get(request.get("target"))
                args = handles.resolve(wire.decode(request.get("args", [])))
                kwargs = handles.resolve(wire.decode(request.get("kwargs", {"$": "dict", "v": []})))
                timeout = request.get("timeout")
                if type(timeout) in (int, float) and timeout > 0:
                    signal.setitimer(signal.ITIMER_REAL, float(timeout))
                try:
                    value = target(*args, **kwargs)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            elif op == Op.HTTP:
                value = asgi_request(handles.get(request.get("target")), request)
            elif op == Op.SERVICE:
                if box.service is None:
                    raise RuntimeError("this exercise does not run the submission as a service")
                value = box.service.handle({**request, "requests": wire.decode(request.get("requests"))})
            elif op in (Op.SETATTR, Op.DELATTR):  # the module's globals only: handles stay read-only
                name = request.get("name")
                if type(name) is not str or not name.isidentifier():
                    raise TypeError("a global's name must be an identifier")
                if op == Op.SETATTR:
                    setattr(module, name, handles.resolve(wire.decode(request.get("value"))))
                else:
                    delattr(module, name)
                value = None
            else:
                raise ValueError(f"unknown request {op!r}")
            reply: dict[str, Any] = {"op": Op.RESULT, "ok": True, "value": wire.encode(value, handles.register)}
        except BaseException as exc:  # noqa: BLE001 - every student failure becomes an answer
            reply = {"op": Op.RESULT, "ok": False, "error": error_payload(exc)}
        if box.calls is not None:
            with box.calls.wire_lock:  # waits for a model exchange still on the channel (a thread of the call's)
                box.calls.in_call = False
                signal.setitimer(signal.ITIMER_REAL, 0)  # an exchange that ended after the call re-armed its alarm
        try:
            channel.send(reply)
        except wire.WireError as exc:  # an answer too large for a frame: say so instead of dying
            too_large = RuntimeError(f"the answer could not be sent: {exc}")
            channel.send({"op": Op.RESULT, "ok": False, "error": error_payload(too_large)})


def preload(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - not in this image: the submission's own import will say so
            continue


def wait_for_go(channel: wire.Channel) -> dict[str, Any] | None:
    """The job (the module to load; whether a scripted model and a service are part of it), once the worker
    hands over a submission; None if it goes away first."""
    try:
        go = channel.recv()
    except wire.WireError:
        return None
    module_name = go.get("module")
    if go.get("op") != Op.GO or type(module_name) is not str or not module_name.isidentifier():
        return None
    return go


def main() -> None:
    socket_path = sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    channel = wire.Channel(sock)
    preload(sys.argv[2:])
    channel.send({"op": Op.WARM})
    go = wait_for_go(channel)
    if go is None:
        return
    began = time.monotonic()
    module_name = go["module"]
    copy_submission()
    os.chdir(WORKDIR)
    sys.path.insert(0, WORKDIR)
    notebook = os.path.join(WORKDIR, f"{module_name}.ipynb")
    report: dict[str, Any] = {}
    handles = Handles()
    box = Box(channel)
    if go.get("llm") is True:  # before the submission loads: clients read these when they are made
        import llm_relay

        box.calls = llm_relay.CallState(channel)
        os.environ["OPENAI_BASE_URL"] = llm_relay.start(box.calls)
        os.environ["OPENAI_API_KEY"] = llm_relay.API_KEY

    def check_point(frame: dict[str, Any], notebook_module: Any) -> None:
        """The notebook paused at a check point: serve the grader until the worker says resume."""
        channel.send({"op": Op.CHECKPOINT, **frame})
        serve(channel, notebook_module, handles, box, check_point=True)

    if not os.path.exists(os.path.join(WORKDIR, f"{module_name}.py")) and os.path.isfile(notebook):
        sys.argv = [f"{module_name}.ipynb"]
        module, load_error, report = load_notebook(module_name, notebook, check_point)
    else:
        sys.argv = [f"{module_name}.py"]
        module, load_error = load_module(module_name)
    if load_error is not None:
        channel.send({"op": Op.LOAD_ERROR, **load_error})
        return
    service = go.get("service")
    if type(service) is dict:
        load_timeout = go.get("load_timeout_s")
        budget = float(load_timeout) if type(load_timeout) in (int, float) and load_timeout > 0 else 30.0
        import service_runner

        box.service = service_runner.Service(module_name, service)
        box.service.start(deadline=began + budget - 0.5)
    channel.send({"op": Op.READY, **report})
    serve(channel, module, handles, box)


if __name__ == "__main__":
    main()
