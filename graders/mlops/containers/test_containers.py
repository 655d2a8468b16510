"""Hidden grader for mlops/containers.

The student's functions return the text of a Dockerfile and of a Kubernetes manifest; nothing is built or
run. The Dockerfile is parsed here (continuation lines, comments, exec and shell forms, stages); the
manifest with yaml.safe_load_all. The port, name, image and Secret are drawn per submission.
"""

import json
import re
import shlex

import yaml

from gradient_grader import points, submission_rng

SLUG = "mlops/containers"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
FULL_VERSION = re.compile(r"^v?\d+\.\d+\.\d+")
ROOT_USERS = {"0", "root"}


# --------------------------------------------------------------------------- hidden inputs


def _inputs(role):
    rng = submission_rng(f"{SLUG}:{role}")
    port = int(rng.integers(8001, 9000))
    while port in (8000, 8080, 8443, 8888):
        port = int(rng.integers(8001, 9000))
    service = ["churn", "fraud", "ranker", "scorer", "recs", "pricing"][int(rng.integers(0, 6))]
    name = f"{service}-api-{int(rng.integers(0, 16**4)):04x}"
    digest = "".join("0123456789abcdef"[int(d)] for d in rng.integers(0, 16, 64))
    image = f"registry.example.com/ml/{name}@sha256:{digest}"
    secret = f"{name}-secrets"
    return {"port": port, "name": name, "image": image, "secret_name": secret}


def _dockerfile(student, values):
    text = student.dockerfile(values["port"])
    assert isinstance(text, str) and text.strip(), (
        f"dockerfile({values['port']}) returned {text!r:.100}: expected the Dockerfile's text as a str"
    )
    return text


def _manifest_docs(student, values):
    call = (f"deployment_manifest({values['name']!r}, {values['image'][:40] + '...'!r}, {values['port']}, "
            f"{values['secret_name']!r})")
    text = student.deployment_manifest(values["name"], values["image"], values["port"], values["secret_name"])
    assert isinstance(text, str) and text.strip(), f"{call} returned {text!r:.100}: expected the manifest's YAML text"
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise AssertionError(f"{call} is not valid YAML: {str(exc)[:300]}") from None
    assert all(isinstance(d, dict) for d in docs), f"{call}: every YAML document should be a mapping (a Kubernetes object)"
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    assert len(deployments) == 1, (
        f"{call} holds {len(deployments)} document(s) of kind Deployment (kinds: {[d.get('kind') for d in docs]}): "
        "expected exactly one"
    )
    deployment = deployments[0]
    assert deployment.get("apiVersion") == "apps/v1", (
        f"{call}: the Deployment's apiVersion is {deployment.get('apiVersion')!r}; Deployments are 'apps/v1'"
    )
    return call, deployment, docs


def _get(node, *path):
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or len(node) <= key:
                return None
        elif not isinstance(node, dict):
            return None
        node = node[key] if isinstance(key, int) else node.get(key)
    return node


def _container(deployment, call):
    containers = _get(deployment, "spec", "template", "spec", "containers")
    assert isinstance(containers, list) and len(containers) == 1 and isinstance(containers[0], dict), (
        f"{call}: spec.template.spec.containers is {containers!r:.200}; expected a list with exactly one container"
    )
    return containers[0]


# --------------------------------------------------------------------------- reading a Dockerfile


def _instructions(text):
    """[(INSTRUCTION, arguments, line number)], continuation lines joined and comments dropped."""
    found, parts, start = [], [], None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#") or (not line and not parts):
            continue
        if start is None:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1].strip())
            continue
        parts.append(line)
        joined = " ".join(p for p in parts if p)
        parts = []
        if joined:
            word, _, rest = joined.partition(" ")
            found.append((word.upper(), rest.strip(), start))
        start = None
    if parts:
        joined = " ".join(p for p in parts if p)
        word, _, rest = joined.partition(" ")
        found.append((word.upper(), rest.strip(), start))
    return found


def _stages(instructions):
    """The instructions split at each FROM: [(from_args, [instructions after it])]."""
    stages = []
    for instruction in instructions:
        if instruction[0] == "FROM":
            stages.append((instruction, []))
        elif stages:
            stages[-1][1].append(instruction)
    return stages


