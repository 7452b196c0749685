import subprocess
import sys
from pathlib import Path

from matrixqa.settings import PROJECT_ROOT


def test_code_passes_the_linter():
    # ruff comes with the test extra, in the same environment as pytest.
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "bench", "eval"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stages_import_only_the_stages_below_them_and_no_modules_import_in_a_circle():
    # The contracts in pyproject.toml: server -> answer -> search -> index -> ingest -> textrules, settings and
    # errors below; and within each stage (index/: embed, onnxmodel, store ...) no module imports one that imports it.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
