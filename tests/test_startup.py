"""The entry points set the process-wide state: the model's libraries offline, and numpy's BLAS on one thread."""

import os

import pytest
import waitress
from click.testing import CliRunner
from threadpoolctl import threadpool_info, threadpool_limits

from matrixqa.cli import main
from matrixqa.startup import BLAS_THREADS, MODEL_ENVIRONMENT, keep_model_offline, limit_blas_threads


def threads(threading_layer: str) -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i.get("threading_layer") == threading_layer}


def test_numpys_blas_runs_on_one_thread_and_openmp_keeps_its_threads():
    """Two BLAS threads would spin after each of a search's small products, taking a core from the model.
    OpenMP (FAISS's, and a BLAS built on it) keeps its threads."""
    with threadpool_limits(limits=2):
        assert threads("pthreads") == {2} and threads("openmp") == {2}  # numpy's OpenBLAS; FAISS's
        limit_blas_threads()
        assert threads("pthreads") == {BLAS_THREADS} == {1}
        assert threads("openmp") == {2}


@pytest.mark.parametrize("command", [["search", "zebra stripes"], ["ask", "zebra stripes"], ["serve"]])
def test_the_commands_that_search_run_blas_on_one_thread(cli_env, monkeypatch, command):
    served = []

    class Server:
        def run(self):
            served.append(threads("pthreads"))

    monkeypatch.setattr(waitress, "create_server", lambda app, **options: Server())
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    with threadpool_limits(limits=2):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
        assert threads("pthreads") == {1}
    assert served == ([{1}] if command == ["serve"] else [])  # limited before the server takes requests


def test_the_command_line_has_the_models_libraries_read_local_files_only(cli_env, monkeypatch):
    for name in MODEL_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    assert CliRunner().invoke(main, ["build"]).exit_code == 0
    assert {name: os.environ[name] for name in MODEL_ENVIRONMENT} == MODEL_ENVIRONMENT


def test_a_variable_the_environment_sets_is_kept(monkeypatch):
    for name in MODEL_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")
    keep_model_offline()
    expected = {**MODEL_ENVIRONMENT, "TRANSFORMERS_VERBOSITY": "info"}
    assert {name: os.environ[name] for name in MODEL_ENVIRONMENT} == expected
