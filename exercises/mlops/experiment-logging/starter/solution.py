"""An experiment logger: runs, parameters, step-wise metrics, best-run queries and JSON-lines export.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact rules.
"""

import json
import math


class ExperimentLogger:
    """Tracks runs with params and metrics; exports and imports them as JSON lines."""

    def __init__(self):
        self._runs = {}  # run_id -> run record, in creation order
        self._counter = 0  # the number of the last run id handed out

    def start_run(self, name: str, params: dict | None = None) -> str:
        """Create a running run and return its id ("run-1", "run-2", ...)."""
        raise NotImplementedError("start_run is not written yet")

    def log_metric(self, run_id: str, key: str, value: float, step: int | None = None) -> int:
        """Record value for key at step (default: the next step); return the step used."""
        raise NotImplementedError("log_metric is not written yet")

    def end_run(self, run_id: str, status: str = "finished") -> None:
        """Mark the run "finished" or "failed"."""
        raise NotImplementedError("end_run is not written yet")

    def get_run(self, run_id: str) -> dict:
        """{"run_id", "name", "params", "status", "metrics": {key: [[step, value], ...]}} (a copy)."""
        raise NotImplementedError("get_run is not written yet")

    def final_metric(self, run_id: str, key: str) -> float:
        """The value of key at its last step."""
        raise NotImplementedError("final_metric is not written yet")

    def best_run(self, metric: str, direction: str = "max") -> str | None:
        """The finished run with the best final value of metric; earliest run on ties; None if none."""
        raise NotImplementedError("best_run is not written yet")

    def to_jsonl(self) -> str:
        """One json.dumps(get_run(id), sort_keys=True) line per run, each ending with a newline."""
        raise NotImplementedError("to_jsonl is not written yet")

    @classmethod
    def from_jsonl(cls, text: str) -> "ExperimentLogger":
        """Rebuild a logger; ValueError("line N: ...") for an invalid line."""
        raise NotImplementedError("from_jsonl is not written yet")
