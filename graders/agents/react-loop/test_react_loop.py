"""Hidden grader for agents/react-loop (a notebook exercise). Runs go through the starter's run_scripted."""

from gradient_grader import StudentError, points, shows_expected

FORMAT_ERROR = "Error: could not parse your response. Use 'Action:' with 'Action Input:', or 'Final Answer:'."
FIELDS = ("thought", "action", "action_input", "final_answer")


def _parse(student, text):
    call = f"parse_step({text!r})"
    got = student.parse_step(text)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    missing = [k for k in FIELDS if k not in got]
    assert not missing, f"{call} returned {got!r}, which lacks the key(s) {missing}"
    return call, {k: got[k] for k in FIELDS}


def _run(student, responses, question, tables=None, max_steps=5):
    call = f"run_scripted({responses!r:.300}, {question!r}, tables={tables!r}, max_steps={max_steps})"
    got = student.run_scripted(responses, question, tables, max_steps)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    for key in ("answer", "stopped", "steps", "prompts"):
        assert key in got, f"{call}: run_react's result has no key {key!r} (got keys {sorted(got)})"
    assert isinstance(got["steps"], list), f"{call}: 'steps' should be a list, got {got['steps']!r:.200}"
    return call, got


def _step(got, i, call):
    assert len(got["steps"]) > i, f"{call} recorded {len(got['steps'])} steps, expected at least {i + 1}"
    step = got["steps"][i]
    assert isinstance(step, dict), f"{call}: step {i} should be a dict, got {step!r:.200}"
    return step


@shows_expected
@points(2)
def test_parse_basic_steps(student):
    call, got = _parse(student, "Thought: I should search.\nAction: search\nAction Input: tallest mountain")
    want = {"thought": "I should search.", "action": "search", "action_input": "tallest mountain", "final_answer": None}
    assert got == want, f"{call} returned {got!r}, expected {want!r}"
    call, got = _parse(student, "Thought: I know this now.\nFinal Answer: Mount Everest")
    want = {"thought": "I know this now.", "action": None, "action_input": None, "final_answer": "Mount Everest"}
    assert got == want, f"{call} returned {got!r}, expected {want!r}"
    call, got = _parse(student, "Action: calculator\nAction Input:   12 / 4  ")
    want = {"thought": None, "action": "calculator", "action_input": "12 / 4", "final_answer": None}
    assert got == want, f"{call} returned {got!r}, expected {want!r} (values are stripped; absent labels are None)"


@shows_expected
@points(2)
def test_parse_multiline_case_and_invented_observations(student):
    text = "Sure! Let me think.\n  THOUGHT: two facts\nare needed\nFinal answer: Line one.\nLine two.\n"
    call, got = _parse(student, text)
    want = {"thought": "two facts\nare needed", "action": None, "action_input": None,
            "final_answer": "Line one.\nLine two."}
    assert got == want, (
        f"{call} returned {got!r}, expected {want!r} (labels may be indented and in any case; a value runs "
        "until the next label; text before the first label is ignored)"
    )
    text = ("Thought: check the weather\nAction: weather\nAction Input: Oslo\nObservation: sunny, 25 C\n"
            "Thought: great\nFinal Answer: It is sunny in Oslo.")
    call, got = _parse(student, text)
    want = {"thought": "check the weather", "action": "weather", "action_input": "Oslo", "final_answer": None}
    assert got == want, (
        f"{call} returned {got!r}, expected {want!r}: everything from the first 'Observation:' line on was "
        "invented by the model and must be ignored"
    )
    for bad in ("I think the answer is 4.", "Thought: hmm\nAction: search", "Action Input: only input"):
        try:
            got = student.parse_step(bad)
        except StudentError as error:
            assert error.type_name == "ValueError", f"parse_step({bad!r}) raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"parse_step({bad!r}) returned {got!r}, expected ValueError (not a valid step)")


@shows_expected
@points(2)
def test_run_with_tools_and_final_answer(student):
    responses = [
        "Thought: I need the capital first.\nAction: capitals\nAction Input: Japan",
        "Thought: Now the arithmetic.\nAction: calculator\nAction Input: (1200 + 300) / 5",
        "Thought: I have both.\nFinal Answer: Tokyo; 300",
    ]
    call, got = _run(student, responses, "Capital of Japan, and (1200 + 300) / 5?", {"capitals": {"japan": "Tokyo"}})
    assert got["answer"] == "Tokyo; 300", f"{call} gave the answer {got['answer']!r}, expected 'Tokyo; 300'"
    assert got["stopped"] == "final_answer", f"{call} stopped with {got['stopped']!r}, expected 'final_answer'"
    assert len(got["steps"]) == 3, f"{call} recorded {len(got['steps'])} steps, expected 3 (one per model call)"
    want = [
        {"thought": "I need the capital first.", "action": "capitals", "action_input": "Japan",
         "final_answer": None, "observation": "Tokyo"},
        {"thought": "Now the arithmetic.", "action": "calculator", "action_input": "(1200 + 300) / 5",
         "final_answer": None, "observation": "300"},
        {"thought": "I have both.", "action": None, "action_input": None, "final_answer": "Tokyo; 300",
         "observation": None},
    ]
    for i, want_step in enumerate(want):
        step = _step(got, i, call)
        step = {k: step.get(k, "<missing>") for k in want_step}
        assert step == want_step, f"{call}: step {i} is {step!r}, expected {want_step!r}"


