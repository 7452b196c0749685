"""The matrixqa benchmark: start-up, warm latency over HTTP, memory, builds, the tutorial baseline, scale, load.

    PYTHONPATH=src python bench/run.py --runs 3        # the full run, three times: medians (about 15 minutes)
    PYTHONPATH=src python bench/run.py --quick         # a smoke run for CI (about 2 minutes)

Everything runs on this machine against loopback; nothing is written to the corpus or the index
folders of the checkout (builds go to a scratch folder). Progress goes to stderr; the table (and,
with --out, the raw figures as JSON) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import Baseline, TutorialEmbedder
from load import run_load
from measure import DEFAULT_QUESTIONS, ROOT, SRC, Client, Server, load_questions, ms, percentile, say

from matrixqa.index.embed import DEFAULT_MODEL, load_embedder, resolve_model_path
from matrixqa.index.store import load_index
from matrixqa.search.retrieve import Retriever
from matrixqa.startup import keep_model_offline, limit_blas_threads

CORPUS = ROOT / "corpus"
LOAD_CLIENTS, LOAD_CLIENTS_QUICK = (1, 8, 32), (1, 8)
GOALS = {"ready_s": 20, "search_p95_ms": 40, "ask_p95_ms": 80, "scale_search_p95_ms": 60}


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matrixqa", *args],
        env={**os.environ, "PYTHONPATH": str(SRC), **env},
        capture_output=True,
        text=True,
        check=True,
    )


def timed_build(corpus: Path, index: Path) -> dict:
    """`matrixqa build` as a user runs it: wall time (model load included) and the manifest's own figures."""
    started = time.perf_counter()
    cli(["build"], {"MATRIXQA_CORPUS_DIR": str(corpus), "MATRIXQA_INDEX_DIR": str(index)})
    manifest = json.loads((index / "manifest.json").read_text())
    return {
        "wall_seconds": round(time.perf_counter() - started, 1),
        "build_seconds": manifest["build_seconds"],
        "passages": manifest["passages"],
        "sentences": manifest["sentences"],
        "embedded": manifest["embedded"],
        "reused": manifest["reused"],
    }


def edit_one_paragraph(corpus: Path) -> None:
    """Change one commentary paragraph of one cell, as an editor correcting a sentence would."""
    page = next(p for p in sorted(corpus.glob("*.txt")))
    lines = page.read_text("utf-8").splitlines()
    at = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[at] = lines[at] + " (Edited.)"
    page.write_text("\n".join(lines) + "\n", "utf-8")


def http_latency(base: str, questions: list[str], reps: int) -> dict:
    client = Client(base)
    for question in questions:  # warm every code path once
        client.timed("/api/search", {"question": question})
        client.timed("/api/ask", {"question": question})
    times: dict[str, list[float]] = {"search": [], "ask": []}
    statuses = set()
    for _ in range(reps):
        for question in questions:
            for kind in times:
                elapsed, status = client.timed(f"/api/{kind}", {"question": question})
                times[kind].append(elapsed)
                statuses.add(status)
    client.close()
    if statuses != {200}:
        raise SystemExit(f"warm requests failed: statuses {statuses}")
    return {
        f"{kind}_{name}_ms": ms(percentile(values, q))
        for kind, values in times.items()
        for name, q in (("p50", 50), ("p95", 95))
    }


def first_time_questions(seen: list[str]) -> list[str]:
    """The questions of the project's own labelled sets (eval/*.jsonl), each once, none of `seen`: questions a
    fresh server has never been asked, so no word of theirs is remembered from an earlier question."""
    found: dict[str, None] = {}
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            # Files of labels beside the question files (many_cells_alternatives*.jsonl) hold no question.
            if line.strip() and (question := json.loads(line).get("question")):
                found.setdefault(question, None)
    return [q for q in found if q not in set(seen)]


