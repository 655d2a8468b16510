"""Public tests: run them next to your solution.py with plain pytest (they need PyYAML):

    pytest public_tests/

They check the statement's example values and a few of the rules. The hidden grader checks every rule in
README.md, with a port, name, image and Secret drawn anew for each submission.
"""

import json
import os
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import deployment_manifest, dockerfile  # noqa: E402

IMAGE = "registry.example.com/ml/churn-api@sha256:" + "ab" * 32


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def _deployment():
    docs = [d for d in yaml.safe_load_all(deployment_manifest("churn-api", IMAGE, 8080, "churn-api-secrets")) if d]
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    assert len(deployments) == 1, "exactly one Deployment document"
    return deployments[0]


def test_example_dockerfile_port_and_command():
    lines = _lines(dockerfile(8080))
    assert any(line.split()[:2] == ["EXPOSE", "8080"] for line in lines), "EXPOSE the port you were given"
    commands = [line for line in lines if line.startswith("CMD ")]
    assert commands, "a CMD starts the app"
    command = json.loads(commands[-1][4:])  # exec form: a JSON list
    assert command[:2] == ["uvicorn", "app:app"] and "0.0.0.0" in command and "8080" in command, command  # noqa: S104 - checks the text, binds nothing


def test_example_dockerfile_user_and_layers():
    lines = _lines(dockerfile(8080))
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1].split()[1].split(":")[0].isdigit() and users[-1].split()[1] != "0", (
        "switch to a numeric non-root user"
    )
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    copies = [i for i, line in enumerate(lines) if line.startswith("COPY ")]
    assert lines[copies[0]].split()[1] == "requirements.txt" and copies[0] < install, "requirements.txt first"
    assert all(i > install for i in copies[1:]), "the code is copied after the pip install"


def test_example_manifest():
    deployment = _deployment()
    assert deployment["metadata"]["name"] == "churn-api"
    assert deployment["spec"]["replicas"] >= 2
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == IMAGE
    assert 8080 in [p["containerPort"] for p in container["ports"]]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    env = {e["name"]: e for e in container["env"]}
    assert env["MODEL_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "churn-api-secrets", "key": "token"}
    assert set(container["resources"]) == {"requests", "limits"}