@shows_expected
@points(2)
def test_prompts_carry_observations(student):
    responses = [
        "Thought: look it up\nAction: capitals\nAction Input: France\nObservation: Lyon\nFinal Answer: Lyon",
        "Thought: done\nFinal Answer: Paris   \n\n",
    ]
    question = "What is the capital of France?"
    call, got = _run(student, responses, question, {"capitals": {"france": "Paris"}})
    prompts = got["prompts"]
    assert len(prompts) == 2, f"{call}: the model was called {len(prompts)} times, expected 2"
    first = f"Question: {question}\n"
    assert prompts[0] == first, f"{call}: the first prompt was {prompts[0]!r}, expected {first!r}"
    second = first + "Thought: look it up\nAction: capitals\nAction Input: France\nObservation: Paris\n"
    assert prompts[1] == second, (
        f"{call}: the second prompt was {prompts[1]!r}, expected {second!r} (append the response without the "
        "invented observation, then 'Observation: <tool result>')"
    )
    assert got["answer"] == "Paris", f"{call} gave the answer {got['answer']!r}, expected 'Paris' (not the invented 'Lyon')"


@shows_expected
@points(2)
def test_errors_become_observations(student):
    responses = [
        "Thought: try a tool\nAction: search\nAction Input: anything",
        "Thought: divide\nAction: calculator\nAction Input: 10 / 0",
        "Thought: look up\nAction: capitals\nAction Input: Atlantis",
        "I am not sure what to do.",
        "Thought: give up\nFinal Answer: unknown",
    ]
    call, got = _run(student, responses, "A hard one", {"capitals": {"france": "Paris"}, "rivers": {}})
    wants = [
        "Error: unknown tool 'search'. Available tools: calculator, capitals, rivers",
        "Error: ZeroDivisionError: division by zero",
        "Error: LookupError: no entry for 'Atlantis'",
        FORMAT_ERROR,
    ]
    for i, want in enumerate(wants):
        step = _step(got, i, call)
        assert step.get("observation") == want, f"{call}: step {i} has the observation {step.get('observation')!r}, expected {want!r}"
    bad = _step(got, 3, call)
    assert all(bad.get(k) is None for k in FIELDS), f"{call}: the unparseable step 3 should have all fields None, got {bad!r}"
    assert got["answer"] == "unknown" and got["stopped"] == "final_answer", (
        f"{call} ended with answer={got['answer']!r}, stopped={got['stopped']!r}; expected the run to go on after "
        "errors and end with 'unknown'"
    )
    assert f"Observation: {FORMAT_ERROR}\n" in got["prompts"][4], (
        f"{call}: the last prompt should contain the format error as an observation, got {got['prompts'][4]!r:.600}"
    )


@shows_expected
@points(2)
def test_max_steps(student):
    responses = [f"Thought: step {i}\nAction: calculator\nAction Input: {i} + 1" for i in range(10)]
    call, got = _run(student, responses, "Loop forever", None, 3)
    assert len(got["prompts"]) == 3, f"{call}: the model was called {len(got['prompts'])} times, expected exactly 3"
    assert got["answer"] is None and got["stopped"] == "max_steps", (
        f"{call} ended with answer={got['answer']!r}, stopped={got['stopped']!r}; expected None and 'max_steps'"
    )
    assert [s.get("observation") for s in got["steps"]] == ["1", "2", "3"], (
        f"{call}: observations {[s.get('observation') for s in got['steps']]}, expected ['1', '2', '3']"
    )
    call, got = _run(student, ["Final Answer: quick"], "One step", None, 1)
    assert got["answer"] == "quick", f"{call} gave {got['answer']!r}, expected 'quick' (max_steps=1 allows one call)"
    try:
        got = student.run_scripted(["Final Answer: x"], "q", None, 0)
    except StudentError as error:
        assert error.type_name == "ValueError", f"run_scripted(..., max_steps=0) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"run_scripted(..., max_steps=0) returned {got!r:.200}, expected ValueError")
