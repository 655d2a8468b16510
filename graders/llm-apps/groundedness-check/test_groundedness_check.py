"""Hidden grader for llm-apps/groundedness-check.

Worked examples are fixed (@shows_expected). Generated passages and answers are drawn per submission
(submission_rng) and checked against `_report` below, the statement's rules written out.
"""

import math
import re

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

STOP_WORDS = frozenset(
    """a about after also an and are as at be been before but by can could did do does for from had has have he
    her here his however i if in indeed into is it its may might more most no not of on or our overall s see she
    should so t than that the their them then there these they this those to was we were what when where which
    while who will with would yes you""".split()
)
STATUSES = ("supported", "miscited", "uncited", "unsupported")
CONTENT = (
    "tower iron lattice paris river seine bridge museum painting louvre garden palace king queen army battle "
    "treaty harbour ship engine steam railway station tunnel canal mountain glacier lake forest wolf eagle "
    "salmon wheat vineyard cheese bread market guild bank coin merchant library scroll poem theatre opera "
    "violin piano 1889 1905 1789 330 1200 42 copper silver marble granite"
).split()
STOPS = sorted(STOP_WORDS - {"s", "t"})


def _words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def _content(text):
    return {w for w in _words(text) if w not in STOP_WORDS}


def _support(sentence, passage):
    words = _content(sentence)
    return len(words & _content(passage)) / len(words) if words else 0.0


def _split(answer):
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", answer) if part.strip()]


def _citations(sentence):
    numbers = []
    for match in re.finditer(r"\[(\d+)\]", sentence):
        if int(match.group(1)) not in numbers:
            numbers.append(int(match.group(1)))
    return " ".join(re.sub(r"\s*\[\d+\]", "", sentence).split()), numbers


def _report(answer, passages, threshold=0.5):
    report = {"sentences": [], "out_of_range": [], "score": 0.0, **{s: [] for s in STATUSES}}
    for index, raw in enumerate(_split(answer)):
        text, cited = _citations(raw)
        supporting = [k for k, p in enumerate(passages, start=1) if _support(text, p) >= threshold]
        valid = [k for k in cited if 1 <= k <= len(passages)]
        report["out_of_range"] += [(index, k) for k in cited if k not in valid]
        if not _content(text):
            status = "skipped"
        elif any(k in supporting for k in valid):
            status = "supported"
        elif not supporting:
            status = "unsupported"
        else:
            status = "miscited" if valid else "uncited"
        report["sentences"].append({"text": text, "citations": cited, "supporting": supporting, "status": status})
        if status != "skipped":
            report[status].append(index)
    counted = sum(len(report[s]) for s in STATUSES)
    report["score"] = len(report["supported"]) / counted if counted else 0.0
    return report


def _sentence_case(words, end="."):
    text = " ".join(words)
    return text[:1].upper() + text[1:] + end


def _passages(rng):
    """3 to 5 passages on separate topics (their content words rarely overlap), with stop words in between."""
    order = [CONTENT[i] for i in rng.permutation(len(CONTENT))]
    passages, topics = [], []
    for k in range(int(rng.integers(3, 6))):
        topic = order[k * 9:(k + 1) * 9]
        words = []
        for word in topic:
            words += [STOPS[rng.integers(len(STOPS))] for _ in range(int(rng.integers(0, 3)))] + [word]
        passages.append(_sentence_case(words))
        topics.append(topic)
    return passages, topics


