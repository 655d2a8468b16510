"""Hidden grader for agents/trajectory-scoring.

Worked examples are fixed (@shows_expected). Trajectories are generated per submission (submission_rng): an
expected plan of tool calls, then an agent run with the mistakes agents make (keys in another order, 20 for
20.0, a wrong value, broken JSON, a repeated call, an extra call, a skipped call, a missing or misplaced tool
result, a wrong final answer). Expected values come from the functions below, the statement's rules written out.
"""

import json
import math

from gradient_grader import expected, points, shows_expected, submission_rng

SCORE_KEYS = ["errors", "valid", "precision", "recall", "in_order", "extra", "repeated", "efficiency", "answer_match", "score"]
WEIGHTS = {"valid": 0.15, "recall": 0.25, "precision": 0.15, "in_order": 0.10, "efficiency": 0.10, "answer": 0.25}
CITIES = ["Paris", "Lyon", "Osaka", "Lima", "Cairo", "Oslo", "Quito", "Perth"]
CURRENCIES = ["USD", "EUR", "JPY", "GBP", "PEN", "NOK"]


# --- the statement's rules, written out -----------------------------------------------------------------------


def _parse(raw):
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _calls(messages):
    calls = []
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                calls.append({"id": call["id"], "name": call["function"]["name"],
                              "arguments": _parse(call["function"]["arguments"]), "message": index, "answered": False})
        elif message.get("role") == "tool":
            for call in calls:
                if call["id"] == message.get("tool_call_id"):
                    call["answered"] = True
    return calls


def _validate(messages):
    errors, pending, seen, answered = [], [], set(), set()
    for index, message in enumerate(messages + [None]):
        if message is not None and message.get("role") == "tool":
            call_id, ids = message.get("tool_call_id"), [p[0] for p in pending]
            if ids and ids[0] == call_id:
                pending.pop(0)
                answered.add(call_id)
            elif call_id in ids:
                errors.append(f"message {index}: result for call '{call_id}' is out of order")
                pending.pop(ids.index(call_id))
                answered.add(call_id)
            elif call_id in answered:
                errors.append(f"message {index}: call '{call_id}' answered twice")
            elif call_id in seen:
                errors.append(f"message {index}: late result for call '{call_id}'")
            else:
                errors.append(f"message {index}: result for unknown call '{call_id}'")
            continue
        errors += [f"message {where}: call '{call_id}' has no result" for call_id, where in pending]
        pending = []
        if message is not None and message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                if call["id"] in seen:
                    errors.append(f"message {index}: duplicate call id '{call['id']}'")
                if _parse(call["function"]["arguments"]) is None:
                    errors.append(f"message {index}: arguments of call '{call['id']}' are not a JSON object")
                seen.add(call["id"])
                pending.append((call["id"], index))
    return errors


