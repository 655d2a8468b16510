"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (generated passages and answers,
other thresholds, edge cases).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import check_answer, content_words, parse_citations, split_sentences, support_score  # noqa: E402

PASSAGES = [
    "The Eiffel Tower was completed in 1889 for the World Fair in Paris.",
    "Gustave Eiffel's company designed and built the iron lattice tower.",
    "The tower is 330 metres tall and was the tallest structure until 1930.",
]
ANSWER = (
    "The Eiffel Tower was completed in 1889 [1]. Its iron lattice was built by Gustave Eiffel's "
    "company [3]. It is 330 metres tall. It has seven million visitors a year [2]. See also [4]. Yes!"
)


def test_statement_sentence_split():
    assert split_sentences("Wait... what?! Fine.") == ["Wait...", "what?!", "Fine."]
    got = split_sentences("It cost 3.5 million [1]. It opened in 1889")
    assert got == ["It cost 3.5 million [1].", "It opened in 1889"], f"got {got}: '3.5' is not a sentence break"


def test_statement_citations():
    got = parse_citations("It opened in 1889 [2][3] and closed [3] [12].")
    assert tuple(got) == ("It opened in 1889 and closed.", [2, 3, 12]), f"got {got}"


def test_content_words_skip_stop_words():
    got = content_words("The Eiffel Tower was completed in 1889.")
    assert got == {"eiffel", "tower", "completed", "1889"}, f"got {got}"


def test_statement_support_score():
    got = support_score("The Eiffel Tower was completed in 1889.", PASSAGES[1])
    assert math.isclose(got, 0.5), f"got {got}: 2 of the 4 content words (eiffel, tower) are in the passage"
    assert support_score("It is what it is.", PASSAGES[0]) == 0.0, "no content words: 0.0"


def test_statement_report():
    report = check_answer(ANSWER, PASSAGES)
    statuses = [s["status"] for s in report["sentences"]]
    assert statuses == ["supported", "miscited", "uncited", "unsupported", "skipped", "skipped"], f"got {statuses}"
    assert [s["supporting"] for s in report["sentences"]] == [[1, 2], [2], [3], [], [], []], (
        "supporting lists every passage (1-based) whose score reaches the threshold"
    )
    assert report["sentences"][1]["text"] == "Its iron lattice was built by Gustave Eiffel's company."
    assert (report["supported"], report["miscited"], report["uncited"], report["unsupported"]) == ([0], [1], [2], [3])
    assert [tuple(p) for p in report["out_of_range"]] == [(4, 4)], f"got {report['out_of_range']}"
    assert math.isclose(report["score"], 0.25), f"score {report['score']}: 1 supported of 4 sentences not skipped"


def test_only_a_cited_passage_can_support():
    passages = ["Salmon swim up the river to spawn.", "Wolves hunt deer in the forest."]
    got = check_answer("Wolves hunt deer in the forest [1].", passages)["sentences"][0]["status"]
    assert got == "miscited", f"got {got!r}: [1] is the salmon passage; passage 2 supports the sentence"