def first_time_latency(base: str, questions: list[str]) -> dict:
    """/api/search over questions asked for the first time, one after another on one connection."""
    client = Client(base)
    times, statuses = [], set()
    for question in questions:
        elapsed, status = client.timed("/api/search", {"question": question})
        times.append(elapsed)
        statuses.add(status)
    client.close()
    if statuses != {200}:
        raise SystemExit(f"first-time requests failed: statuses {statuses}")
    return {"questions": len(questions), "p50_ms": ms(percentile(times, 50)), "p95_ms": ms(percentile(times, 95))}


def in_process_latency(search, questions: list[str], reps: int) -> dict:
    for question in questions:
        search(question)
    times = []
    for _ in range(reps):
        for question in questions:
            started = time.perf_counter()
            search(question)
            times.append(time.perf_counter() - started)
    return {"p50_ms": ms(percentile(times, 50)), "p95_ms": ms(percentile(times, 95))}


def scale_run(size: int, index: Path, work: Path, questions: Path, reps: int, edit: bool) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "synthetic.py"), "--passages", str(size)]
    command += ["--source-index", str(index), "--work", str(work / f"scale-{size}"), "--questions", str(questions)]
    command += ["--reps", str(reps)] + (["--edit"] if edit else [])
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"the scale run at {size} passages failed")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer repetitions, 1k scale only")
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole run; the table shows medians")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--sizes", default=None, help="synthetic corpus sizes, such as 1000,10000,100000")
    parser.add_argument("--out", type=Path, help="also write every figure of every run as JSON here")
    parser.add_argument("--plot", type=Path, help="also draw latency and asks/s against clients into this PNG")
    args = parser.parse_args()
    keep_model_offline()
    questions = load_questions(args.questions)
    sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "1000,10000,100000")).split(",")]
    runs = []
    for number in range(1, args.runs + 1):
        say(f"run {number} of {args.runs}")
        runs.append(one_run(args.quick, questions, args.questions, sizes))
    if args.out:
        args.out.write_text(json.dumps(runs, indent=2) + "\n")
    figures = median_figures(runs)
    if args.plot:
        plot_load(figures, args.plot)
        say(f"plot written to {args.plot}")
    print(table(figures))