def _match_args(got, want, tol=1e-6):
    if isinstance(got, bool) or isinstance(want, bool):
        return isinstance(got, bool) and isinstance(want, bool) and got == want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return abs(got - want) <= tol * max(1.0, abs(want))
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(_match_args(got[k], want[k], tol) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(_match_args(g, w, tol) for g, w in zip(got, want))
    return got == want


def _match(messages, plan, tol=1e-6):
    calls, used, matches = _calls(messages), [False] * len(plan), []
    for a, call in enumerate(calls):
        if call["answered"] and call["arguments"] is not None:
            for e, step in enumerate(plan):
                if not used[e] and call["name"] == step["name"] and _match_args(call["arguments"], step["arguments"], tol):
                    used[e] = True
                    matches.append((a, e))
                    break
    return {"matches": matches, "precision": len(matches) / len(calls) if calls else 1.0,
            "recall": len(matches) / len(plan) if plan else 1.0}


def _in_order(messages, required):
    names = iter(c["name"] for c in _calls(messages) if c["answered"])
    return all(any(n == r for n in names) for r in required)


def _efficiency(messages, plan, tol=1e-6):
    calls = _calls(messages)
    repeated = sum(1 for k, c in enumerate(calls) if c["arguments"] is not None and any(
        e["name"] == c["name"] and e["arguments"] is not None and _match_args(c["arguments"], e["arguments"], tol)
        for e in calls[:k]))
    return {"extra": len(calls) - len(_match(messages, plan, tol)["matches"]), "repeated": repeated,
            "efficiency": min(1.0, len(plan) / len(calls)) if calls else 1.0}


def _final(messages):
    last = messages[-1] if messages else {}
    ok = last.get("role") == "assistant" and not last.get("tool_calls") and isinstance(last.get("content"), str)
    return last["content"] if ok else None


def _answer_ok(messages, answer):
    final = _final(messages)
    return final is not None and " ".join(final.lower().split()) == " ".join(answer.lower().split())


def _score(messages, task, tol=1e-6):
    errors, matched = _validate(messages), _match(messages, task["expected_calls"], tol)
    steps, in_order = _efficiency(messages, task["expected_calls"], tol), _in_order(messages, task["required_order"])
    answer_ok = _answer_ok(messages, task["answer"])
    parts = {"valid": float(not errors), "recall": matched["recall"], "precision": matched["precision"],
             "in_order": float(in_order), "efficiency": steps["efficiency"], "answer": float(answer_ok)}
    return {"errors": errors, "valid": not errors, "precision": matched["precision"], "recall": matched["recall"],
            "in_order": in_order, **steps, "answer_match": answer_ok,
            "score": sum(w * parts[k] for k, w in WEIGHTS.items())}


# --- generated trajectories -------------------------------------------------------------------------------------


def _pick(rng, items):
    return items[int(rng.integers(len(items)))]


def _plan_step(rng):
    kind = int(rng.integers(5))
    if kind == 0:
        return {"name": "get_weather", "arguments": {"city": _pick(rng, CITIES), "unit": _pick(rng, ["celsius", "fahrenheit"])}}
    if kind == 1:
        return {"name": "convert_currency", "arguments": {
            "amount": round(float(rng.uniform(5, 900)), 2), "from": _pick(rng, CURRENCIES), "to": _pick(rng, CURRENCIES)}}
    if kind == 2:
        return {"name": "search_flights", "arguments": {
            "origin": _pick(rng, CITIES), "destination": _pick(rng, CITIES), "max_price": int(rng.integers(100, 2000)),
            "filters": {"direct": bool(rng.random() < 0.5), "cabin": _pick(rng, ["economy", "business"])}}}
    if kind == 3:
        return {"name": "lookup_order", "arguments": {
            "order_id": int(rng.integers(1000, 99999)), "fields": [_pick(rng, ["status", "items", "total", "eta"])
                                                                  for _ in range(int(rng.integers(1, 4)))]}}
    return {"name": "set_reminder", "arguments": {"text": f"call {_pick(rng, CITIES)}", "minutes": int(rng.integers(5, 240)),
                                                  "repeat": bool(rng.random() < 0.5)}}


def _serialise(rng, arguments, variant):
    """The JSON string an agent would send, after an optional slip; keys in a random order, random spacing."""
    arguments = json.loads(json.dumps(arguments))
    numbers = [k for k, v in arguments.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if variant == "close" and numbers:  # 120 -> 120.0, 19.99 -> 19.99000000001: the same number
        key = _pick(rng, numbers)
        value = arguments[key]
        arguments[key] = float(value) if isinstance(value, int) else value * (1 + 1e-10)
    elif variant == "wrong-number" and numbers:
        arguments[_pick(rng, numbers)] += 7
    elif variant == "wrong-string":
        strings = [k for k, v in arguments.items() if isinstance(v, str)]
        if strings:
            arguments[_pick(rng, strings)] = "Atlantis"
    elif variant == "missing-key":
        arguments.pop(_pick(rng, sorted(arguments)))
    elif variant == "extra-key":
        arguments["note"] = "asap"
    keys = list(arguments)
    shuffled = {keys[i]: arguments[keys[i]] for i in rng.permutation(len(keys))}
    separators = (",", ":") if rng.random() < 0.5 else (", ", ": ")
    text = json.dumps(shuffled, separators=separators)
    return text[:-1] if variant == "broken-json" else text


def _trajectory(rng, defects=True, slip=None, repeat=False):
    """(messages, task): a plan of 2-4 calls and one agent run at it, with some mistakes when `defects`; `slip`
    (0: a missing result, 1: results in reverse order, 2: a result twice, 3: an unknown id) forces that slip
    on the first block of tool results; `repeat` makes the agent repeat its first call."""
    plan = [_plan_step(rng) for _ in range(int(rng.integers(2, 5)))]
    answer = f"Done: {int(rng.integers(100, 999))} {_pick(rng, CURRENCIES)} and {_pick(rng, CITIES)}."
    required = [s["name"] for s in plan if rng.random() < 0.7]
    task = {"expected_calls": plan, "required_order": required, "answer": answer}
    variants = ["exact"] * 6 + ["close"] * 3 + (["wrong-number", "wrong-string", "missing-key", "extra-key",
                                                   "broken-json", "skip", "repeat"] if defects else [])
    made = []  # (name, raw arguments)
    steps = list(plan)
    if defects and rng.random() < 0.3 and len(steps) > 1:
        first, second = sorted(rng.choice(len(steps), size=2, replace=False).tolist())
        steps[first], steps[second] = steps[second], steps[first]
    for number, step in enumerate(steps):
        variant = "repeat" if repeat and number == 0 else _pick(rng, variants)
        if variant == "skip":
            continue
        raw = _serialise(rng, step["arguments"], "exact" if variant == "repeat" else variant)
        made.append((step["name"], raw))
        if variant == "repeat":
            made.append((step["name"], _serialise(rng, step["arguments"], "close")))
    if defects and rng.random() < 0.3:
        extra = _plan_step(rng)
        made.insert(int(rng.integers(len(made) + 1)), (extra["name"], _serialise(rng, extra["arguments"], "exact")))
    messages = [{"role": "system", "content": "You are a helpful assistant with tools."},
                {"role": "user", "content": "Please take care of my trip."}]
    position, number = 0, 0
    while position < len(made):
        size = min(len(made) - position, int(rng.integers(1, 3)))
        block = []
        for name, raw in made[position:position + size]:
            number += 1
            block.append({"id": f"call_{number}_{int(rng.integers(10**6)):06d}", "type": "function",
                          "function": {"name": name, "arguments": raw}})
        position += size
        messages.append({"role": "assistant", "content": None, "tool_calls": block})
        results = [{"role": "tool", "tool_call_id": c["id"], "content": f"result of {c['function']['name']}"} for c in block]
        if defects:
            draw = rng.random() if slip is None else (0.0, 0.15, 0.25, 0.28)[slip]
            slip = None
            if draw < 0.12 or (draw < 0.2 and len(results) < 2):
                results.pop(int(rng.integers(len(results))))  # a call left without a result
            elif draw < 0.2:
                results.reverse()
            elif draw < 0.26:
                results.append(dict(results[0]))  # answered twice
            elif draw < 0.3:
                results.append({"role": "tool", "tool_call_id": "call_ghost", "content": "?"})
        messages += results
    ending = rng.random() if defects else 0.0
    if ending < 0.55:
        messages.append({"role": "assistant", "content": answer})
    elif ending < 0.75:
        messages.append({"role": "assistant", "content": "  " + answer.upper().replace(" ", "  ") + "\n"})
    elif ending < 0.9:
        messages.append({"role": "assistant", "content": answer.replace("Done", "Almost done")})
    return messages, task


def _brief(messages):
    """A short account of a trajectory for feedback: what each message is."""
    out = []
    for i, m in enumerate(messages):
        if m.get("role") == "assistant" and m.get("tool_calls"):
            calls = ", ".join(f"{c['id']} {c['function']['name']}({c['function']['arguments']})" for c in m["tool_calls"])
            out.append(f"{i}: assistant calls {calls}")
        elif m.get("role") == "tool":
            out.append(f"{i}: tool result for {m.get('tool_call_id')}")
        else:
            out.append(f"{i}: {m.get('role')} {m.get('content')!r:.60}")
    return "; ".join(out)


def _float(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should be a number, got {type(value).__name__}: {value!r:.200}"
    )
    return float(value)


def _tool_call(call_id, name, arguments):
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}


def _result(call_id, content="ok"):
    return {"role": "tool", "tool_call_id": call_id, "content": content}


# --- tests -----------------------------------------------------------------------------------------------------


@shows_expected
@points(1)
def test_tool_calls_are_parsed(student):
    messages = [
        {"role": "user", "content": "Weather in Oslo, and remind me in 30 minutes."},
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("c1", "get_weather", '{"city": "Oslo", "unit": "celsius"}'),
            _tool_call("c2", "set_reminder", '{"text": "umbrella", minutes: 30}')]},
        _result("c1", "4 C, rain"),
        {"role": "assistant", "content": None, "tool_calls": [_tool_call("c3", "lookup_order", "[1, 2]")]},
        {"role": "assistant", "content": "It is 4 C and raining in Oslo."},
    ]
    want = [
        {"id": "c1", "name": "get_weather", "arguments": {"city": "Oslo", "unit": "celsius"}, "message": 1, "answered": True},
        {"id": "c2", "name": "set_reminder", "arguments": None, "message": 1, "answered": False},
        {"id": "c3", "name": "lookup_order", "arguments": None, "message": 3, "answered": False},
    ]
    got = student.tool_calls(messages)
    assert got == want, (
        f"tool_calls(<{_brief(messages)}>) returned {got!r}, expected {want!r} (arguments parsed with json.loads; None "
        "when they are not valid JSON or not a JSON object; answered when a later tool message has the call's id)"
    )