def _exec_form(arguments):
    if arguments.startswith("["):
        try:
            value = json.loads(arguments)
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return None


def _words(arguments):
    form = _exec_form(arguments)
    if form is not None:
        return form
    try:
        return shlex.split(arguments)
    except ValueError:
        return arguments.split()


def _copy_sources(arguments):
    """(flags, sources) of a COPY/ADD."""
    words = _words(arguments)
    flags = [w for w in words if w.startswith("--")]
    rest = [w for w in words if not w.startswith("--")]
    return flags, rest[:-1]


def _is_requirements(source):
    return source.rstrip("/").split("/")[-1] == "requirements.txt"


def _copies_code(sources):
    return any(s in (".", "./", "*", "*.py") or s.rstrip("/").split("/")[-1] == "app.py" for s in sources)


def _is_pip_install(arguments):
    words = _words(arguments)
    text = " ".join(words)
    if "pip" not in text or "install" not in text:
        return False
    return bool(re.search(r"(-r|--requirement)[ =]\S*requirements\.txt", text))


def _show(instruction):
    return f"line {instruction[2]}: {instruction[0]} {instruction[1]}"[:160]


# --------------------------------------------------------------------------- Dockerfile tests


@points(1)
def test_base_image_is_pinned(student):
    values = _inputs("base")
    instructions = _instructions(_dockerfile(student, values))
    stages = _stages(instructions)
    assert stages, "the Dockerfile has no FROM instruction"
    names = set()
    for (keyword, arguments, number), _body in stages:
        words = [w for w in arguments.split() if not w.startswith("--")]
        assert words, f"line {number}: FROM names no image"
        image = words[0]
        if image.lower() in names:
            continue  # an earlier stage
        if len(words) >= 3 and words[1].lower() == "as":
            names.add(words[2].lower())
        if DIGEST.search(image):
            continue
        repository, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        if not tag:
            raise AssertionError(
                f"line {number}: FROM {image} has no tag, so it means :latest, which moves with every release. Pin "
                "an exact version (python:3.11.9-slim-bookworm) or a digest (python@sha256:...)"
            )
        assert FULL_VERSION.match(tag), (
            f"line {number}: FROM {image} uses the tag {tag!r}, which moves (3.11-slim gets every 3.11.x patch, "
            "'latest' everything). Pin a full major.minor.patch version or a digest"
        )


@points(1.5)
def test_dependencies_are_installed_before_the_code(student):
    values = _inputs("layers")
    stages = _stages(_instructions(_dockerfile(student, values)))
    pip_stage = None
    for index, (_from, body) in enumerate(stages):
        for position, instruction in enumerate(body):
            if instruction[0] == "RUN" and _is_pip_install(instruction[1]):
                pip_stage = (index, position, instruction)
                break
        if pip_stage:
            break
    assert pip_stage is not None, (
        "no RUN instruction installs the requirements (RUN pip install -r requirements.txt): install them from "
        "requirements.txt in their own layer"
    )
    index, position, pip_run = pip_stage
    body = stages[index][1]
    copied_requirements = False
    for instruction in body[:position]:
        if instruction[0] in ("COPY", "ADD"):
            flags, sources = _copy_sources(instruction[1])
            if any(f.startswith("--from") for f in flags):
                continue
            if sources and all(_is_requirements(s) for s in sources):
                copied_requirements = True
                continue
            raise AssertionError(
                f"{_show(instruction)} copies more than requirements.txt before {_show(pip_run)}. Every change to "
                "the code then invalidates the cache of the pip install layer, and every build reinstalls all "
                "the packages. Copy requirements.txt alone, install, and copy the code afterwards"
            )
    assert copied_requirements, (
        f"nothing copies requirements.txt (on its own) before {_show(pip_run)}: COPY requirements.txt . first"
    )
    final = stages[-1][1]
    start = position + 1 if index == len(stages) - 1 else 0
    code = [i for i in final[start:] if i[0] in ("COPY", "ADD") and _copies_code(_copy_sources(i[1])[1])
            and not any(f.startswith("--from") for f in _copy_sources(i[1])[0])]
    assert code, (
        "the final stage never copies the application code (COPY app.py . or COPY . .) after the dependencies "
        "are installed"
    )