def one_run(quick: bool, questions: list[str], questions_file: Path, sizes: list[int]) -> dict:
    reps = 1 if quick else 5
    figures: dict = {"quick": quick, "cpus": os.cpu_count(), "questions": len(questions)}
    work = Path(tempfile.mkdtemp(prefix="matrixqa-bench-"))
    try:
        say("build: the real corpus with the real model, from scratch")
        corpus, index = work / "corpus", work / "index"
        shutil.copytree(CORPUS, corpus)
        figures["build"] = timed_build(corpus, index)
        say("build: again after editing one paragraph of one cell")
        shutil.copytree(index, work / "pristine-index")
        edit_one_paragraph(corpus)
        figures["rebuild_after_edit"] = timed_build(corpus, index)
        shutil.rmtree(index)
        shutil.copytree(work / "pristine-index", index)
        shutil.rmtree(corpus)
        shutil.copytree(CORPUS, corpus)

        say("serve: start-up, warm latency over HTTP, memory")
        log_db = work / "questions.sqlite3"
        server = Server(
            {
                "MATRIXQA_CORPUS_DIR": str(corpus),
                "MATRIXQA_INDEX_DIR": str(index),
                "MATRIXQA_LOG": "on",  # the load runs check that the question log loses no row
                "MATRIXQA_LOG_DB": str(log_db),
                "MATRIXQA_RATE_LIMIT": "off",  # every request comes from one loopback address
            }
        )
        try:
            figures["ready_seconds"] = round(server.wait_ready(), 2)
            # Before anything warms the server: questions it has never seen, half one after another, half
            # from 32 clients at once (each asked once), as users would ask them.
            fresh = first_time_questions(questions)
            half = len(fresh) // 2
            say(f"serve: {len(fresh)} questions asked for the first time")
            figures["http_first_time"] = first_time_latency(server.base, fresh[:half])
            before = logged_rows(log_db)
            first = run_load(server.base, fresh[half:], 32, len(fresh) - half, seconds=180)
            first["log_rows_lost"] = first["asks_ok"] - (logged_rows(log_db) - before)
            figures["load_first_time"] = first
            figures["http"] = http_latency(server.base, questions, reps)
            figures["server_memory_after_warm"] = server.memory()
            figures["load"] = []
            for clients in LOAD_CLIENTS_QUICK if quick else LOAD_CLIENTS:
                requests = 80 if quick else 400
                say(f"load: {clients} clients, {requests} requests")
                before = logged_rows(log_db)
                result = run_load(server.base, questions, clients, requests, seconds=180)
                result["log_rows_lost"] = result["asks_ok"] - (logged_rows(log_db) - before)
                figures["load"].append(result)
            figures["server_memory_after_load"] = server.memory()
        finally:
            server.stop()

        say("serve on torch (MATRIXQA_BACKEND=torch), for comparison: start-up and memory")
        figures["torch_backend"] = torch_server_figures(corpus, index, questions)

        # matrixqa's embedder first: torch, once loaded, keeps threads that would slow ONNX Runtime down.
        say("in process: matrixqa, and the baseline (fixed 1,000-character chunks, 200 overlap) on its embedder")
        embedder = load_embedder(DEFAULT_MODEL)
        retriever = Retriever(load_index(index, embedder, corpus), embedder)
        limit_blas_threads()
        figures["in_process_search"] = in_process_latency(lambda q: retriever.search(q, 5), questions, reps)
        on_ours = Baseline.build(corpus, embedder)
        figures["baseline_onnx_search"] = in_process_latency(lambda q: on_ours.search(q, 5), questions, reps)
        figures["baseline_onnx_sequential_per_second"] = sequential_rate(lambda q: on_ours.search(q, 5), questions)
        say("baseline: the tutorial set-up, the same model as tutorials run it (sentence-transformers on torch)")
        started = time.perf_counter()
        baseline = Baseline.build(corpus, TutorialEmbedder.load(resolve_model_path(DEFAULT_MODEL)))
        figures["baseline_build_seconds"] = round(time.perf_counter() - started, 2)
        figures["baseline_chunks"] = len(baseline.chunks)
        figures["baseline_search"] = in_process_latency(lambda q: baseline.search(q, 5), questions, reps)
        figures["baseline_sequential_per_second"] = sequential_rate(lambda q: baseline.search(q, 5), questions)

        figures["scale"] = []
        for size in sizes:
            say(f"scale: {size} synthetic passages")
            last = size == sizes[-1]
            figures["scale"].append(scale_run(size, index, work, questions_file, 1 if quick else 3, last))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def torch_server_figures(corpus: Path, index: Path, questions: list[str]) -> dict:
    """Start-up and peak memory of the same server with the model on torch, each question asked once."""
    server = Server(
        {
            "MATRIXQA_CORPUS_DIR": str(corpus),
            "MATRIXQA_INDEX_DIR": str(index),
            "MATRIXQA_LOG": "off",
            "MATRIXQA_RATE_LIMIT": "off",
            "MATRIXQA_BACKEND": "torch",
        }
    )
    try:
        ready = round(server.wait_ready(), 2)
        client = Client(server.base)
        for question in questions:
            client.timed("/api/ask", {"question": question})
        client.close()
        return {"ready_seconds": ready, "peak_rss_mb": server.memory()["peak_rss_mb"]}
    finally:
        server.stop()


def sequential_rate(search, questions: list[str]) -> float:
    """Questions answered per second one after another in process (each question once, after a warm-up)."""
    for question in questions:
        search(question)
    started = time.perf_counter()
    for question in questions:
        search(question)
    return round(len(questions) / (time.perf_counter() - started), 1)