@shows_expected
@points(1.5)
def test_validate_worked_example(student):
    messages = [
        {"role": "user", "content": "Paris weather, the local time, then museums."},
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("call_1", "get_weather", {"city": "Paris"}), _tool_call("call_2", "get_time", "{city: Paris}")]},
        _result("call_2"),
        _result("call_2"),
        {"role": "assistant", "content": None, "tool_calls": [_tool_call("call_3", "search", {"q": "museums"})]},
        {"role": "user", "content": "Hello?"},
        _result("call_9"),
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("call_3", "search", {"q": "parks"}), _tool_call("call_4", "search", {"q": "cafes"})]},
        _result("call_4"),
        _result("call_3"),
        {"role": "user", "content": "Thanks."},
        _result("call_1"),
    ]
    want = [
        "message 1: arguments of call 'call_2' are not a JSON object",
        "message 2: result for call 'call_2' is out of order",
        "message 3: call 'call_2' answered twice",
        "message 1: call 'call_1' has no result",
        "message 4: call 'call_3' has no result",
        "message 6: result for unknown call 'call_9'",
        "message 7: duplicate call id 'call_3'",
        "message 8: result for call 'call_4' is out of order",
        "message 11: late result for call 'call_1'",
    ]
    got = student.validate_trajectory(messages)
    assert got == want, (
        f"validate_trajectory(<{_brief(messages)}>) returned {got!r}, expected {want!r}. Errors come in the order they "
        "are found; a missing result is found when its block of tool messages ends"
    )
    clean = messages[:2] + [_result("call_1"), _result("call_2")]
    clean[1] = {"role": "assistant", "content": None, "tool_calls": [
        _tool_call("call_1", "get_weather", {"city": "Paris"}), _tool_call("call_2", "get_time", {"city": "Paris"})]}
    got = student.validate_trajectory(clean)
    assert got == [], f"validate_trajectory(<{_brief(clean)}>) returned {got!r}, expected [] (nothing is wrong)"
    unanswered = clean[:3]
    got = student.validate_trajectory(unanswered)
    assert got == ["message 1: call 'call_2' has no result"], (
        f"validate_trajectory(<{_brief(unanswered)}>) returned {got!r}, expected "
        "[\"message 1: call 'call_2' has no result\"] (the list ends while call_2 waits for its result)"
    )