def _answer(rng, topics):
    """An answer whose sentences borrow words from one passage, cite it or another one (or none, or a number
    out of range), and sometimes say nothing at all."""
    sentences = []
    n = len(topics)
    for _ in range(int(rng.integers(4, 8))):
        if rng.random() < 0.1:
            sentences.append(_sentence_case([STOPS[rng.integers(len(STOPS))] for _ in range(3)]))
            continue
        source = int(rng.integers(n))
        k = int(rng.integers(1, 5))
        words = [topics[source][i] for i in rng.choice(9, size=k, replace=False)]
        words += [CONTENT[rng.integers(len(CONTENT))] for _ in range(int(rng.integers(0, 4)))]
        words = [words[i] for i in rng.permutation(len(words))]
        mixed = []
        for word in words:
            mixed += [STOPS[rng.integers(len(STOPS))] for _ in range(int(rng.integers(0, 3)))] + [word]
        draw = rng.random()
        if draw < 0.4:
            cited = [source + 1]
        elif draw < 0.55:
            cited = [int(rng.integers(n)) + 1]
        elif draw < 0.7:
            cited = []
        elif draw < 0.8:
            cited = [int(rng.choice([0, n + 1, n + 2]))]
        else:
            cited = [source + 1, int(rng.integers(n)) + 1]
        markers = ("" if rng.random() < 0.5 else " ").join(f"[{c}]" for c in cited)
        text = " ".join(mixed) + (" " + markers if markers else "")
        sentences.append(_sentence_case(text.split(), end=str(rng.choice([".", ".", ".", "!", "?"]))))
    return (" " if rng.random() < 0.7 else "  ").join(sentences)


def _number(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should return a number, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


def _pairs(value):
    return [tuple(p) if isinstance(p, (list, tuple)) else p for p in value] if isinstance(value, list) else value


def _check_report(got, answer, passages, threshold, call):
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    keys = ("sentences", "out_of_range", "score", *STATUSES)
    assert set(keys) <= set(got), f"{call} returned a dict with the keys {sorted(got)}, it needs all of {list(keys)}"
    want = _report(answer, passages, threshold)
    sentences = got["sentences"]
    assert isinstance(sentences, list) and len(sentences) == len(want["sentences"]), (
        f"{call}: the report has {len(sentences) if isinstance(sentences, list) else sentences!r} sentences, "
        f"expected {expected(len(want['sentences']))} (split after . ! ? followed by whitespace)"
    )
    raw_sentences = _split(answer)
    for index, (one, want_one) in enumerate(zip(sentences, want["sentences"])):
        assert isinstance(one, dict), f"{call}['sentences'][{index}] should be a dict, got {one!r:.200}"
        for key in ("text", "citations", "supporting", "status"):
            assert one.get(key) == want_one[key], (
                f"{call}['sentences'][{index}][{key!r}] is {one.get(key)!r}, expected {expected(want_one[key])} "
                f"(sentence {index} is {raw_sentences[index]!r})"
            )
    for key in STATUSES:
        assert got[key] == want[key], f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}"
    assert _pairs(got["out_of_range"]) == want["out_of_range"], (
        f"{call}['out_of_range'] is {got['out_of_range']!r}, expected {expected(want['out_of_range'])} "
        f"({len(passages)} passages: valid citation numbers are 1 to {len(passages)})"
    )
    score = _number(got["score"], f"{call}['score']")
    assert math.isclose(score, want["score"], rel_tol=1e-9, abs_tol=1e-12), (
        f"{call}['score'] is {score!r}, expected {expected(want['score'])} (supported sentences over the sentences "
        "that are not skipped)"
    )


@shows_expected
@points(1)
def test_split_sentences_rule(student):
    cases = [
        ("Paris is big [1]. It is old! Is it? Yes.", ["Paris is big [1].", "It is old!", "Is it?", "Yes."]),
        ("  It cost 3.5 million.\nIt opened in 1889 [2][3].  ", ["It cost 3.5 million.", "It opened in 1889 [2][3]."]),
        ("No final stop [1]", ["No final stop [1]"]),
        ("Wait... what?!  Fine.", ["Wait...", "what?!", "Fine."]),
        ("   ", []),
    ]
    for answer, want in cases:
        got = student.split_sentences(answer)
        assert got == want, (
            f"split_sentences({answer!r}) returned {got!r}, expected {want!r} (a sentence ends at . ! or ? "
            "followed by whitespace; strip each sentence and drop empty ones)"
        )


