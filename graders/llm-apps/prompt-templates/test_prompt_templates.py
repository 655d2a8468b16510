"""Hidden grader for llm-apps/prompt-templates.

Templates and message lists are checked on fixed examples (@shows_expected: the inputs show the answer);
few-shot examples and queries are drawn per submission (submission_rng), and `classify` talks to the scripted
model (the `llm` fixture), whose requests are compared with the messages the statement prescribes.
"""

import pytest

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

LLM = {"budget_tokens": 3000, "budget_calls": 6, "tokens": "words", "model": "gradient-scripted"}

SUBJECTS = ["the pasta", "this phone", "the hotel room", "our guide", "the battery", "the new album", "the ending",
            "customer support", "the delivery", "the screen"]
VERDICTS = {
    "positive": ["was wonderful", "exceeded every hope", "is worth every cent", "made my day"],
    "negative": ["was a total letdown", "broke after a week", "is overpriced junk", "made me angry"],
    "neutral": ["was fine, I suppose", "arrived on Tuesday", "is blue", "does what it says"],
}


def _draw_examples(rng, n):
    labels = sorted(VERDICTS)
    examples = []
    for _ in range(n):
        label = labels[int(rng.integers(len(labels)))]
        subject = SUBJECTS[int(rng.integers(len(SUBJECTS)))]
        verdict = VERDICTS[label][int(rng.integers(len(VERDICTS[label])))]
        examples.append((f"{subject.capitalize()} {verdict}.", label))
    return examples


def _few_shot(instructions, examples, query, template):
    messages = [{"role": "system", "content": instructions}] if instructions else []
    for text, label in examples:
        messages.append({"role": "user", "content": template.replace("{text}", text)})
        messages.append({"role": "assistant", "content": label})
    messages.append({"role": "user", "content": template.replace("{text}", query)})
    return messages


def _roles(messages):
    return [m.get("role") if isinstance(m, dict) else type(m).__name__ for m in messages]


@shows_expected
@points(1)
def test_template_variables_and_filling(student):
    source = "Dear {name}, your order {order_id} ships {when}. Thanks, {name}!"
    t = student.PromptTemplate(source)
    got = t.variables
    assert list(got) == ["name", "order_id", "when"], (
        f"PromptTemplate({source!r}).variables is {got!r}, expected ['name', 'order_id', 'when'] "
        "(each name once, in order of first appearance)"
    )
    got = t.format(name="Ada", order_id=1042, when="today")
    assert got == "Dear Ada, your order 1042 ships today. Thanks, Ada!", (
        f"format(name='Ada', order_id=1042, when='today') returned {got!r}; expected "
        "'Dear Ada, your order 1042 ships today. Thanks, Ada!' (every occurrence replaced, values through str())"
    )


@shows_expected
@points(1)
def test_template_escaped_braces(student):
    source = 'Answer as JSON: {{"label": "{label}", "score": {score}}} -- {{{label}}}'
    t = student.PromptTemplate(source)
    got_vars = list(t.variables)
    assert got_vars == ["label", "score"], f"PromptTemplate({source!r}).variables is {got_vars!r}, expected ['label', 'score']"
    got = t.format(label="spam", score=0.5)
    want = 'Answer as JSON: {"label": "spam", "score": 0.5} -- {spam}'
    assert got == want, (
        f"PromptTemplate({source!r}).format(label='spam', score=0.5) returned {got!r}, expected {want!r}: "
        "{{ and }} are literal braces, and {{{label}}} is a brace, the variable, a brace"
    )
    t = student.PromptTemplate("no variables {{here}}")
    got = t.format()
    assert got == "no variables {here}", f"PromptTemplate('no variables {{{{here}}}}').format() returned {got!r}"


def _raises_value_error(call, what, needles):
    try:
        got = call()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{what} raised {error.type_name}: {error.message}; expected a ValueError"
        for needle in needles:
            assert needle in error.message, (
                f"{what} raised ValueError({error.message!r}), but the message does not name {needle!r}: "
                "say which variable is the problem"
            )
        return
    raise AssertionError(f"{what} returned {got!r} instead of raising ValueError: a missing or unexpected value "
                         "must never be sent to a model silently")


@shows_expected
@points(1)
def test_missing_values_raise(student):
    t = student.PromptTemplate("Summarise {document} in {n_words} words for {audience}.")
    _raises_value_error(lambda: t.format(document="the report"),
                        "PromptTemplate('Summarise {document} in {n_words} words for {audience}.').format(document='the report')",
                        ["n_words", "audience"])
    _raises_value_error(lambda: t.format(), "the same template's format() with no values", ["document"])


@shows_expected
@points(1)
def test_unexpected_values_and_malformed_templates_raise(student):
    t = student.PromptTemplate("Translate {text} to {language}.")
    _raises_value_error(lambda: t.format(text="hi", language="Welsh", tone="formal"),
                        "PromptTemplate('Translate {text} to {language}.').format(text='hi', language='Welsh', tone='formal')",
                        ["tone"])
    for bad in ["Hello {name", "Hello name}", "Hello {}", "Hello {2nd}", "Hello {first name}"]:
        _raises_value_error(lambda bad=bad: student.PromptTemplate(bad), f"PromptTemplate({bad!r})", [])