@points(1.5)
def test_validate_generated(student):
    rng = submission_rng("agents/trajectory-scoring:validate")
    for index in range(12):
        messages, _task = _trajectory(rng, slip=index % 4 if index < 8 else None)
        got = student.validate_trajectory(messages)
        want = _validate(messages)
        assert isinstance(got, list) and got == want, (
            f"validate_trajectory(<{_brief(messages)}>) returned {got!r}, expected {expected(want)}"
        )


@shows_expected
@points(1.5)
def test_arguments_match_rules(student):
    cases = [
        ({"city": "Paris", "unit": "celsius"}, {"unit": "celsius", "city": "Paris"}, True, "key order does not matter"),
        ({"amount": 120.0}, {"amount": 120}, True, "120.0 and 120 are the same number"),
        ({"amount": 19.990000001}, {"amount": 19.99}, True, "within tol * max(1, |want|)"),
        ({"amount": 19.991}, {"amount": 19.99}, False, "0.001 apart is more than the tolerance"),
        ({"x": 1e-7}, {"x": 0.0}, True, "near zero the tolerance is absolute: 1e-6"),
        ({"amount": 120}, {"amount": "120"}, False, "a string is not a number"),
        ({"repeat": 1}, {"repeat": True}, False, "a boolean only matches a boolean"),
        ({"repeat": False}, {"repeat": 0}, False, "a boolean only matches a boolean"),
        ({"fields": ["eta", "total"]}, {"fields": ["total", "eta"]}, False, "list order matters"),
        ({"f": {"direct": True, "cabin": "economy"}}, {"f": {"cabin": "economy", "direct": True}}, True, "nested objects"),
        ({"city": "Paris", "note": "x"}, {"city": "Paris"}, False, "an extra key"),
        ({"city": "Paris"}, {"city": "Paris", "unit": "celsius"}, False, "a missing key"),
        ({"v": None}, {"v": None}, True, "null equals null"),
        ({"city": "paris"}, {"city": "Paris"}, False, "strings compare exactly"),
    ]
    for got_args, want_args, want, hint in cases:
        call = f"arguments_match({got_args!r}, {want_args!r})"
        got = student.arguments_match(got_args, want_args)
        assert got is want, f"{call} returned {got!r}, expected {want!r} ({hint})"
    call = "arguments_match({'amount': 19.991}, {'amount': 19.99}, tol=1e-3)"
    got = student.arguments_match({"amount": 19.991}, {"amount": 19.99}, tol=1e-3)
    assert got is True, f"{call} returned {got!r}, expected True (tol is a parameter)"


