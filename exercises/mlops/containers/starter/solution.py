"""A Dockerfile and a Kubernetes Deployment for the churn-scorer app (support files app.py and
requirements.txt), written as functions that return their text.

README.md lists every rule the grader checks. To try them for real, write the returned texts to
`Dockerfile` and `deployment.yaml` next to app.py.
"""

DOCKERFILE = """\
FROM python:latest
COPY . .
RUN pip install -r requirements.txt
CMD uvicorn app:app --port {port}
"""

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: api
          image: {image}
"""


def dockerfile(port):
    """The Dockerfile's text for the app listening on `port`."""
    return DOCKERFILE.replace("{port}", str(port))


def deployment_manifest(name, image, port, secret_name):
    """The manifest's YAML: a Deployment `name` running `image` on `port`, its token from Secret `secret_name`."""
    return MANIFEST.replace("{name}", name).replace("{image}", image)
