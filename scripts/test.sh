#!/usr/bin/env bash
# Install matrixqa with its test tools in .venv (and Debian's chromium), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