@points(2)
def test_match_calls_generated(student):
    rng = submission_rng("agents/trajectory-scoring:match")
    for index in range(12):
        messages, task = _trajectory(rng, slip=0 if index < 3 else None, repeat=3 <= index < 6)
        plan = task["expected_calls"]
        call = f"match_calls(<{_brief(messages)}>, expected_calls={plan!r})"
        got = student.match_calls(messages, plan)
        want = _match(messages, plan)
        assert isinstance(got, dict) and {"matches", "precision", "recall"} <= set(got), (
            f"{call} should return a dict with matches, precision and recall, got {got!r:.300}"
        )
        pairs = [tuple(p) if isinstance(p, (list, tuple)) else p for p in got["matches"]]
        assert pairs == want["matches"], f"{call}['matches'] is {pairs!r}, expected {expected(want['matches'])}"
        for key in ("precision", "recall"):
            value, target = _float(got[key], f"{call}[{key!r}]"), want[key]
            assert math.isclose(value, target, rel_tol=1e-9), f"{call}[{key!r}] is {value!r}, expected {expected(target)}"


@shows_expected
@points(1)
def test_repeated_call_counts_once(student):
    plan = [{"name": "get_weather", "arguments": {"city": "Lima", "unit": "celsius"}}]
    messages = [{"role": "user", "content": "Weather in Lima?"}]
    for number in (1, 2, 3):
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            _tool_call(f"c{number}", "get_weather", {"unit": "celsius", "city": "Lima"})]}, _result(f"c{number}", "21 C")]
    messages.append({"role": "assistant", "content": "21 C in Lima."})
    call = f"match_calls(<{_brief(messages)}>, {plan!r})"
    got = student.match_calls(messages, plan)
    want = {"matches": [(0, 0)], "precision": 1 / 3, "recall": 1.0}
    pairs = [tuple(p) for p in got["matches"]]
    assert pairs == want["matches"] and math.isclose(got["precision"], want["precision"]) and got["recall"] == 1.0, (
        f"{call} returned {got!r}, expected {want!r}: the same call made three times is credited once, so 2 of the 3 "
        "calls are not correct"
    )
    call = f"step_efficiency(<{_brief(messages)}>, {plan!r})"
    got = student.step_efficiency(messages, plan)
    want = {"extra": 2, "repeated": 2, "efficiency": 1 / 3}
    assert isinstance(got, dict) and got.get("extra") == 2 and got.get("repeated") == 2 and math.isclose(
        _float(got.get("efficiency"), call + "['efficiency']"), 1 / 3), f"{call} returned {got!r}, expected {want!r}"


