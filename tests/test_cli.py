import json
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from matrixqa.cli import main


def test_build_search_and_ask_from_the_command_line(cli_env):
    runner = CliRunner()
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "passages from 2 cells" in result.output

    result = runner.invoke(main, ["search", "zebra stripes", "--k", "1"])
    assert result.exit_code == 0
    assert result.output.startswith("1. [") and " Alcohol D4 · " in result.output  # the cell, with its matrix

    result = runner.invoke(main, ["search", "zebra stripes", "--k", "2", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert len(body["passages"]) == 2

    result = runner.invoke(main, ["ask", "Why did zebra stripes halve missed appointments?"])
    assert result.exit_code == 0
    assert "Alcohol Treatment Matrix cell D4: Organisational functioning; Psychosocial therapies" in result.output
    assert "[1] Alcohol D4: S Zebra stripes calm the waiting room (1971)" in result.output


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


def test_add_fetches_an_address_once_stores_it_and_builds(cli_env, corpus_dir, tmp_path, monkeypatch, httpserver):
    from tests.html_pages import html_page

    (corpus_dir / "alcohol-D4.txt").unlink()
    page = html_page((Path(__file__).parent / "data" / "alcohol-D4.txt").read_text(encoding="utf-8"))
    httpserver.expect_request("/PHP/dl.php", query_string="file=Matrix/Alcohol/D4.htm").respond_with_data(
        page, content_type="text/html; charset=utf-8"
    )
    monkeypatch.setenv("MATRIXQA_SITE", httpserver.url_for("/PHP/dl.php"))
    monkeypatch.setenv("MATRIXQA_FETCH_CACHE", str(tmp_path / "fetched"))
    monkeypatch.setenv("MATRIXQA_FETCH_PAUSE", "0")
    url = httpserver.url_for("/PHP/dl.php") + "?f=Matrix/Alcohol/D4.htm&s=eb&sf=rel"
    runner = CliRunner()
    result = runner.invoke(main, ["add", url, "--build"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "alcohol-D4.html" in result.output and "fetched" in result.output
    assert "passages from 2 cells" in result.output
    assert (corpus_dir / "alcohol-D4.html").exists() and (corpus_dir / "alcohol-D4.json").exists()

    result = runner.invoke(main, ["add", url])
    assert result.exit_code == 0 and "from the cache" in result.output
    assert len(httpserver.log) == 1
    result = runner.invoke(main, ["add", url, "--refresh"])
    assert result.exit_code == 0 and len(httpserver.log) == 2

    # A whole matrix: every other cell is missing on this server; each failure is one line, the rest is added.
    httpserver.no_handler_status_code = 404
    result = runner.invoke(main, ["add", "--matrix", "alcohol"])
    assert result.exit_code == 1
    assert result.output.count("answered HTTP 404") == 24 and "[25/25]" in result.output
    assert "24 of 25 pages could not be added" in result.output and "Traceback" not in result.output


def test_add_refuses_a_page_that_is_not_a_cell(cli_env, corpus_dir, tmp_path):
    page = tmp_path / "notes.html"
    page.write_text("<html><body><p>Hello</p></body></html>")
    before = sorted(p.name for p in corpus_dir.iterdir())
    result = CliRunner().invoke(main, ["add", str(page)])
    assert result.exit_code == 1
    assert "is not a matrix cell page" in result.output and "nothing was stored" in result.output
    assert sorted(p.name for p in corpus_dir.iterdir()) == before


def test_serve_on_a_port_in_use_says_so_and_never_says_ready(cli_env):
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot listen on 127.0.0.1:"), result.output
    assert str(port) in lines[0] and "--port" in lines[0] and "MATRIXQA_PORT" in lines[0]
    assert not any(line.startswith("ready") for line in lines)  # whoever waits for it would connect to nothing


def test_serve_says_ready_once_its_port_accepts_connections(cli_env, monkeypatch):
    import waitress

    seen = []
    real = waitress.create_server

    def create_server(app, **options):
        server = real(app, **options)

        def run():  # the moment "ready" has been said: the port must take a connection
            with socket.create_connection(("127.0.0.1", int(server.effective_port)), timeout=5):
                seen.append(int(server.effective_port))
            server.close()

        server.run = run
        return server

    monkeypatch.setattr(waitress, "create_server", create_server)
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert seen == [port] and "ready in" in result.output and f":{port}/" in result.output