@points(1.5)
def test_runs_as_a_numeric_non_root_user(student):
    values = _inputs("user")
    stages = _stages(_instructions(_dockerfile(student, values)))
    assert stages, "the Dockerfile has no FROM instruction"
    users = [i for i in stages[-1][1] if i[0] == "USER"]
    assert users, (
        "the final stage has no USER instruction, so the app runs as root: one bug in it, or in a library, and "
        "the attacker is root in the container. Create a user (useradd --uid 10001 ...) and switch to it with "
        "USER 10001"
    )
    last = users[-1]
    user = last[1].split()[0] if last[1].split() else ""
    uid, _, gid = user.partition(":")
    assert uid.lower() not in ROOT_USERS, f"{_show(last)}: the last USER of the final stage is root"
    assert uid.isdigit(), (
        f"{_show(last)}: use a numeric user id (USER 10001). Kubernetes' runAsNonRoot cannot check a user name "
        "and refuses to start the container"
    )
    assert not gid or gid.isdigit() or gid.lower() != "root", f"{_show(last)}: the group should not be root"


@points(1.5)
def test_no_secrets_in_either_file(student):
    values = _inputs("secrets")
    for instruction in _instructions(_dockerfile(student, values)):
        if instruction[0] not in ("ENV", "ARG"):
            continue
        words = _words(instruction[1])
        if instruction[0] == "ENV" and words and "=" not in words[0]:
            keys = [words[0]]
        else:
            keys = [w.split("=", 1)[0] for w in words]
        leaked = [k for k in keys if SECRET_NAME.search(k)]
        assert not leaked, (
            f"{_show(instruction)} puts {leaked[0]} into the image. Anything in an ENV or ARG is readable by whoever "
            "pulls the image (docker history, docker inspect); the token comes from a Kubernetes Secret at run time"
        )
    call, deployment, _docs = _manifest_docs(student, values)
    container = _container(deployment, call)
    env = container.get("env") or []
    assert isinstance(env, list), f"{call}: the container's env is {env!r:.100}; expected a list"
    for entry in env:
        if isinstance(entry, dict) and SECRET_NAME.search(str(entry.get("name", ""))) and "value" in entry:
            raise AssertionError(
                f"{call}: the env entry {entry.get('name')!r} carries a literal value in the manifest, which is "
                "stored in git and readable by anyone who can read the Deployment. Use valueFrom.secretKeyRef"
            )
    token = [e for e in env if isinstance(e, dict) and e.get("name") == "MODEL_API_TOKEN"]
    assert token, f"{call}: the container's env has no MODEL_API_TOKEN; the app needs it (from the Secret)"
    ref = _get(token[0], "valueFrom", "secretKeyRef")
    assert isinstance(ref, dict), (
        f"{call}: MODEL_API_TOKEN is {token[0]!r:.200}; it should come from valueFrom.secretKeyRef"
    )
    assert ref.get("name") == values["secret_name"] and ref.get("key") == "token", (
        f"{call}: MODEL_API_TOKEN reads the Secret {ref.get('name')!r}, key {ref.get('key')!r}; it should read the "
        f"key 'token' of the Secret named by the secret_name argument ({values['secret_name']!r})"
    )


