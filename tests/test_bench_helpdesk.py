"""A smoke run of bench/helpdesk.py, so the measurement keeps working as the code changes (never timed)."""

import json
import subprocess
import sys

from matrixqa.settings import PROJECT_ROOT


def test_the_helpdesk_bench_times_each_surface_over_the_same_questions(corpus_dir, index_dir, tmp_path):
    questions = tmp_path / "questions.jsonl"
    asked = ["Why did zebra stripes halve missed appointments?", "xylophone quantum chromodynamics"]
    questions.write_text("".join(json.dumps({"question": q}) + "\n" for q in asked))
    env = {
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "MATRIXQA_MODEL": "hashing",
        "MATRIXQA_CORPUS_DIR": str(corpus_dir),
        "MATRIXQA_INDEX_DIR": str(index_dir),
    }
    command = [
        sys.executable,
        str(PROJECT_ROOT / "bench" / "helpdesk.py"),
        "--runs",
        "2",
        "--questions",
        str(questions),
    ]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["questions"] == 2 and figures["runs"] == 2
    for surface in ("api_ask", "mcp_ask", "slack"):
        assert len(figures["run_medians_ms"][surface]) == 2 and figures["median_ms"][surface] > 0
    assert set(figures["minus_api_ask_ms"]) == {"mcp_ask", "mcp_ask_wire", "slack"}
    assert "run 2/2: api_ask " in done.stderr  # progress on stderr, the figures alone on stdout
