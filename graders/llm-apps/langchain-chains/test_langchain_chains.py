"""Hidden tests for llm-apps/langchain-chains: the chains' requests, as the scripted model receives them."""

from gradient_grader import expected, points, shows_expected, submission_rng, tool_call

LLM = {"budget_calls": 6, "budget_tokens": 4000, "tokens": "words"}

SUMMARY_SYSTEM = "You summarise texts for busy readers. Answer with the summary only."
CLASSIFY_SYSTEM = "Classify the question into exactly one of: math, history, other. Answer with the word only."
SYSTEM_PROMPTS = {
    "math": "You are a careful mathematician. Show the key step, then the result.",
    "history": "You are a historian. Give dates and name your sources.",
    "other": "You are a helpful assistant. Answer briefly.",
}
WORDS = ("river", "lantern", "harvest", "orbit", "meadow", "signal", "copper", "harbour", "violet", "engine",
         "garden", "thunder", "pepper", "marble", "window", "falcon", "compass", "ember", "glacier", "ribbon")


def sentence(rng, n):
    return " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), size=n)).capitalize() + "."


def roles_and_texts(request):
    return [(m["role"], m["content"]) for m in request["messages"]]


@points(2)
def test_summary_chain_sends_the_two_messages(student, llm):
    rng = submission_rng("llm-apps/langchain-chains:summary")
    text = " ".join(sentence(rng, 8) for _ in range(3))
    words = int(rng.integers(8, 30))
    llm.script("  A short summary.\n")
    chain = student.summary_chain(student.make_model())
    got = chain.invoke({"text": text, "words": words})
    sent = roles_and_texts(llm.last_request)
    assert sent[0] == ("system", SUMMARY_SYSTEM), f"the first message sent was {sent[0]!r}"
    want_human = f"Summarise in at most {words} words:\n\n{text}"
    assert sent[1:] == [("user", want_human)], f"the messages after the system one were {sent[1:]!r}"
    assert got == "A short summary.", (
        f"the model answered '  A short summary.\\n' and the chain returned {got!r}: strip it"
    )


def test_make_model_asks_for_the_exercise_model_at_temperature_zero(student, llm):
    llm.script("ok")
    student.summary_chain(student.make_model()).invoke({"text": "x", "words": 3})
    request = llm.last_request
    assert request["model"] == "gradient-scripted"
    assert request.get("temperature") == 0, f"temperature sent: {request.get('temperature')!r}"


@points(2)
def test_translate_all_calls_once_per_text_and_keeps_the_order(student, llm):
    rng = submission_rng("llm-apps/langchain-chains:translate")
    texts = [sentence(rng, int(rng.integers(3, 7))) for _ in range(4)]
    translations = {t: f"[fr] {t[::-1]} " for t in texts}

    def answer(request):
        system, human = request["messages"][0]["content"], request["messages"][-1]["content"]
        assert system == "Translate the user's text into French. Answer with the translation only.", (
            f"the system message was {system!r}"
        )
        return translations.get(human, "unknown text")

    llm.respond(answer).budget(calls=4, tokens=4000)
    got = student.translate_all(student.make_model(), texts, "French")
    assert llm.calls == 4, f"{llm.calls} calls for 4 texts"
    assert isinstance(got, list) and len(got) == 4, f"translate_all returned {got!r}"
    wrong = [i for i, (t, g) in enumerate(zip(texts, got)) if g != translations[t].strip()]
    assert not wrong, f"translations {wrong} are not the (stripped) answers for their own texts, in order"


@shows_expected
def test_translate_all_of_nothing_calls_nothing(student, llm):
    got = student.translate_all(student.make_model(), [], "German")
    assert got == [] and llm.calls == 0, f"translate_all([]) returned {got!r} after {llm.calls} calls"


@points(2)
def test_extract_contact_goes_through_the_contact_tool(student, llm):
    rng = submission_rng("llm-apps/langchain-chains:contact")
    name = f"{WORDS[int(rng.integers(0, 20))].title()} {WORDS[int(rng.integers(0, 20))].title()}"
    email = f"{name.split()[0].lower()}@example.org"
    company = f"{WORDS[int(rng.integers(0, 20))].title()} Ltd"

    def answer(request):
        tools = [t["function"]["name"] for t in request.get("tools") or []]
        assert tools == ["Contact"], f"the request offered the tools {tools!r}, not the Contact function"
        assert request["messages"][0]["content"] == "Extract the contact details from the text."
        return tool_call("Contact", {"name": name, "email": email, "company": company})

    llm.respond(answer)
    got = student.extract_contact(student.make_model(), f"Write to {name} ({email}) at {company}.")
    want = {"name": name, "email": email, "company": company}
    assert got == want, f"extract_contact returned {got!r}, expected {expected(want)}"


def test_extract_contact_without_a_company_gives_none(student, llm):
    llm.script(tool_call("Contact", {"name": "Ada", "email": "ada@example.org"}))
    got = student.extract_contact(student.make_model(), "Ada, ada@example.org")
    assert got == {"name": "Ada", "email": "ada@example.org", "company": None}, f"extract_contact returned {got!r}"


@points(2)
def test_route_normalises_the_label_and_answers_with_that_topic(student, llm):
    rng = submission_rng("llm-apps/langchain-chains:route")
    topic = ["math", "history"][int(rng.integers(0, 2))]
    question = sentence(rng, 6).rstrip(".") + "?"
    label = f"  {topic.title()}.\n"
    llm.script(label, " The answer. ")
    got = student.route(student.make_model(), question)
    assert llm.calls == 2, f"route made {llm.calls} calls, not 2"
    first, second = (roles_and_texts(r) for r in llm.requests)
    assert first == [("system", CLASSIFY_SYSTEM), ("user", question)], f"the classifying call sent {first!r}"
    assert got == {"topic": topic, "answer": "The answer."}, (
        f"the model labelled the question {label!r} and route returned {got!r}"
    )
    assert second == [("system", SYSTEM_PROMPTS[topic]), ("user", question)], f"the answering call sent {second!r}"


def test_route_sends_an_unknown_label_to_other(student, llm):
    llm.script("cooking", "Fine.")
    got = student.route(student.make_model(), "How long to boil an egg?")
    assert got == {"topic": "other", "answer": "Fine."}, f"the label 'cooking' gave {got!r}"
    assert llm.requests[1]["messages"][0]["content"] == SYSTEM_PROMPTS["other"]
