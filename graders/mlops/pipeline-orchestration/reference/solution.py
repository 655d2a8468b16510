"""A small DAG runner: topological order, cycle detection, retries, caching by inputs and code version."""

import hashlib
import heapq
import json
import os


class CycleError(Exception):
    """The tasks' dependencies form a cycle."""


class ScriptedTask:
    """A task for trying a runner (given complete): returns base + the sum of its inputs, and raises
    RuntimeError on its first `fail_times` calls. `calls` counts the calls, `seen` keeps their inputs."""

    def __init__(self, base=0, fail_times=0):
        self.base = base
        self.fail_times = fail_times
        self.calls = 0
        self.seen = []

    def __call__(self, **inputs):
        self.calls += 1
        self.seen.append(dict(inputs))
        if self.calls <= self.fail_times:
            raise RuntimeError(f"scripted failure {self.calls} of {self.fail_times}")
        return self.base + sum(inputs.values())


def cache_key(name, version, inputs):
    payload = json.dumps({"name": name, "version": version, "inputs": inputs}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Pipeline:
    def __init__(self, cache_dir=None, retries=0):
        self.cache_dir = cache_dir
        self.retries = retries
        self.tasks = {}

    def add_task(self, name, fn, upstream=(), version="1", retries=None):
        if name in self.tasks:
            raise ValueError(f"a task named {name!r} exists already")
        self.tasks[name] = {"fn": fn, "upstream": list(upstream), "version": version,
                            "retries": self.retries if retries is None else retries}

    def _find_cycle(self):
        downstream = {name: [] for name in self.tasks}
        for name, task in self.tasks.items():
            for up in task["upstream"]:
                downstream[up].append(name)
        colour = {name: 0 for name in self.tasks}  # 0 new, 1 on the path, 2 done
        for start in sorted(self.tasks):
            if colour[start]:
                continue
            path = [start]
            colour[start] = 1
            stack = [iter(sorted(downstream[start]))]
            while stack:
                following = next(stack[-1], None)
                if following is None:
                    colour[path.pop()] = 2
                    stack.pop()
                elif colour[following] == 1:
                    return path[path.index(following):] + [following]
                elif colour[following] == 0:
                    colour[following] = 1
                    path.append(following)
                    stack.append(iter(sorted(downstream[following])))
        return None

    def order(self):
        for name, task in self.tasks.items():
            for up in task["upstream"]:
                if up not in self.tasks:
                    raise ValueError(f"task {name!r} depends on {up!r}, which is not a task")
        cycle = self._find_cycle()
        if cycle:
            raise CycleError("the dependencies form a cycle: " + " -> ".join(cycle))
        waiting = {name: len(set(task["upstream"])) for name, task in self.tasks.items()}
        downstream = {name: [] for name in self.tasks}
        for name, task in self.tasks.items():
            for up in set(task["upstream"]):
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

    def _cache_path(self, key):
        return os.path.join(self.cache_dir, key + ".json")

    def run(self):
        order = self.order()
        if self.cache_dir is not None:
            os.makedirs(self.cache_dir, exist_ok=True)
        records = {}
        outputs = {}
        for name in order:
            task = self.tasks[name]
            record = {"state": None, "attempts": 0, "output": None, "error": None, "cache_key": None}
            records[name] = record
            if any(records[up]["state"] in ("failed", "skipped") for up in task["upstream"]):
                record["state"] = "skipped"
                continue
            inputs = {up: outputs[up] for up in task["upstream"]}
            key = cache_key(name, task["version"], inputs)
            record["cache_key"] = key
            if self.cache_dir is not None and os.path.exists(self._cache_path(key)):
                with open(self._cache_path(key), encoding="utf-8") as handle:
                    outputs[name] = json.load(handle)["output"]
                record.update(state="cached", output=outputs[name])
                continue
            for _attempt in range(1 + task["retries"]):
                record["attempts"] += 1
                try:
                    output = task["fn"](**inputs)
                except Exception as exc:  # noqa: BLE001 - a task's failure is recorded, not raised
                    record["error"] = f"{type(exc).__name__}: {exc}"
                    continue
                record.update(state="success", output=output, error=None)
                outputs[name] = output
                if self.cache_dir is not None:
                    with open(self._cache_path(key), "w", encoding="utf-8") as handle:
                        json.dump({"output": output}, handle)
                break
            else:
                record["state"] = "failed"
        failed = any(r["state"] == "failed" for r in records.values())
        return {"order": order, "tasks": records, "status": "failed" if failed else "success"}