@shows_expected
@points(1)
def test_parse_citations(student):
    cases = [
        ("Paris is the capital [1].", ("Paris is the capital.", [1])),
        ("It opened in 1889 [2][3] and closed [3] [12].", ("It opened in 1889 and closed.", [2, 3, 12])),
        ("[1] Paris, again [1].", ("Paris, again.", [1])),
        ("No sources here.", ("No sources here.", [])),
        ("Out of range [0] [7].", ("Out of range.", [0, 7])),
        ("A list [1, 2] is not a marker.", ("A list [1, 2] is not a marker.", [])),
    ]
    for sentence, want in cases:
        got = student.parse_citations(sentence)
        got = tuple(got) if isinstance(got, (list, tuple)) else got
        assert got == want, (
            f"parse_citations({sentence!r}) returned {got!r}, expected {want!r} (numbers in order of first "
            "appearance without repeats; each marker is removed with the whitespace before it)"
        )


@shows_expected
@points(1)
def test_content_words_drop_stop_words(student):
    cases = [
        ("The tower was built in 1889 by the company.", {"tower", "built", "1889", "company"}),
        ("It is what it is.", set()),
        ("Eiffel's TOWER, Eiffel's tower!", {"eiffel", "tower"}),
        ("However, see the café.", {"caf"}),
    ]
    for text, want in cases:
        got = student.content_words(text)
        got = set(got) if isinstance(got, (list, tuple, set, frozenset)) else got
        assert got == want, (
            f"content_words({text!r}) returned {got!r}, expected {want!r} (lower-case words of a-z and 0-9 that "
            "are not in the stop-word list; 's' from an apostrophe is a stop word)"
        )


@shows_expected
@points(1)
def test_support_score_examples(student):
    passage = "Gustave Eiffel's company designed and built the iron lattice tower."
    cases = [
        ("The Eiffel Tower was completed in 1889.", 0.5, "2 of the 4 content words (eiffel, tower) are in the passage"),
        ("It was built by the company that he had.", 1.0, "stop words do not count: built and company are both there"),
        ("It is what it is.", 0.0, "no content words: 0.0"),
        ("Iron, iron and more iron ore.", 0.5, "each distinct content word counts once: iron yes, ore no"),
    ]
    for sentence, want, hint in cases:
        call = f"support_score({sentence!r}, {passage!r})"
        got = _number(student.support_score(sentence, passage), call)
        assert math.isclose(got, want, abs_tol=1e-12), f"{call} returned {got!r}, expected {want!r} ({hint})"


@points(1.5)
def test_support_score_generated(student):
    rng = submission_rng("llm-apps/groundedness-check:support")
    passages, topics = _passages(rng)
    for sentence in _split(_answer(rng, topics)) + _split(_answer(rng, topics)):
        text = _citations(sentence)[0]
        for passage in passages:
            call = f"support_score({text!r}, {passage!r})"
            got = _number(student.support_score(text, passage), call)
            want = _support(text, passage)
            with_stops = set(_words(text))
            hint = ""
            if with_stops and math.isclose(got, len(with_stops & set(_words(passage))) / len(with_stops)):
                hint = " Hint: stop words seem to count; only content words (not in the stop-word list) do."
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (
                f"{call} returned {got!r}, expected {expected(want)}: the share of the sentence's distinct content "
                f"words that are among the passage's content words.{hint}"
            )


@shows_expected
@points(2)
def test_worked_report(student):
    passages = [
        "The Eiffel Tower was completed in 1889 for the World Fair in Paris.",
        "Gustave Eiffel's company designed and built the iron lattice tower.",
        "The tower is 330 metres tall and was the tallest structure until 1930.",
    ]
    answer = (
        "The Eiffel Tower was completed in 1889 [1]. Its iron lattice was built by Gustave Eiffel's company [3]. "
        "It is 330 metres tall. It attracts seven million visitors every year [2]. Tallest until 1930 [4][3]. "
        "Yes, it is!"
    )
    call = f"check_answer({answer!r}, passages)"
    got = student.check_answer(answer, passages)
    _check_report(got, answer, passages, 0.5, call)


