#!/usr/bin/env bash
# Create .venv and install matrixqa into it (with the test tools when given "test").
# torch is pinned first so that sentence-transformers does not pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$python" --version)" >&2
  "$python" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="[test,eval,bench,mutation]"  # CI exercises `matrixqa eval` and the bench plot, so the tests need their extras
.venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
if [ "${1:-}" = "test" ]; then
  # The browser tests check the page with axe-core, from npm at the version package-lock.json pins.
  if ! command -v npm >/dev/null; then
    echo "installing Debian's npm for the browser tests' axe-core" >&2
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq npm >/dev/null
  fi
  npm ci --no-audit --no-fund --silent
fi
