"""A Dockerfile and a Kubernetes Deployment for the churn-scorer app, written as functions returning text."""

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.11.9-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# an unprivileged user with a fixed numeric id (Kubernetes checks runAsNonRoot against the number)
RUN groupadd --system --gid 10001 app \\
 && useradd --system --uid 10001 --gid app --no-create-home app

# dependencies first: this layer is rebuilt only when requirements.txt changes
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# then the code, which changes at every commit
COPY app.py .

USER 10001:10001
EXPOSE {port}

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:{port}/health', timeout=2)"]

CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "{port}"]
"""

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
      containers:
        - name: api
          image: {image}
          ports:
            - name: http
              containerPort: {port}
          env:
            - name: MODEL_API_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {secret_name}
                  key: token
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 512Mi
          livenessProbe:
            httpGet:
              path: /health
              port: 80
            initialDelaySeconds: 5
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: 80
            periodSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
"""


def dockerfile(port):
    return DOCKERFILE.replace("{port}", str(port))


def deployment_manifest(name, image, port, secret_name):
    return (MANIFEST.replace("{name}", name).replace("{image}", image).replace("{port}", str(port))
            .replace("{secret_name}", secret_name))
