import subprocess
import sys

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
