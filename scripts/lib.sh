# Shared steps of scripts/run and scripts/test. Each step is idempotent: it does nothing when already done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
# platform/ is a plain folder on sys.path (never a package); the repository root holds sandbox/.
export PYTHONPATH="$ROOT/platform:$ROOT${PYTHONPATH:+:$PYTHONPATH}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

ensure_venv() {
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -x "$PY" ]; then
    say "creating the virtual environment in .venv"
    python3 -m venv "$VENV"
  fi
  if [ ! -e "$stamp" ]; then
    say "installing the Python dependencies"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e "$ROOT[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  say "installing $* from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_docker() {
  "$ROOT/scripts/ensure-docker"
}

# The boxes' OCI runtime. Unless SANDBOX_RUNTIME names one: crun where a locked-down box starts under it
# (scripts/ensure-crun installs and registers it; about 30 ms of machine CPU less per box, `python -m
# bench.box_cost`), else runc, with a note. crun asked for by name must work, or the run stops rather than
# measure runc.
ensure_runtime() {
  if [ -z "${SANDBOX_RUNTIME:-}" ]; then
    SANDBOX_RUNTIME="$("$ROOT/scripts/ensure-crun")"
    export SANDBOX_RUNTIME
    say "the boxes run under $SANDBOX_RUNTIME"
  elif [ "$SANDBOX_RUNTIME" = crun ] && [ "$("$ROOT/scripts/ensure-crun")" != crun ]; then
    echo "error: SANDBOX_RUNTIME=crun, but crun does not work on this machine (see above)" >&2
    exit 1
  fi
}

ensure_images() {
  say "building the sandbox images (only when their inputs changed)"
  # The base images, then the derived ones the exercises' `requirements` ask for (manage.py build_images).
  (cd "$ROOT" && "$PY" -m sandbox.images build python ml && "$PY" manage.py build_images >/dev/null)
}
