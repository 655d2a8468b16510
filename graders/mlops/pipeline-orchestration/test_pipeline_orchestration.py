"""Hidden grader for mlops/pipeline-orchestration.

DAGs (names, shapes, task values, failures) are drawn per submission (`submission_rng`). Tasks are the
starter's ScriptedTask objects, built in the student box and handed to the student's Pipeline; the expected
run records come from the grader's own short model of the rules (`_order`, `_simulate`).
"""

import hashlib
import heapq
import json
import re

from gradient_grader import StudentError, StudentTimeout, expected, points, submission_rng

SLUG = "mlops/pipeline-orchestration"
POOL = ["extract", "ingest", "clean", "validate", "dedupe", "features", "embed", "split", "scale", "train",
        "tune", "evaluate", "calibrate", "report", "package", "deploy", "monitor", "audit", "notify", "backfill",
        "label", "sample", "publish", "archive"]
TASK_KEYS = {"state", "attempts", "output", "error", "cache_key"}


# --------------------------------------------------------------------------- the grader's model


def _key(name, version, inputs):
    payload = json.dumps({"name": name, "version": version, "inputs": inputs}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _order(upstream):
    waiting = {name: len(ups) for name, ups in upstream.items()}
    downstream = {name: [] for name in upstream}
    for name, ups in upstream.items():
        for up in ups:
            downstream[up].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        name = heapq.heappop(ready)
        result.append(name)
        for following in downstream[name]:
            waiting[following] -= 1
            if waiting[following] == 0:
                heapq.heappush(ready, following)
    return result


def _descendants(upstream, root):
    found, frontier = set(), [root]
    while frontier:
        node = frontier.pop()
        for name, ups in upstream.items():
            if node in ups and name not in found:
                found.add(name)
                frontier.append(name)
    return found


def _simulate(dag, bases, fails=None, versions=None, retries=0, task_retries=None, cache=None):
    """The run record the rules give; `cache` (key -> output) is the grader's model of cache_dir, updated."""
    fails, versions, task_retries = fails or {}, versions or {}, task_retries or {}
    outputs, tasks = {}, {}
    for name in _order(dag["upstream"]):
        ups = dag["upstream"][name]
        record = {"state": None, "attempts": 0, "output": None, "error": None, "cache_key": None}
        tasks[name] = record
        if any(tasks[up]["state"] in ("failed", "skipped") for up in ups):
            record["state"] = "skipped"
            continue
        inputs = {up: outputs[up] for up in ups}
        key = _key(name, versions.get(name, "1"), inputs)
        record["cache_key"] = key
        if cache is not None and key in cache:
            outputs[name] = cache[key]
            record.update(state="cached", output=cache[key])
            continue
        allowed, failing = task_retries.get(name, retries), fails.get(name, 0)
        if failing <= allowed:
            outputs[name] = bases[name] + sum(inputs.values())
            record.update(state="success", attempts=failing + 1, output=outputs[name])
            if cache is not None:
                cache[key] = outputs[name]
        else:
            record.update(state="failed", attempts=allowed + 1,
                          error=f"RuntimeError: scripted failure {allowed + 1} of {failing}")
    failed = any(r["state"] == "failed" for r in tasks.values())
    return {"order": _order(dag["upstream"]), "status": "failed" if failed else "success", "tasks": tasks}


# --------------------------------------------------------------------------- drawing DAGs


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _dag(rng, n, max_upstream=3):
    """A random DAG: names from POOL, each task depending on up to `max_upstream` earlier ones, added in a
    shuffled order (so upstream tasks are often added after the tasks that need them)."""
    names = [str(x) for x in rng.choice(POOL, size=n, replace=False)]
    upstream = {}
    for i, name in enumerate(names):
        k = int(rng.integers(0, min(i, max_upstream) + 1)) if i else 0
        upstream[name] = sorted(str(x) for x in rng.choice(names[:i], size=k, replace=False)) if k else []
    add_order = [names[int(i)] for i in rng.permutation(n)]
    return {"upstream": upstream, "add_order": add_order}


def _bases(rng, dag):
    return {name: int(rng.integers(1, 50)) for name in dag["upstream"]}


def _cache_dir(rng):
    return f"/tmp/pipeline-cache-{rng.integers(0, 2**48):012x}"


def _describe(dag):
    return "{" + ", ".join(f"{name}: {dag['upstream'][name]}" for name in dag["add_order"]) + "}"


def _build(student, dag, bases, fails=None, versions=None, retries=0, task_retries=None, cache_dir=None):
    fails, versions, task_retries = fails or {}, versions or {}, task_retries or {}
    pipeline = student.Pipeline(cache_dir=cache_dir, retries=retries)
    tasks = {}
    for name in dag["add_order"]:
        tasks[name] = student.ScriptedTask(bases[name], fails.get(name, 0))
        pipeline.add_task(name, tasks[name], upstream=list(dag["upstream"][name]), version=versions.get(name, "1"),
                          retries=task_retries.get(name))
    return pipeline, tasks


def _record(got, dag, call):
    assert isinstance(got, dict) and set(got) == {"order", "status", "tasks"}, (
        f"{call} returned {got!r:.300}: a run record is a dict with exactly the keys 'order', 'status' and 'tasks'"
    )
    tasks = got["tasks"]
    assert isinstance(tasks, dict) and set(tasks) == set(dag["upstream"]), (
        f"{call}: record['tasks'] has the names {sorted(tasks) if isinstance(tasks, dict) else tasks!r}, expected "
        "one entry per task of the pipeline"
    )
    for name, entry in tasks.items():
        assert isinstance(entry, dict) and set(entry) == TASK_KEYS, (
            f"{call}: record['tasks'][{name!r}] is {entry!r:.200}: each task's entry has exactly the keys "
            "'state', 'attempts', 'output', 'error' and 'cache_key'"
        )
    return got


def _compare(got, want, call, hint, fields=("state", "attempts", "output", "error", "cache_key")):
    wrong = []
    for name in want["order"]:
        mine, theirs = got["tasks"][name], want["tasks"][name]
        differing = [f for f in fields if mine[f] != theirs[f]]
        if differing:
            shown = ", ".join(f"{f}={mine[f]!r:.70}" for f in differing)
            wrong.append(f"{name} ({shown})")
    assert not wrong, (
        f"{call}: {len(wrong)} task record(s) are wrong: {'; '.join(wrong[:4])}{' ...' if len(wrong) > 4 else ''}. "
        f"{hint}"
    )


def _calls(tasks):
    return {name: task.calls for name, task in tasks.items()}


def _expect_error(kind, call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == kind, f"{call} raised {error.type_name}: {error.message[:200]}, expected {kind}"
        return error
    raise AssertionError(f"{call} returned {got!r:.150}, expected it to raise {kind}")


# --------------------------------------------------------------------------- order and cycles


@points(1.5)
def test_order_is_topological_with_alphabetical_ties(student):
    rng = _rng("order")
    for n in (7, 10):
        dag = _dag(rng, n)
        pipeline, _tasks = _build(student, dag, _bases(rng, dag))
        call = f"order() for the tasks (name: upstream) {_describe(dag)}"
        got = pipeline.order()
        assert isinstance(got, list) and sorted(got) == sorted(dag["upstream"]), (
            f"{call} returned {got!r}: expected every task's name exactly once"
        )
        place = {name: i for i, name in enumerate(got)}
        for name, ups in dag["upstream"].items():
            for up in ups:
                assert place[up] < place[name], f"{call} returned {got}: {name!r} comes before its upstream {up!r}"
        want = _order(dag["upstream"])
        assert got == want, (
            f"{call} returned {got}, a valid order but not the one the tie rule gives: whenever several tasks "
            "are ready (all their upstream placed), the alphabetically smallest comes next. Expected "
            f"{expected(want)}"
        )


@points(0.5)
def test_unknown_and_duplicate_names(student):
    rng = _rng("names")
    dag = _dag(rng, 5)
    pipeline, tasks = _build(student, dag, _bases(rng, dag))
    name = dag["add_order"][0]
    _expect_error("ValueError", f"add_task({name!r}, ...) a second time", pipeline.add_task, name, student.ScriptedTask(1))
    ghost = next(str(x) for x in rng.permutation(POOL) if str(x) not in dag["upstream"])
    pipeline.add_task("orphan", student.ScriptedTask(1), upstream=[ghost])
    _expect_error("ValueError", f"order() when task 'orphan' depends on {ghost!r}, which is not a task", pipeline.order)
    _expect_error("ValueError", f"run() when task 'orphan' depends on {ghost!r}, which is not a task", pipeline.run)
    called = sorted(name for name, count in _calls(tasks).items() if count)
    assert not called, f"run() raised for the unknown name only after running {called}: check before running any task"


def _cycles_in(message):
    found = []
    for match in re.finditer(r"[A-Za-z_]\w*(?:\s*->\s*[A-Za-z_]\w*)+", message):
        found.append([part.strip() for part in match.group(0).split("->")])
    return found


def _is_cycle(sequence, upstream):
    if len(sequence) < 2 or sequence[0] != sequence[-1] or len(set(sequence[:-1])) != len(sequence) - 1:
        return False
    if any(name not in upstream for name in sequence):
        return False
    pairs = list(zip(sequence, sequence[1:]))
    forward = all(a in upstream[b] for a, b in pairs)
    backward = all(b in upstream[a] for a, b in pairs)
    return forward or backward


@points(1.5)
def test_cycles_are_named(student):
    rng = _rng("cycles")
    dag = _dag(rng, 5)
    names = [str(x) for x in rng.permutation([p for p in POOL if p not in dag["upstream"]])]
    k = int(rng.integers(3, 5))
    ring, after = names[:k], names[k]
    upstream = dict(dag["upstream"])
    for i, name in enumerate(ring):
        upstream[name] = [ring[i - 1]]
    upstream[ring[0]] = upstream[ring[0]] + [dag["add_order"][0]]
    upstream[after] = [ring[-1]]
    cyclic = {"upstream": upstream, "add_order": [str(x) for x in rng.permutation(sorted(upstream))]}
    self_loop = dict(dag["upstream"])
    looped = dag["add_order"][int(rng.integers(0, 5))]
    self_loop[looped] = self_loop[looped] + [looped]
    cases = [
        (cyclic, f"a cycle through {sorted(ring)}"),
        ({"upstream": self_loop, "add_order": dag["add_order"]}, f"task {looped!r} listing itself as upstream"),
    ]
    for graph, what in cases:
        pipeline, tasks = _build(student, graph, _bases(rng, graph))
        call = f"order() for {_describe(graph)} ({what})"
        try:
            error = _expect_error("CycleError", call, pipeline.order)
        except StudentTimeout:
            raise AssertionError(
                f"{call} did not return within the time limit: with a cycle, no task of it ever has all its "
                "upstream done, so a loop waiting for one never ends. Detect the cycle (a depth-first search "
                "that marks the tasks on the current path) and raise CycleError naming it"
            ) from None
        sequences = _cycles_in(error.message)
        assert any(_is_cycle(seq, graph["upstream"]) for seq in sequences), (
            f"{call} raised CycleError({error.message[:200]!r}), which does not name the cycle: write the tasks on "
            "it joined by ' -> ', each followed by a task that depends on it, ending with the first one "
            "('a -> b -> c -> a'; a task that depends on itself is 'a -> a')"
        )
        _expect_error("CycleError", f"run() for {what}", pipeline.run)
        called = sorted(name for name, count in _calls(tasks).items() if count)
        assert not called, f"run() for {what} ran {called} before raising CycleError: check before running any task"


# --------------------------------------------------------------------------- running


@points(1.5)
def test_outputs_flow_downstream(student):
    rng = _rng("flow")
    dag = _dag(rng, 8)
    bases = _bases(rng, dag)
    pipeline, tasks = _build(student, dag, bases)
    call = f"run() for {_describe(dag)} with ScriptedTask bases {bases}"
    got = _record(pipeline.run(), dag, call)
    want = _simulate(dag, bases)
    assert got["order"] == want["order"], f"{call}: record['order'] is {got['order']}, not the order() of the tasks"
    assert got["status"] == "success", f"{call}: record['status'] is {got['status']!r} with no task failing"
    calls = _calls(tasks)
    assert set(calls.values()) == {1}, f"{call} called the tasks {calls} times: each task once"
    for name in want["order"]:
        seen = tasks[name].seen
        inputs = {up: want["tasks"][up]["output"] for up in dag["upstream"][name]}
        assert seen == [inputs], (
            f"{call}: task {name!r} (upstream {dag['upstream'][name]}) was called with {seen[0] if seen else None!r}: "
            "it is called as fn(**inputs), each upstream task's name mapped to its output"
        )
    _compare(got, want, call, "Each task here succeeds at its first call; its cache key is cache_key(name, version, "
             "inputs), with the inputs it was called with")


@points(1.5)
def test_retries(student):
    rng = _rng("retries")
    retries = int(rng.integers(1, 4))
    names = [str(x) for x in rng.choice(POOL, size=5, replace=False)]
    at_limit, beyond, strict, generous, after = names
    dag = {"upstream": {at_limit: [], beyond: [], strict: [], generous: [], after: [at_limit]},
           "add_order": [names[int(i)] for i in rng.permutation(5)]}
    bases = _bases(rng, dag)
    fails = {at_limit: retries, beyond: retries + 1, strict: 1, generous: retries + 1}
    task_retries = {strict: 0, generous: retries + 2}
    pipeline, tasks = _build(student, dag, bases, fails=fails, retries=retries, task_retries=task_retries)
    call = (f"Pipeline(retries={retries}).run() with {at_limit!r} failing its first {retries} calls, {beyond!r} its "
            f"first {retries + 1}, {strict!r} (retries=0) its first call, {generous!r} (retries={retries + 2}) its "
            f"first {retries + 1}, and {after!r} downstream of {at_limit!r}")
    got = _record(pipeline.run(), dag, call)
    attempts = {name: got["tasks"][name]["attempts"] for name in names}
    states = {name: got["tasks"][name]["state"] for name in names}
    if states[at_limit] == "failed" and attempts[at_limit] == retries:
        raise AssertionError(
            f"{call}: {at_limit!r} failed after {attempts[at_limit]} attempts. retries={retries} means up to "
            f"{retries} RETRIES after the first call, {retries + 1} calls in all, so a task that fails {retries} "
            "times then works succeeds"
        )
    want = _simulate(dag, bases, fails=fails, retries=retries, task_retries=task_retries)
    _compare(got, want, call, "A task is called up to 1 + retries times (its own retries if given, else the "
             "pipeline's); attempts counts the calls; a task that never returned is 'failed' with "
             "'<ExceptionType>: <message>' of the last exception")
    assert got["status"] == "failed", f"{call}: record['status'] is {got['status']!r} although a task failed"
    calls = _calls(tasks)
    assert calls[beyond] == retries + 1 and calls[strict] == 1, (
        f"{call}: the failing tasks were called {calls[beyond]} and {calls[strict]} times"
    )


@points(1.5)
def test_failure_skips_descendants(student):
    rng = _rng("skip")
    while True:
        dag = _dag(rng, 9, max_upstream=2)
        candidates = [n for n in _order(dag["upstream"])[:5] if len(_descendants(dag["upstream"], n)) >= 2]
        others = [n for n in dag["upstream"] if candidates and n != candidates[0]
                  and n not in _descendants(dag["upstream"], candidates[0])]
        if candidates and others:
            break
    broken = candidates[0]
    bases = _bases(rng, dag)
    fails = {broken: 10**6}
    pipeline, tasks = _build(student, dag, bases, fails=fails)
    below = sorted(_descendants(dag["upstream"], broken))
    call = f"run() for {_describe(dag)} with {broken!r} always failing"
    got = _record(pipeline.run(), dag, call)
    called = sorted(name for name in below if tasks[name].calls)
    assert not called, (
        f"{call} called {called}, which depend (directly or not) on the failed task {broken!r}: a task whose "
        "upstream failed or was skipped is never called; its state is 'skipped'"
    )
    want = _simulate(dag, bases, fails=fails)
    _compare(got, want, call, f"Everything downstream of {broken!r} is 'skipped' (0 attempts, output, error and "
             "cache_key None); the other tasks still run")
    assert got["status"] == "failed", f"{call}: record['status'] is {got['status']!r} although {broken!r} failed"


# --------------------------------------------------------------------------- caching


@points(1.5)
def test_unchanged_rerun_is_cached(student):
    rng = _rng("cache")
    dag = _dag(rng, 7)
    bases = _bases(rng, dag)
    cache_dir = _cache_dir(rng)
    cache = {}
    first, _tasks = _build(student, dag, bases, cache_dir=cache_dir)
    call = f"run() for {_describe(dag)} with cache_dir={cache_dir!r}"
    got = _record(first.run(), dag, call)
    want = _simulate(dag, bases, cache=cache)
    _compare(got, want, call, "The first run with an empty cache runs every task")
    second, tasks = _build(student, dag, bases, cache_dir=cache_dir)
    call = f"a second run() of the same tasks (new Pipeline and ScriptedTask objects, the same cache_dir {cache_dir!r})"
    got = _record(second.run(), dag, call)
    called = sorted(name for name, count in _calls(tasks).items() if count)
    assert not called, (
        f"{call} called {called}: their name, version and inputs did not change, so their cache keys are the "
        "same and the stored outputs are used without calling them (state 'cached'). Keep the cache on disk in "
        "cache_dir, so that a new Pipeline finds it"
    )
    want = _simulate(dag, bases, cache=cache)
    _compare(got, want, call, "A task found in the cache is 'cached', with 0 attempts and the stored output")


@points(1.5)
def test_change_reruns_what_it_feeds(student):
    rng = _rng("change")
    while True:
        dag = _dag(rng, 8, max_upstream=2)
        order = _order(dag["upstream"])
        roots = [n for n in order if len(_descendants(dag["upstream"], n)) >= 2]
        if len(roots) >= 2:
            break
    changed, renamed = roots[0], roots[1]
    bases = _bases(rng, dag)
    cache_dir = _cache_dir(rng)
    cache = {}
    pipeline, _tasks = _build(student, dag, bases, cache_dir=cache_dir)
    _record(pipeline.run(), dag, "the first run()")
    _simulate(dag, bases, cache=cache)

    new_bases = dict(bases)
    new_bases[changed] = bases[changed] + int(rng.integers(1, 20))
    versions = {changed: "2"}
    pipeline, tasks = _build(student, dag, new_bases, versions=versions, cache_dir=cache_dir)
    call = (f"a rerun of {_describe(dag)} (same cache_dir) after task {changed!r} changed: version '2' and a "
            "different output")
    got = _record(pipeline.run(), dag, call)
    below = sorted(_descendants(dag["upstream"], changed))
    stale = sorted(name for name in below if got["tasks"][name]["state"] == "cached")
    assert not stale, (
        f"{call}: {stale} came from the cache although {changed!r} (upstream of them) now outputs something "
        "else. The cache key must include the task's inputs (the upstream outputs), not just its name and "
        "version, or downstream tasks reuse results computed from old data"
    )
    want = _simulate(dag, new_bases, versions=versions, cache=cache)
    _compare(got, want, call, f"{changed!r} and the tasks downstream of it rerun; the others are 'cached'")
    wrongly_called = sorted(n for n, count in _calls(tasks).items() if count and n != changed and n not in below)
    assert not wrongly_called, f"{call} called {wrongly_called}, whose inputs and versions did not change"

    versions = {changed: "2", renamed: "7"}
    pipeline, tasks = _build(student, dag, new_bases, versions=versions, cache_dir=cache_dir)
    call = (f"a third run after only the version of {renamed!r} changed to '7' (its output stays the same)")
    got = _record(pipeline.run(), dag, call)
    want = _simulate(dag, new_bases, versions=versions, cache=cache)
    _compare(got, want, call, f"{renamed!r} reruns (a new version is a new key); its output is the same as "
             "before, so the inputs of the tasks downstream are unchanged and they stay 'cached'")


@points(1)
def test_failures_are_not_cached(student):
    rng = _rng("nocache")
    while True:
        dag = _dag(rng, 7, max_upstream=2)
        candidates = [n for n in _order(dag["upstream"]) if dag["upstream"][n] and _descendants(dag["upstream"], n)]
        if candidates:
            break
    broken = candidates[0]
    bases = _bases(rng, dag)
    cache_dir = _cache_dir(rng)
    cache = {}
    fails = {broken: 10**6}
    pipeline, _tasks = _build(student, dag, bases, fails=fails, cache_dir=cache_dir)
    _record(pipeline.run(), dag, f"run() with {broken!r} always failing")
    _simulate(dag, bases, fails=fails, cache=cache)
    pipeline, tasks = _build(student, dag, bases, cache_dir=cache_dir)
    call = f"a rerun of {_describe(dag)} (same cache_dir) after {broken!r}, which failed in the first run, was fixed"
    got = _record(pipeline.run(), dag, call)
    state = got["tasks"][broken]["state"]
    assert state == "success" and tasks[broken].calls == 1, (
        f"{call}: {broken!r} is {state!r} and was called {tasks[broken].calls} time(s): a failure is never stored "
        "in the cache, so the fixed task runs"
    )
    want = _simulate(dag, bases, cache=cache)
    _compare(got, want, call, f"{broken!r} and what it feeds run now; what ran before comes from the cache")
