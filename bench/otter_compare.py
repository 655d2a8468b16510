"""The same notebook graded by Otter-Grader's local runner (`otter run`) and by Gradient.

    python bench/otter_compare.py [--runs 5]

Otter-Grader is installed with pip into its own virtual environment (.cache/otter-venv, with ipykernel
for the notebook's kernel), never into the project's. A minimal Otter assignment for
python-foundations/csv-json-report is generated with `otter generate` from exception-based test files
(bench/otter/tests/, ports of the hidden grader's six tests, same points). Each submission is then timed
as one command, like a grading script would run it:

  otter run -a autograder.zip solution.ipynb            (executes the notebook in a kernel on the host,
                                                        no isolation, grader and student in one process)
  manage.py grade python-foundations/csv-json-report solution.ipynb --json
                                                       (Gradient's sandbox: two containers, no database)

Both must give the reference full marks and a known-wrong solution (as a notebook) fewer points.
If Otter cannot be installed or run here, the reason is printed and the comparison is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Report, heading, percentile, summary  # noqa: E402 - bench/ holds scripts

EXERCISE = "python-foundations/csv-json-report"
OTTER_VENV = ROOT / ".cache" / "otter-venv"
OTTER_TESTS = ROOT / "bench" / "otter" / "tests"
REFERENCE = ROOT / "graders" / EXERCISE / "reference" / "solution.ipynb"
WRONG = ROOT / "graders" / EXERCISE / "wrong" / "split-on-commas" / "solution.py"


class OtterUnavailable(Exception):
    pass


def _clean_env() -> dict[str, str]:
    """The environment without the project's paths, so Otter's kernel sees only its own packages."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV")}
    env["PATH"] = f"{OTTER_VENV / 'bin'}:{env.get('PATH', '')}"
    return env


def ensure_otter() -> Path:
    otter = OTTER_VENV / "bin" / "otter"
    python = OTTER_VENV / "bin" / "python"
    if otter.exists() and subprocess.run([str(python), "-c", "import otter, ipykernel"], capture_output=True,
                                         env=_clean_env(), check=False).returncode == 0:
        return otter
    print(f"  installing otter-grader and ipykernel into {OTTER_VENV.relative_to(ROOT)} (once) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(OTTER_VENV)], check=True,
                       capture_output=True, text=True, timeout=120)
        subprocess.run([str(OTTER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "otter-grader",
                        "ipykernel"], check=True, capture_output=True, text=True, timeout=600, env=_clean_env())
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(OTTER_VENV, ignore_errors=True)
        output = getattr(exc, "stderr", "") or getattr(exc, "stdout", "") or ""
        raise OtterUnavailable(f"pip could not install otter-grader: {exc} {str(output)[-800:]}") from exc
    return otter


def as_notebook(source: str, target: Path) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, target)
    return target


def build_assignment(otter: Path, work: Path) -> Path:
    shutil.copytree(OTTER_TESTS, work / "tests")
    result = subprocess.run([str(otter), "generate", "-t", "tests", "-o", "autograder.zip", "--no-config",
                             "--no-requirements", "--no-environment"],
                            cwd=work, capture_output=True, text=True, env=_clean_env(), check=False, timeout=300)
    if result.returncode != 0 or not (work / "autograder.zip").exists():
        raise OtterUnavailable(f"otter generate failed: {(result.stdout + result.stderr)[-1500:]}")
    return work / "autograder.zip"


def otter_run(otter: Path, autograder: Path, notebook: Path, out: Path) -> tuple[float, float, float]:
    """(seconds, score, max score) of one `otter run`."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    result = subprocess.run([str(otter), "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(notebook)],
                            cwd=notebook.parent, capture_output=True, text=True, env=_clean_env(), check=False,
                            timeout=300)
    elapsed = time.perf_counter() - start
    results = out / "results.json"
    if result.returncode != 0 or not results.exists():
        raise OtterUnavailable(f"otter run failed ({result.returncode}): {(result.stdout + result.stderr)[-1500:]}")
    tests = [t for t in json.loads(results.read_text())["tests"] if "max_score" in t]
    return elapsed, sum(t.get("score") or 0 for t in tests), sum(t["max_score"] for t in tests)


def gradient_grade(notebook: Path) -> tuple[float, float, float]:
    """(seconds, score, max score) of one `manage.py grade ... --json` (the sandbox, no database)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "manage.py", "grade", EXERCISE, str(notebook), "--json"], cwd=ROOT,
                            capture_output=True, text=True, env=env, check=False, timeout=300)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"manage.py grade failed: {(result.stdout + result.stderr)[-1500:]}")
    outcome = json.loads(result.stdout)
    return elapsed, outcome["score"], outcome["max_score"]


def run(report: Report, *, runs: int, e2e_p50: float | None = None) -> None:
    heading(f"c. the same notebook ({EXERCISE}) graded by Otter-Grader's `otter run` and by Gradient, {runs} runs")
    with tempfile.TemporaryDirectory(prefix="gradient-otter-") as scratch:
        work = Path(scratch)
        submission = work / "submission" / "solution.ipynb"
        submission.parent.mkdir()
        shutil.copy(REFERENCE, submission)
        wrong = as_notebook(WRONG.read_text(), work / "submission" / "wrong.ipynb")
        try:
            otter = ensure_otter()
            autograder = build_assignment(otter, work)
            _, wrong_score, wrong_max = otter_run(otter, autograder, wrong, work / "out")
            otter_times = []
            for index in range(runs + 1):
                elapsed, score, max_score = otter_run(otter, autograder, submission, work / "out")
                if score != max_score:
                    raise OtterUnavailable(f"otter gave the reference {score}/{max_score}")
                if index:  # the first run warms the page cache up, as for ours
                    otter_times.append(elapsed)
        except OtterUnavailable as exc:
            print(f"  Otter-Grader skipped: {exc}")
            report.add("c. vs Otter", "otter run", "skipped", str(exc)[:60], "-")
            return
        _, our_wrong, our_wrong_max = gradient_grade(wrong)
        ours = []
        for index in range(runs + 1):
            elapsed, score, max_score = gradient_grade(submission)
            if score != max_score:
                raise SystemExit(f"manage.py grade gave the reference {score}/{max_score}")
            if index:
                ours.append(elapsed)
    print(f"  known-wrong notebook (split-on-commas): otter {wrong_score:g}/{wrong_max:g}, "
          f"gradient {our_wrong:g}/{our_wrong_max:g}")
    print(summary("otter run (host kernel, no isolation)", otter_times))
    print(summary("manage.py grade (sandbox, 2 containers)", ours))
    o50, g50 = percentile(otter_times, 50), percentile(ours, 50)
    print(f"  {'ratio p50 gradient/otter':<44} {g50 / o50:.2f}x")
    report.add("c. vs Otter", "manage.py grade (CLI, sandbox)", f"p50 {g50:.3f}s  p95 {percentile(ours, 95):.3f}s",
               f"otter run p50 {o50:.3f}s p95 {percentile(otter_times, 95):.3f}s", f"{g50 / o50:.2f}x")
    if e2e_p50 is not None:
        print(f"  {'ratio p50 gradient end-to-end (a.)/otter':<44} {e2e_p50 / o50:.2f}x")
        report.add("c. vs Otter", "upload -> committed score (from a.)", f"p50 {e2e_p50:.3f}s",
                   f"otter run p50 {o50:.3f}s", f"{e2e_p50 / o50:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    report = Report()
    run(report, runs=args.runs)
    print()
    print(report.table())


if __name__ == "__main__":
    main()
