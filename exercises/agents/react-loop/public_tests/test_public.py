"""Public tests: run them with plain pytest, from the folder that holds your solution.ipynb (or solution.py):

    pytest public_tests/

They import solution.py if it exists, otherwise the code cells of solution.ipynb (the way the grader runs
them: top to bottom, as one module; lines starting with % or ! are skipped). They check the statement's
example and small runs of their own through the starter's run_scripted (keep it as it is). The hidden grader
checks more (other responses, questions and tools).
"""

import os
import sys

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)


def load_notebook_as_module(path, name="solution"):
    """Run the code cells of a notebook, top to bottom, as one module (used when there is no solution.py)."""
    import json
    import linecache
    import types

    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") != "code" or source.lstrip().startswith("%%"):
            continue  # markdown, or a cell magic (%%time, %%capture...)
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        code = "\n".join(lines) + "\n"
        filename = f"{os.path.basename(path)} (cell {number})"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks show the cell
        exec(compile(code, filename, "exec"), module.__dict__)  # noqa: S102 - your own notebook
    return module


if not os.path.exists(os.path.join(HERE, "solution.py")) and os.path.exists(os.path.join(HERE, "solution.ipynb")):
    load_notebook_as_module(os.path.join(HERE, "solution.ipynb"))

from solution import parse_step, run_scripted  # noqa: E402

FORMAT_ERROR = "Error: could not parse your response. Use 'Action:' with 'Action Input:', or 'Final Answer:'."


def test_parse_plain_steps():
    got = parse_step("Thought: I need the weather.\nAction: weather\nAction Input: Rome")
    want = {"thought": "I need the weather.", "action": "weather", "action_input": "Rome", "final_answer": None}
    assert got == want, f"parse_step returned {got!r}, expected {want!r}"
    got = parse_step("Thought: easy\nFinal Answer: 42")
    want = {"thought": "easy", "action": None, "action_input": None, "final_answer": "42"}
    assert got == want, f"parse_step returned {got!r}, expected {want!r}"


def test_parse_labels_case_multiline_and_invented_observation():
    got = parse_step("Let me see.\n   final ANSWER: first line\nsecond line  \n")
    assert got["final_answer"] == "first line\nsecond line", (
        f"labels may be indented and in any case, and a value runs to the next label: got {got['final_answer']!r}"
    )
    assert got["thought"] is None, "text before the first label is ignored"
    got = parse_step("Action: calculator\nAction Input: 1 + 1\nObservation: 3\nFinal Answer: 3")
    want = {"thought": None, "action": "calculator", "action_input": "1 + 1", "final_answer": None}
    assert got == want, f"everything from the first 'Observation:' line on must be ignored: got {got!r}, expected {want!r}"


@pytest.mark.parametrize("text", ["I am not sure.", "Thought: hmm\nAction: calculator"])
def test_parse_invalid_steps_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_step(text)


def test_statement_example_run():
    result = run_scripted(
        ["Thought: look it up\nAction: capitals\nAction Input: France",
         "Thought: done\nFinal Answer: Paris"],
        "What is the capital of France?",
        tables={"capitals": {"france": "Paris"}},
    )
    assert (result["answer"], result["stopped"]) == ("Paris", "final_answer"), (
        f"expected answer 'Paris' and stopped 'final_answer', got {result['answer']!r} and {result['stopped']!r}"
    )
    want = {"thought": "look it up", "action": "capitals", "action_input": "France", "final_answer": None, "observation": "Paris"}
    assert result["steps"][0] == want, f"steps[0] is {result['steps'][0]!r}, expected {want!r}"
    assert result["steps"][1]["observation"] is None, "the final-answer step has observation None"
    want = ("Question: What is the capital of France?\nThought: look it up\nAction: capitals\nAction Input: France\n"
            "Observation: Paris\n")
    assert result["prompts"][1] == want, f"the second prompt is {result['prompts'][1]!r}, expected {want!r}"


def test_tool_and_format_errors_become_observations():
    result = run_scripted(
        ["Action: weather\nAction Input: Oslo",
         "Action: calculator\nAction Input: 1 / 0",
         "I will just guess.",
         "Action: calculator\nAction Input: 2 + 3\nObservation: 6\nFinal Answer: 6",
         "Final Answer: 5"],
        "What is 2 + 3?",
        tables={"zoo": {"cat": "mammal"}, "capitals": {"france": "Paris"}},
    )
    observations = [step["observation"] for step in result["steps"]]
    want = ["Error: unknown tool 'weather'. Available tools: calculator, capitals, zoo",
            "Error: ZeroDivisionError: division by zero",
            FORMAT_ERROR,
            "5",
            None]
    assert observations == want, f"the observations were {observations!r}, expected {want!r}"
    parsed = {k: result["steps"][2][k] for k in ("thought", "action", "action_input", "final_answer")}
    assert set(parsed.values()) == {None}, f"an unparseable step has all four fields None, got {parsed!r}"
    assert (result["answer"], result["stopped"]) == ("5", "final_answer"), "an invented observation and answer must not end the run"
    assert result["prompts"][4].endswith("Action: calculator\nAction Input: 2 + 3\nObservation: 5\n"), (
        f"the prompt must carry the real observation, without the invented one: the last prompt ends with {result['prompts'][4][-120:]!r}"
    )


def test_stops_after_max_steps():
    looping = ["Action: calculator\nAction Input: 1 + 1"] * 4
    result = run_scripted(looping, "Loop forever?", max_steps=2)
    assert result["stopped"] == "max_steps" and result["answer"] is None, (
        f"with no final answer the run stops with stopped='max_steps' and answer None, got {result['stopped']!r}, {result['answer']!r}"
    )
    assert len(result["prompts"]) == 2 and len(result["steps"]) == 2, (
        f"max_steps=2 allows exactly 2 model calls, got {len(result['prompts'])} calls and {len(result['steps'])} steps"
    )
    with pytest.raises(ValueError):
        run_scripted(looping, "Zero steps?", max_steps=0)