@shows_expected
@points(1)
def test_cited_passage_must_support(student):
    passages = ["Salmon swim up the river to spawn.", "Wolves hunt deer in the forest."]
    for answer, status, hint in (
        ("Wolves hunt deer in the forest [1].", "miscited", "passage 2 supports it, but it cites passage 1"),
        ("Wolves hunt deer in the forest [2].", "supported", "it cites passage 2, which supports it"),
        ("Wolves hunt deer in the forest [1][2].", "supported", "one of the cited passages supports it"),
        ("Wolves hunt deer in the forest.", "uncited", "passage 2 supports it but nothing is cited"),
        ("Wolves hunt deer in the forest [3].", "uncited", "[3] is out of range, so nothing valid is cited"),
        ("Eagles nest on cliffs [2].", "unsupported", "no passage supports it"),
    ):
        call = f"check_answer({answer!r}, {passages!r})"
        got = student.check_answer(answer, passages)
        one = got["sentences"][0] if isinstance(got, dict) and got.get("sentences") else None
        got_status = one.get("status") if isinstance(one, dict) else one
        assert got_status == status, f"{call}: the sentence's status is {got_status!r}, expected {status!r} ({hint})"


@shows_expected
@points(1)
def test_citations_are_one_based(student):
    passages = ["Copper conducts electricity well.", "Granite is a hard igneous rock.", "Marble is metamorphic."]
    answer = "Granite is a hard rock [2]. Copper conducts well [1]. Marble is metamorphic [3]. Wrong [0] [4]."
    call = f"check_answer({answer!r}, {passages!r})"
    got = student.check_answer(answer, passages)
    assert isinstance(got, dict) and "supported" in got, f"{call} should return the report dict, got {got!r:.200}"
    assert got["supported"] == [0, 1, 2], (
        f"{call}['supported'] is {got['supported']!r}, expected [0, 1, 2]: [1] is the FIRST passage (passages[0]), "
        "[3] the third"
    )
    assert _pairs(got["out_of_range"]) == [(3, 0), (3, 4)], (
        f"{call}['out_of_range'] is {got['out_of_range']!r}, expected [(3, 0), (3, 4)]: with 3 passages the valid "
        "numbers are 1, 2 and 3"
    )
    supporting = [s.get("supporting") for s in got["sentences"][:3]]
    assert supporting == [[2], [1], [3]], (
        f"{call}: the 'supporting' lists of the first three sentences are {supporting!r}, expected [[2], [1], [3]] "
        "(1-based passage numbers)"
    )


@points(2)
def test_check_answer_generated(student):
    rng = submission_rng("llm-apps/groundedness-check:answers")
    for threshold in (0.5, 0.3, 0.75, 0.5):
        passages, topics = _passages(rng)
        answer = _answer(rng, topics)
        call = f"check_answer({answer!r}, {passages!r}, threshold={threshold})"
        got = student.check_answer(answer, passages, threshold=threshold)
        _check_report(got, answer, passages, threshold, call)


@shows_expected
@points(0.5)
def test_empty_answer_and_skipped_sentences(student):
    for answer in ("", "Yes, it is! It is what it is."):
        call = f"check_answer({answer!r}, ['Anything at all.'])"
        try:
            got = student.check_answer(answer, ["Anything at all."])
        except StudentError as error:
            raise AssertionError(f"{call} raised {error.type_name}: {error.message}") from None
        assert isinstance(got, dict) and got.get("score") == 0.0 and all(got.get(s) == [] for s in STATUSES), (
            f"{call} returned {got!r:.300}, expected score 0.0 and no sentence in any status list: sentences "
            "without content words are skipped, and with nothing counted the score is 0.0"
        )