def plot_load(f: dict, path: Path) -> None:
    """Latency (p50, p95) and requests per second against concurrent clients, as a PNG (matplotlib, optional)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install -e '.[bench]'") from None
    clients = [load["clients"] for load in f["load"]]
    figure, (latency, rate) = plt.subplots(1, 2, figsize=(9, 3.6))
    latency.plot(clients, [load["p50_ms"] for load in f["load"]], "o-", label="p50")
    latency.plot(clients, [load["p95_ms"] for load in f["load"]], "s-", label="p95")
    latency.set(xlabel="concurrent clients (keep-alive)", ylabel="latency over HTTP (ms)", xscale="log")
    latency.legend()
    rate.plot(clients, [load["requests_per_second"] for load in f["load"]], "o-", label="matrixqa over HTTP")
    rate.axhline(f["baseline_sequential_per_second"], ls="--", c="grey", label="tutorial set-up, in process, serial")
    if "baseline_onnx_sequential_per_second" in f:
        rate.axhline(
            f["baseline_onnx_sequential_per_second"], ls=":", c="grey", label="the same on matrixqa's ONNX model"
        )
    rate.set(xlabel="concurrent clients (keep-alive)", ylabel="requests per second", xscale="log")
    rate.legend()
    rate.set_ylim(bottom=0)
    for axes in (latency, rate):
        axes.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axes.set_xticks(clients, [str(c) for c in clients])
    figure.suptitle(f"matrixqa under load ({f['cpus']} cores; half /api/search, half /api/ask)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def logged_rows(path: Path) -> int:
    """How many questions the server's log holds (read-only; WAL lets it read while the server writes)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]