@points(1)
def test_port_and_command(student):
    values = _inputs("port")
    port = str(values["port"])
    stages = _stages(_instructions(_dockerfile(student, values)))
    final = stages[-1][1] if stages else []
    exposed = [w.split("/")[0] for i in final if i[0] == "EXPOSE" for w in i[1].split()]
    assert port in exposed, (
        f"dockerfile({port}) exposes {exposed or 'no port'}: EXPOSE the port the app listens on, {port} (the "
        "argument, not a fixed number)"
    )
    commands = [i for i in final if i[0] in ("CMD", "ENTRYPOINT")]
    assert commands, "the final stage has no CMD or ENTRYPOINT starting the app"
    forms = [_exec_form(i[1]) for i in commands]
    assert all(f is not None for f in forms), (
        f"{_show(commands[[f is None for f in forms].index(True)])} is in shell form: write it as a JSON list "
        "(exec form) so uvicorn runs as process 1 and receives SIGTERM when Kubernetes stops the pod, instead of "
        "a shell that ignores it until it is killed"
    )
    words = [w for f in forms for w in f]
    text = " ".join(words)
    assert "uvicorn" in text and "app:app" in words, (
        f"the container starts {words}: expected uvicorn serving app:app"
    )
    host = re.search(r"--host[ =](\S+)", text)
    assert host and host.group(1) == "0.0.0.0", (
        f"the container starts {words}: uvicorn must listen on --host 0.0.0.0. On 127.0.0.1 (uvicorn's default) "
        "it answers only from inside its own container, so probes and the Service never reach it"
    )
    given = re.search(r"--port[ =](\S+)", text)
    assert given and given.group(1) == port, (
        f"the container starts {words}: uvicorn must listen on --port {values['port']}, the port dockerfile() was given"
    )


@points(1)
def test_healthcheck(student):
    values = _inputs("health")
    port = values["port"]
    stages = _stages(_instructions(_dockerfile(student, values)))
    checks = [i for i in (stages[-1][1] if stages else []) if i[0] == "HEALTHCHECK"]
    assert checks, (
        "the final stage has no HEALTHCHECK: add one that requests /health on the app's port, so Docker marks a "
        "hung container unhealthy"
    )
    last = checks[-1]
    assert not last[1].upper().startswith("NONE"), f"{_show(last)} switches the health check off"
    assert re.search(rf"(localhost|127\.0\.0\.1):{port}/health\b", last[1]), (
        f"{_show(last)}: the check should request http://localhost:{port}/health (the app's port and its liveness "
        "path)"
    )


# --------------------------------------------------------------------------- manifest tests


@points(1)
def test_deployment_shape(student):
    values = _inputs("shape")
    call, deployment, _docs = _manifest_docs(student, values)
    got = _get(deployment, "metadata", "name")
    assert got == values["name"], f"{call}: the Deployment's metadata.name is {got!r}, not the name argument"
    replicas = _get(deployment, "spec", "replicas")
    assert isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 2, (
        f"{call}: spec.replicas is {replicas!r}: run at least 2 copies, so a restart or a node failure is not an "
        "outage (and leaving it out means 1)"
    )
    selector = _get(deployment, "spec", "selector", "matchLabels")
    labels = _get(deployment, "spec", "template", "metadata", "labels")
    assert isinstance(selector, dict) and selector, f"{call}: spec.selector.matchLabels is {selector!r}; it must name labels"
    assert isinstance(labels, dict) and all(labels.get(k) == v for k, v in selector.items()), (
        f"{call}: the selector {selector} does not match the pod template's labels {labels}: every matchLabels entry "
        "must be on the template, or the Deployment does not own its pods (and the API server refuses it)"
    )
    container = _container(deployment, call)
    assert container.get("image") == values["image"], (
        f"{call}: the container's image is {container.get('image')!r:.120}; it must be exactly the image argument "
        "(pinned by digest)"
    )
    ports = [p.get("containerPort") for p in container.get("ports") or [] if isinstance(p, dict)]
    assert values["port"] in ports, (
        f"{call}: the container's ports list containerPort {ports}; expected {values['port']}, the port argument"
    )


def _cpu(value):
    text = str(value).strip()
    match = re.fullmatch(r"([0-9]*\.?[0-9]+)(m?)", text)
    if not match:
        return None
    number = float(match.group(1))
    return number / 1000 if match.group(2) else number


MEMORY_UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _memory(value):
    text = str(value).strip()
    match = re.fullmatch(r"([0-9]*\.?[0-9]+)(e[0-9]+|k|M|G|T|Ki|Mi|Gi|Ti)?", text)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or ""
    return number * (10 ** int(unit[1:]) if unit.startswith("e") else MEMORY_UNITS[unit])


