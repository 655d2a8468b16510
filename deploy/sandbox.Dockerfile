# syntax=docker/dockerfile:1
# Sandbox image: where student code and the hidden grader run, one fresh container
# each per run. Production equivalent of what `python -m sandbox.images build` makes
# on machines with no registry (debootstrap bookworm + a pip wheelhouse). Keep the
# package pins in step with the offline builder's, so both grade alike.
#
#   docker build -f deploy/sandbox.Dockerfile -t gradient-sandbox:base .
#   docker build -f deploy/sandbox.Dockerfile --build-arg VARIANT=ml  -t gradient-sandbox:ml  .
#   docker build -f deploy/sandbox.Dockerfile --build-arg VARIANT=gpu -t gradient-sandbox:gpu .
# from the repository root; sandbox.Dockerfile.dockerignore lets only sandbox/runners/
# into the build context, so graders/ can never end up in this image.
#
# It holds nothing secret: no grader, no solution, no labels, no credentials; just
# Python, the packages and the runners. The worker supplies each run's files through
# a bind-mounted per-run folder and starts the container with no network, a read-only
# root, tmpfs scratch, all capabilities dropped and user 65534. pip stays in the image; with no network it reaches nothing.
FROM python:3.11-slim-bookworm

# base: pytest + numpy, and IPython + matplotlib, which run notebooks cell by cell
#       (sandbox/runners/notebook_runner.py; pinned as in sandbox/images.py).
# ml:   also CPU-only torch (from the PyTorch CPU index: the default torch wheel pulls
#       several GB of CUDA packages), pandas and scikit-learn.
# gpu:  the same with the default (CUDA) torch wheel, for the gpu queue.
ARG VARIANT=base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp

RUN set -eux; \
    pip install --no-cache-dir "pytest>=8,<10" "numpy>=1.26,<3" "ipython==9.18.1" "matplotlib==3.11.2"; \
    case "$VARIANT" in \
      base) ;; \
      ml)   pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch; \
            pip install --no-cache-dir pandas scikit-learn ;; \
      gpu)  pip install --no-cache-dir torch pandas scikit-learn ;; \
      *)    echo "unknown VARIANT: $VARIANT" >&2; exit 1 ;; \
    esac

# Debian already has nobody:nogroup as 65534:65534; make sure, and use it. The sandbox
# backend passes --user 65534:65534 anyway; this is the default for a bare `docker run`.
RUN getent passwd 65534 >/dev/null || useradd --uid 65534 --user-group --no-create-home --home-dir /tmp sandbox
USER 65534:65534
WORKDIR /tmp

# The in-box runners, run as `python3 -I -B /opt/gradient/<runner>.py ...`; root-owned
# and read-only to the box. Last, so editing them rebuilds only this layer.
COPY --chmod=0444 sandbox/runners/*.py /opt/gradient/
