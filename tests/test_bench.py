"""Smoke runs of bench/ so the benchmark keeps working as the code changes (never timed)."""

import json
import subprocess
import sys

import pytest

from matrixqa.settings import PROJECT_ROOT

from .conftest import EVAL_QUESTIONS, REAL_INDEX

pytestmark = pytest.mark.model


def test_synthetic_scale_run_builds_searches_and_answers(tmp_path):
    command = [
        sys.executable,
        str(PROJECT_ROOT / "bench" / "synthetic.py"),
        "--passages", "300",
        "--ann-threshold", "200",  # small enough that the HNSW path runs too
        "--source-index", str(REAL_INDEX),
        "--work", str(tmp_path / "scale"),
        "--questions", str(EVAL_QUESTIONS),
        "--reps", "1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(PROJECT_ROOT / "src")})
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["passages"] == 300
    assert 0.5 <= figures["recall_at_10_by_id"] <= figures["recall_at_10"] <= 1.0
    assert 0.5 <= figures["pool_recall_at_10"] <= 1.0
    assert figures["search_p95_ms"] > 0 and figures["answer_p95_ms"] > 0 and figures["filtered_search_p95_ms"] > 0
    assert figures["model_p50_ms"] > 0 and figures["rest_p50_ms"] > 0
    assert figures["ready_seconds"] >= figures["load_seconds"] > 0


def test_the_load_plot_is_drawn_from_the_figures(tmp_path):
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from run import plot_load
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    loads = [{"clients": c, "p50_ms": 5.0 * c, "p95_ms": 9.0 * c, "requests_per_second": 100.0} for c in (1, 8, 32)]
    plot_load({"load": loads, "baseline_sequential_per_second": 170.0, "cpus": 2}, tmp_path / "load.png")
    assert (tmp_path / "load.png").read_bytes().startswith(b"\x89PNG")


def test_two_checkouts_are_compared_round_by_round(tmp_path, real_embedder, model_cache):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"question": q}) + "\n" for q in ["supervised methadone", "urine tests"]))
    command = [
        sys.executable, str(PROJECT_ROOT / "bench" / "compare.py"), "--a", str(PROJECT_ROOT), "--b", str(PROJECT_ROOT),
        "--rounds", "1", "--questions", str(questions), "--model-cache", str(model_cache),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(PROJECT_ROOT / "src")})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["A", "B"]  # the first round serves A first
    assert "load_requests_per_second" in lines[2] and lines[-1].startswith("B / A:")


def test_compare_refuses_a_folder_that_is_not_a_built_checkout(tmp_path):
    compare = PROJECT_ROOT / "bench" / "compare.py"
    command = [sys.executable, str(compare), "--a", str(tmp_path), "--b", str(PROJECT_ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(PROJECT_ROOT / "src")})
    assert done.returncode == 1 and "not a matrixqa checkout with a built index" in done.stderr


def test_first_time_questions_are_every_eval_question_once_and_skip_files_of_labels():
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        import run
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    questions = run.first_time_questions(["seen before"])
    assert questions and len(questions) == len(set(questions)) and "seen before" not in questions
    # eval/ holds files of labels too (many_cells_alternatives*.jsonl): their lines name no question
    assert any((PROJECT_ROOT / "eval").glob("many_cells_alternatives*.jsonl"))


# A stand-in server that writes more to stderr than a pipe holds (64 KB), as waitress does under load with a
# line per queued request, and only then answers /api/health.
NOISY_SERVER = """
import http.server, os, sys
sys.stderr.write("WARNING:waitress.queue:Task queue depth is 16\\n" * 5000)
sys.stderr.flush()
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["MATRIXQA_PORT"])), Health).serve_forever()
"""


def test_a_server_writing_much_to_stderr_keeps_serving():
    """The bench's 32-client runs timed out: the server's stderr was a pipe nobody read, and filled."""
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from measure import Server
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    server = Server({}, command=[sys.executable, "-c", NOISY_SERVER])
    try:
        server.wait_ready(timeout=30)
        assert server.errors().count("Task queue depth") == 5000
    finally:
        server.stop()