@shows_expected
@points(1)
def test_follows_order(student):
    def run(names, answered=None):
        messages = [{"role": "user", "content": "Plan my trip."}]
        for k, name in enumerate(names):
            messages.append({"role": "assistant", "content": None, "tool_calls": [_tool_call(f"c{k}", name, {})]})
            if answered is None or k in answered:
                messages.append(_result(f"c{k}"))
        return messages

    cases = [
        (["search_flights", "get_weather", "book"], ["search_flights", "book"], None, True, "other calls may come between"),
        (["book", "search_flights"], ["search_flights", "book"], None, False, "book came before search_flights"),
        (["search_flights", "book", "search_flights"], ["search_flights", "book"], None, True, "a subsequence is enough"),
        (["search_flights"], ["search_flights", "search_flights"], None, False, "one call cannot fill two steps"),
        (["search_flights", "book"], ["search_flights", "book"], {0}, False, "book never got its result"),
        (["search_flights"], [], None, True, "no required steps"),
    ]
    for names, required, answered, want, hint in cases:
        messages = run(names, answered)
        call = f"follows_order(<{_brief(messages)}>, {required!r})"
        got = student.follows_order(messages, required)
        assert got is want, f"{call} returned {got!r}, expected {want!r} ({hint})"


@points(1)
def test_step_efficiency_generated(student):
    rng = submission_rng("agents/trajectory-scoring:steps")
    for _ in range(12):
        messages, task = _trajectory(rng)
        call = f"step_efficiency(<{_brief(messages)}>, expected_calls={task['expected_calls']!r})"
        got = student.step_efficiency(messages, task["expected_calls"])
        want = _efficiency(messages, task["expected_calls"])
        assert isinstance(got, dict) and got.get("extra") == want["extra"] and got.get("repeated") == want["repeated"], (
            f"{call} returned {got!r:.300}; expected extra={expected(want['extra'])}, "
            f"repeated={expected(want['repeated'])}"
        )
        value = _float(got["efficiency"], f"{call}['efficiency']")
        assert math.isclose(value, want["efficiency"], rel_tol=1e-9), (
            f"{call}['efficiency'] is {value!r}, expected {expected(want['efficiency'])}"
        )


@shows_expected
@points(0.5)
def test_final_answer_match(student):
    base = [{"role": "user", "content": "Total?"}]
    call_block = {"role": "assistant", "content": None, "tool_calls": [_tool_call("c1", "lookup_order", {"order_id": 7})]}
    cases = [
        (base + [{"role": "assistant", "content": "  The total is 42 EUR.\n"}], "the total is  42 eur.", True),
        (base + [{"role": "assistant", "content": "The total is 42 EUR"}], "The total is 42 EUR.", False),
        (base + [{"role": "assistant", "content": "The total is 42 EUR."}, call_block, _result("c1")],
         "The total is 42 EUR.", False),
        (base, "The total is 42 EUR.", False),
    ]
    for messages, answer, want in cases:
        call = f"answer_matches(<{_brief(messages)}>, {answer!r})"
        got = student.answer_matches(messages, answer)
        assert got is want, (
            f"{call} returned {got!r}, expected {want!r} (the final answer is the LAST message when it is an assistant "
            "message without tool calls; compare lower-cased, with whitespace runs collapsed and the ends stripped)"
        )


@points(1)
def test_score_trajectory_generated(student):
    rng = submission_rng("agents/trajectory-scoring:score")
    for index in range(10):
        messages, task = _trajectory(rng, defects=index > 0)
        call = f"score_trajectory(<{_brief(messages)}>, {task!r})"
        got = student.score_trajectory(messages, task)
        want = _score(messages, task)
        assert isinstance(got, dict) and set(SCORE_KEYS) <= set(got), (
            f"{call} should return a dict with the keys {SCORE_KEYS}, got {got!r:.300}"
        )
        for key in ("errors", "valid", "in_order", "extra", "repeated", "answer_match"):
            assert got[key] == want[key], f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}"
        for key in ("precision", "recall", "efficiency", "score"):
            value, target = _float(got[key], f"{call}[{key!r}]"), want[key]
            assert math.isclose(value, target, rel_tol=1e-9, abs_tol=1e-12), (
                f"{call}[{key!r}] is {value!r}, expected {expected(target)}"
                + (" (the weighted sum of the six parts, with the README's weights)" if key == "score" else "")
            )