@points(1)
def test_resources(student):
    values = _inputs("resources")
    call, deployment, _docs = _manifest_docs(student, values)
    resources = _container(deployment, call).get("resources")
    assert isinstance(resources, dict), (
        f"{call}: the container has no resources: without requests the scheduler cannot place it sensibly, "
        "without limits one leaking pod can starve the node"
    )
    parsed = {}
    for kind in ("requests", "limits"):
        part = resources.get(kind)
        assert isinstance(part, dict), f"{call}: resources.{kind} is missing; give cpu and memory {kind}"
        for resource, parse in (("cpu", _cpu), ("memory", _memory)):
            assert resource in part, f"{call}: resources.{kind} has no {resource}"
            amount = parse(part[resource])
            assert amount is not None and amount > 0, (
                f"{call}: resources.{kind}.{resource} is {part[resource]!r}, not a Kubernetes quantity "
                "(cpu: 250m, 0.5, '1'; memory: 256Mi, 1Gi, 500M)"
            )
            parsed[kind, resource] = amount
    for resource in ("cpu", "memory"):
        assert parsed["requests", resource] <= parsed["limits", resource], (
            f"{call}: the {resource} request {resources['requests'][resource]!r} is above its limit "
            f"{resources['limits'][resource]!r}; Kubernetes refuses that"
        )


def _probe_port(container, probe, call):
    got = _get(probe, "httpGet", "port")
    names = {p.get("name"): p.get("containerPort") for p in container.get("ports") or [] if isinstance(p, dict)}
    if isinstance(got, str) and not got.isdigit():
        assert got in names, f"{call}: the probe's port {got!r} is not the name of any of the container's ports"
        return names[got]
    return int(got) if got is not None and str(got).isdigit() else got


@points(1.5)
def test_probes_on_the_container_port(student):
    values = _inputs("probes")
    call, deployment, _docs = _manifest_docs(student, values)
    container = _container(deployment, call)
    for kind, path, endpoint in (("livenessProbe", "/health", "GET /health"), ("readinessProbe", "/ready", "GET /ready")):
        probe = container.get(kind)
        assert isinstance(probe, dict) and isinstance(probe.get("httpGet"), dict), (
            f"{call}: the container has no {kind} with httpGet. Without a liveness probe a hung pod is never "
            "restarted; without a readiness probe traffic reaches pods that cannot serve yet"
        )
        got_path = probe["httpGet"].get("path")
        assert got_path == path, f"{call}: {kind}.httpGet.path is {got_path!r}; the app's endpoint for it is {endpoint}"
        port = _probe_port(container, probe, call)
        assert port == values["port"], (
            f"{call}: {kind}.httpGet.port is {probe['httpGet'].get('port')!r}, which is port {port!r}, but the app "
            f"listens on {values['port']} (the containerPort). A probe on the Service's port or a default port "
            "never gets an answer: the pod is never ready, and the liveness probe restarts it over and over"
        )


@points(1)
def test_security_context(student):
    values = _inputs("security")
    call, deployment, _docs = _manifest_docs(student, values)
    pod = _get(deployment, "spec", "template", "spec", "securityContext") or {}
    container = _container(deployment, call)
    own = container.get("securityContext") or {}
    assert isinstance(pod, dict) and isinstance(own, dict), f"{call}: a securityContext should be a mapping"
    non_root = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
    assert non_root is True, (
        f"{call}: runAsNonRoot is {non_root!r}: set runAsNonRoot: true (pod or container securityContext), so "
        "Kubernetes refuses to start the container as root even if the image says otherwise"
    )
    for where, context in (("the pod", pod), ("the container", own)):
        assert context.get("runAsUser") != 0, f"{call}: {where}'s securityContext sets runAsUser: 0 (root)"
        assert context.get("privileged") is not True, f"{call}: {where}'s securityContext is privileged"
    assert own.get("allowPrivilegeEscalation") is False, (
        f"{call}: the container's securityContext has allowPrivilegeEscalation {own.get('allowPrivilegeEscalation')!r}; "
        "set it to false, so no process in the container can gain more privileges than its parent (setuid)"
    )

