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


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_modules_and_functions_stay_small_enough_to_read():
    import ast

    too_long = []
    for path in sorted((PROJECT_ROOT / "src" / "matrixqa").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PROJECT_ROOT)
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}: {node.name} is {length} lines")
    assert not too_long, too_long


def test_code_is_formatted():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "bench", "eval"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
