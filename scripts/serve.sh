#!/usr/bin/env bash
# Install matrixqa in .venv and serve the chat page on the bundled corpus: http://127.0.0.1:5000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/matrixqa serve "$@"
