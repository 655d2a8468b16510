import json

WEIGHTS = {"valid": 0.15, "recall": 0.25, "precision": 0.15, "in_order": 0.10, "efficiency": 0.10, "answer": 0.25}


def _parse(raw):
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def tool_calls(messages: list[dict]) -> list[dict]:
    calls = []
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                function = call["function"]
                calls.append({"id": call["id"], "name": function["name"], "arguments": _parse(function["arguments"]),
                              "message": index, "answered": False})
        elif message.get("role") == "tool":
            for call in calls:  # every call made before this result, with its id
                if call["id"] == message.get("tool_call_id"):
                    call["answered"] = True
    return calls


def validate_trajectory(messages: list[dict]) -> list[str]:
    errors, pending, seen, answered = [], [], set(), set()

    def close_block():
        errors.extend(f"message {where}: call '{call_id}' has no result" for call_id, where in pending)
        pending.clear()

    for index, message in enumerate(messages):
        if message.get("role") == "tool":
            call_id = message.get("tool_call_id")
            ids = [p[0] for p in pending]
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
        close_block()
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                if call["id"] in seen:
                    errors.append(f"message {index}: duplicate call id '{call['id']}'")
                if _parse(call["function"]["arguments"]) is None:
                    errors.append(f"message {index}: arguments of call '{call['id']}' are not a JSON object")
                seen.add(call["id"])
                pending.append((call["id"], index))
    close_block()
    return errors


def arguments_match(got, want, tol: float = 1e-6) -> bool:
    if isinstance(got, bool) or isinstance(want, bool):
        return isinstance(got, bool) and isinstance(want, bool) and got == want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return abs(got - want) <= tol * max(1.0, abs(want))
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(arguments_match(got[k], want[k], tol) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(
            arguments_match(g, w, tol) for g, w in zip(got, want))
    return got == want


def match_calls(messages: list[dict], expected_calls: list[dict], tol: float = 1e-6) -> dict:
    calls = tool_calls(messages)
    used = [False] * len(expected_calls)
    matches = []
    for a, call in enumerate(calls):
        if not call["answered"] or call["arguments"] is None:
            continue  # a call that never ran, or whose arguments cannot be read, did nothing useful
        for e, want in enumerate(expected_calls):
            if call["name"] == want["name"] and arguments_match(call["arguments"], want["arguments"], tol):
                matches.append((a, e))
                break
    return {
        "matches": matches,
        "precision": len(matches) / len(calls) if calls else 1.0,
        "recall": len(matches) / len(expected_calls) if expected_calls else 1.0,
    }


def follows_order(messages: list[dict], required_order: list[str]) -> bool:
    names = iter(call["name"] for call in tool_calls(messages) if call["answered"])
    return all(any(name == wanted for name in names) for wanted in required_order)


def step_efficiency(messages: list[dict], expected_calls: list[dict], tol: float = 1e-6) -> dict:
    calls = tool_calls(messages)
    matched = len(match_calls(messages, expected_calls, tol)["matches"])
    repeated = sum(
        1 for k, call in enumerate(calls)
        if call["arguments"] is not None and any(
            earlier["name"] == call["name"] and earlier["arguments"] is not None
            and arguments_match(call["arguments"], earlier["arguments"], tol) for earlier in calls[:k])
    )
    efficiency = min(1.0, len(expected_calls) / len(calls)) if calls else 1.0
    return {"extra": len(calls) - matched, "repeated": repeated, "efficiency": efficiency}


def final_answer(messages: list[dict]):
    last = messages[-1] if messages else {}
    if last.get("role") == "assistant" and not last.get("tool_calls") and isinstance(last.get("content"), str):
        return last["content"]
    return None


def answer_matches(messages: list[dict], answer: str) -> bool:
    final = final_answer(messages)
    return final is not None and " ".join(final.lower().split()) == " ".join(answer.lower().split())


def score_trajectory(messages: list[dict], task: dict, tol: float = 1e-6) -> dict:
    errors = validate_trajectory(messages)
    matched = match_calls(messages, task["expected_calls"], tol)
    steps = step_efficiency(messages, task["expected_calls"], tol)
    in_order = follows_order(messages, task["required_order"])
    answer_ok = answer_matches(messages, task["answer"])
    parts = {"valid": float(not errors), "recall": matched["recall"], "precision": matched["precision"],
             "in_order": float(in_order), "efficiency": steps["efficiency"], "answer": float(answer_ok)}
    return {
        "errors": errors, "valid": not errors, "precision": matched["precision"], "recall": matched["recall"],
        "in_order": in_order, **steps, "answer_match": answer_ok,
        "score": sum(weight * parts[name] for name, weight in WEIGHTS.items()),
    }