def median_figures(runs: list):
    """Every number replaced by its median over the runs (the machine is shared, so single runs are noisy)."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: median_figures([run[key] for run in runs if key in run]) for key in first}
    if isinstance(first, list):
        return [median_figures(list(items)) for items in zip(*runs, strict=True)]
    if isinstance(first, int | float) and not isinstance(first, bool):
        return round(statistics.median(runs), 2)
    return first


def goal(value: float, limit: float) -> str:
    return f"{value} ({'meets' if value < limit else 'misses'} < {limit})"


def table(f: dict) -> str:
    http, build, rebuild = f["http"], f["build"], f["rebuild_after_edit"]
    ours, base = f["in_process_search"], f["baseline_search"]
    rows = [
        ("time from `matrixqa serve` to ready (s)", goal(f["ready_seconds"], GOALS["ready_s"])),
        ("warm /api/search p50 / p95 over HTTP (ms)", f"{http['search_p50_ms']} / " + goal(http["search_p95_ms"], 40)),
        ("warm /api/ask p50 / p95 over HTTP (ms)", f"{http['ask_p50_ms']} / " + goal(http["ask_p95_ms"], 80)),
        (
            "server peak RSS after warm-up / after load (MB)",
            f"{f['server_memory_after_warm']['peak_rss_mb']} / {f['server_memory_after_load']['peak_rss_mb']}",
        ),
        (
            "`matrixqa build` from scratch: wall (incl. model load) / build (s)",
            f"{build['wall_seconds']} / {build['build_seconds']} ({build['passages']} passages)",
        ),
        (
            "rebuild after editing one paragraph: wall / build (s)",
            f"{rebuild['wall_seconds']} / {rebuild['build_seconds']}; embedded {rebuild['embedded']}, "
            f"reused {rebuild['reused']}",
        ),
        (
            "**HTTP /api/search p50 / p95 against the tutorial set-up in process (sentence-transformers on torch) "
            "(ms), and the ratio**",
            f"{http['search_p50_ms']} / {http['search_p95_ms']} against {base['p50_ms']} / {base['p95_ms']}: "
            f"{http['search_p50_ms'] / base['p50_ms']:.2f} / {http['search_p95_ms'] / base['p95_ms']:.2f}",
        ),
        (
            "tutorial set-up answering one question after another in process (per second)",
            f"{f['baseline_sequential_per_second']}",
        ),
    ]
    if "baseline_onnx_search" in f:
        onnx = f["baseline_onnx_search"]
        rows += [
            (
                "HTTP /api/search p50 / p95 against the same set-up on matrixqa's ONNX model (ms), and the ratio",
                f"{http['search_p50_ms']} / {http['search_p95_ms']} against {onnx['p50_ms']} / {onnx['p95_ms']}: "
                f"{http['search_p50_ms'] / onnx['p50_ms']:.2f} / {http['search_p95_ms'] / onnx['p95_ms']:.2f}",
            ),
            (
                "the same set-up on matrixqa's ONNX model, one question after another (per second)",
                f"{f['baseline_onnx_sequential_per_second']}",
            ),
        ]
    rows += [
        (
            "model on torch instead (`MATRIXQA_BACKEND=torch`): ready (s) / peak RSS (MB)",
            f"{f['torch_backend']['ready_seconds']} / {f['torch_backend']['peak_rss_mb']}",
        ),
        ("in-process search p50 / p95, matrixqa (ms)", f"{ours['p50_ms']} / {ours['p95_ms']}"),
        (
            f"in-process search p50 / p95, tutorial baseline ({f['baseline_chunks']} chunks) (ms)",
            f"{base['p50_ms']} / {base['p95_ms']}",
        ),
        (
            "matrixqa / baseline search time, p50 and p95",
            f"{ours['p50_ms'] / base['p50_ms']:.2f} / {ours['p95_ms'] / base['p95_ms']:.2f}",
        ),
    ]
    if "http_first_time" in f:
        first, load = f["http_first_time"], f["load_first_time"]
        rows.append(
            (
                f"first-time /api/search p50 / p95 over HTTP, {first['questions']} questions never asked before (ms)",
                f"{first['p50_ms']} / {first['p95_ms']}",
            )
        )
        rows.append(
            (
                f"load: 32 clients, {load['requests']} questions never asked before",
                f"{load['errors']} errors, p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, "
                f"{load['requests_per_second']} req/s; question log: {load['log_rows_lost']} of "
                f"{load['asks_ok']} answered asks lost",
            )
        )
    for load in f["load"]:
        rows.append(
            (
                f"load: {load['clients']} clients, {load['requests']} requests",
                f"{load['errors']} errors, p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, "
                f"{load['requests_per_second']} req/s; question log: {load['log_rows_lost']} of "
                f"{load['asks_ok']} answered asks lost",
            )
        )
    lines = ["| measure | figure |", "|---|---|", *[f"| {name} | {value} |" for name, value in rows]]
    lines += [
        "",
        "| synthetic passages | search | build, index only (s) | index size (MB) | load, index / with the model (s) "
        "| serving peak RSS (MB) "
        "| search p50 / p95 (ms) | of which the model (its one pass) p50 / p95 (ms) "
        "| the rest p50 / p95 (ms) | search in ten cells p95 (ms) | answer p95 (ms) "
        "| FAISS ms/query (exact ms) | recall@10 vs exact, ties counted (by id; in the search's pool) "
        "| embedding from scratch, estimated (min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    texts_per_second = (build["passages"] + build["sentences"]) / build["build_seconds"]
    for s in f["scale"]:
        lines.append(
            f"| {s['passages']} | {s['search_kind']} | {s['build_seconds_index_only']} | {s['index_mb']} | "
            f"{s['load_seconds']} / {s['ready_seconds']} | {s['peak_rss_mb']} | {s['search_p50_ms']} / "
            f"{goal(s['search_p95_ms'], GOALS['scale_search_p95_ms'])} | "
            f"{s['model_p50_ms']} / {s['model_p95_ms']} | {s['rest_p50_ms']} / {s['rest_p95_ms']} | "
            f"{s['filtered_search_p95_ms']} | {s['answer_p95_ms']} | "
            f"{s['faiss_ms_per_query']} ({s['exact_faiss_ms_per_query']}) | {s['recall_at_10']} "
            f"({s['recall_at_10_by_id']}; {s['pool_recall_at_10']}) | "
            f"{(s['passages'] + s['sentences']) / texts_per_second / 60:.0f} |"
        )
    edits = [s for s in f["scale"] if "edit_rebuild" in s]
    for s in edits:
        e = s["edit_rebuild"]
        lines.append(
            f"\nRebuild of the {s['passages']}-passage corpus after rewriting one cell's passages: "
            f"{e['seconds']} s, embedded {e['embedded']}, reused {e['reused']}."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