@shows_expected
@points(1)
def test_build_messages(student):
    history = [("Hi!", "Hello! How can I help?"), ("What is 2 + 2?", "4")]
    got = student.build_messages("You are a maths tutor.", "And 3 + 3?", history)
    want = [
        {"role": "system", "content": "You are a maths tutor."},
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3 + 3?"},
    ]
    assert got == want, (
        f"build_messages('You are a maths tutor.', 'And 3 + 3?', {history!r}) returned {got!r}; expected {want!r}"
    )
    got = student.build_messages(None, "Just this.")
    assert got == [{"role": "user", "content": "Just this."}], (
        f"build_messages(None, 'Just this.') returned {got!r}; with no system prompt the list holds only the user message"
    )
    got = student.build_messages("", "Just this.", [])
    assert got == [{"role": "user", "content": "Just this."}], f"build_messages('', 'Just this.', []) returned {got!r}"


@points(2)
def test_few_shot_examples_are_alternating_turns(student):
    rng = submission_rng("llm-apps/prompt-templates:few-shot")
    examples = _draw_examples(rng, int(rng.integers(2, 5)))
    query = _draw_examples(rng, 1)[0][0]
    instructions = "Label the review."
    template = "Review: {text}\nLabel:"
    call = f"few_shot_messages({instructions!r}, {examples!r}, {query!r}, user_template={template!r})"
    got = student.few_shot_messages(instructions, examples, query, template)
    want = _few_shot(instructions, examples, query, template)
    assert isinstance(got, list), f"{call} returned {type(got).__name__}, not a list of messages"
    assert _roles(got) == _roles(want), (
        f"{call} returned messages with roles {_roles(got)}: expected the system message, then a user and an "
        f"assistant message for each of the {len(examples)} examples, then the query as a user message"
    )
    for index, (message, right) in enumerate(zip(got, want)):
        assert message == right, (
            f"{call}: message {index} is {message!r}, expected {expected(right)} (examples and query rendered with "
            "the template, the label alone as the assistant's answer)"
        )
    got = student.few_shot_messages(None, [], "x", "{text}")
    assert got == [{"role": "user", "content": "x"}], f"few_shot_messages(None, [], 'x', '{{text}}') returned {got!r}"


@points(2)
def test_classify_sends_the_few_shot_prompt(student, llm):
    rng = submission_rng("llm-apps/prompt-templates:classify")
    examples = _draw_examples(rng, int(rng.integers(2, 5)))
    query = _draw_examples(rng, 1)[0][0]
    labels = ["positive", "negative", "neutral"]
    answer = labels[int(rng.integers(3))]
    llm.script(answer)
    call = f"classify({query!r}, {examples!r}, {labels!r})"
    got = student.classify(query, examples, labels)
    assert llm.calls == 1, f"{call} called the model {llm.calls} times; it should make exactly one call"
    request = llm.last_request
    assert request.get("model") == "gradient-scripted", f"{call} asked for model {request.get('model')!r}"
    instructions = f"Classify the text into one of these labels: {', '.join(labels)}. Answer with the label only."
    sent = request["messages"]
    want = _few_shot(instructions, examples, query, "Text: {text}")
    assert _roles(sent) == _roles(want), (
        f"{call} sent messages with roles {_roles(sent)}: expected the system instructions, a user and an "
        f"assistant turn per example ({len(examples)} examples), then the text as the last user message. "
        f"First message sent: {sent[0]!r:.300}"
    )
    for index, (message, right) in enumerate(zip(sent, want)):
        message = {k: v for k, v in message.items() if k in ("role", "content")}
        assert message == right, f"{call}: message {index} sent was {message!r}, expected {expected(right)}"
    assert got == answer, (
        f"{call} returned {got!r}, but the model answered with one of the labels, already in lower case: "
        "return it (normalised) as the label"
    )


@pytest.mark.parametrize(
    "answer, want",
    [
        pytest.param(" Positive.\n", "positive", id="spaces-capital-period"),
        pytest.param("NEGATIVE", "negative", id="upper-case"),
        pytest.param("'neutral'", "neutral", id="quoted"),
        pytest.param("positive-ish", "unknown", id="not-a-label"),
        pytest.param("", "unknown", id="empty"),
    ],
)
@shows_expected
@points(0.2)
def test_classify_normalises_the_answer(student, llm, answer, want):
    llm.script(answer)
    labels = ["positive", "negative", "neutral"]
    got = student.classify("It was okay.", [("Great!", "positive")], labels)
    assert got == want, (
        f"the model answered {answer!r} and classify returned {got!r}; expected {want!r} (strip whitespace, quotes "
        "and periods, lower-case, and anything that is not one of the labels is 'unknown')"
    )
