import json
import subprocess
import sys

from click.testing import CliRunner

from matrixqa.cli import main


def test_build_search_and_ask_from_the_command_line(cli_env):
    runner = CliRunner()
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "passages from 2 cells" in result.output

    result = runner.invoke(main, ["search", "zebra stripes", "--k", "2", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert len(body["passages"]) == 2

    result = runner.invoke(main, ["ask", "Why did zebra stripes halve missed appointments?"])
    assert result.exit_code == 0
    assert "[1]" in result.output and "Alcohol Treatment Matrix cell D4" in result.output


def test_bad_pages_are_named_and_the_rest_builds(cli_env, corpus_dir):
    (corpus_dir / "drug-C1.txt").write_text("this is not a cell page")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0
    assert "skipped drug-C1.txt" in result.output
    assert "from 2 cells" in result.output


def test_missing_index_is_one_line_and_a_non_zero_exit(cli_env):
    result = CliRunner().invoke(main, ["search", "anything"])
    assert result.exit_code == 1
    assert result.output.startswith("error: no index")
    assert "Traceback" not in result.output


def test_stale_index_is_refused(cli_env, corpus_dir):
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    (corpus_dir / "alcohol-D4.txt").unlink()
    result = runner.invoke(main, ["ask", "zebra"])
    assert result.exit_code == 1 and "matrixqa build" in result.output


def test_create_app_is_importable_from_the_package_without_loading_flask_on_import():
    code = (
        "import sys, matrixqa; loaded = 'flask' in sys.modules; "
        "from matrixqa import create_app; from matrixqa.server.app import create_app as real; "
        "print(loaded, create_app is real)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
