"""The `matrixqa` command: build the index, search, ask, and serve the chat page."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
import time
from pathlib import Path

import click

from matrixqa import helpdesk_commands
from matrixqa.errors import MatrixQAError, ServeError
from matrixqa.ingest.cell import StudyType
from matrixqa.search.fusion import MODES
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

UNPLACED_SHOWN = 160  # characters of an unplaced line that build shows: enough to find it in the page


class _Commands(click.Group):
    """Turn domain errors into one line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MatrixQAError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except OSError as error:
            click.echo(
                f"error: {error.strerror or error}: {getattr(error, 'filename', '') or ''}".rstrip(": "), err=True
            )
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug: say so in one line rather than show a traceback
            click.echo(f"error: unexpected failure ({type(error).__name__}: {error}); please report it", err=True)
            sys.exit(2)


@click.group(cls=_Commands)
@click.version_option(package_name="matrixqa")
def main() -> None:
    """Answer questions from the Effectiveness Bank treatment matrices, with citations."""
    keep_model_offline()


def _retriever(mode: str = "hybrid"):
    """The configured index and model, loaded to search in this process."""
    from matrixqa.search.retrieve import open_retriever

    retriever = open_retriever(load_config(), mode)  # type: ignore[arg-type]
    limit_blas_threads()
    return retriever


@main.command()
def build() -> None:
    """Parse the corpus, embed its passages and write the index."""
    _build(load_config())


@main.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--matrix",
    type=click.Choice(["drug", "alcohol", "all"]),
    help="Also fetch every cell page of this matrix (or both) from MATRIXQA_SITE.",
)
@click.option("--refresh", is_flag=True, help="Fetch addresses again even if they are in the cache.")
@click.option("--build", "then_build", is_flag=True, help="Build the index once the pages are added.")
def add(sources: tuple[str, ...], matrix: str | None, refresh: bool, then_build: bool) -> None:
    """Add cell pages to the corpus: SOURCES are saved pages (.html, .htm, .txt) or http(s) addresses.

    Each page is stored under its cell's name (drug-B3.html, ...); one that is not a cell page is refused
    and nothing of it stored. Addresses are fetched one at a time with a pause between them.
    """
    from matrixqa.ingest.add import add_page, is_address, matrix_addresses
    from matrixqa.ingest.chunk import CellRef
    from matrixqa.ingest.fetch import Fetcher

    config = load_config()
    todo = list(sources) + (list(matrix_addresses(config.site, matrix)) if matrix else [])  # type: ignore[arg-type]
    if not todo:
        raise MatrixQAError("nothing to add: name saved pages or addresses, or pass --matrix drug|alcohol|all")
    failed = 0
    with Fetcher(config.fetch_cache, config.fetch_pause, config.fetch_timeout) as fetcher:
        for n, source in enumerate(todo, 1):
            if is_address(source):
                click.echo(f"[{n}/{len(todo)}] {source}", err=True)
            try:
                added = add_page(source, config.corpus_dir, fetcher, refresh)
            except MatrixQAError as error:
                failed += 1
                click.echo(f"error: {error}", err=True)
                continue
            how = "fetched" if added.fetched else ("from the cache" if is_address(source) else "from the file")
            click.echo(f"added {added.file} ({CellRef.of(added.cell).label}; {how})")
            if added.also:
                first = sorted([added.file.name, *added.also])[0]
                click.echo(f"note: {', '.join(added.also)} also hold this cell; build reads only {first}", err=True)
    if failed and failed == len(todo):
        raise MatrixQAError(f"none of the {len(todo)} pages could be added")
    if then_build:
        _build(config)
    if failed:
        raise MatrixQAError(f"{failed} of {len(todo)} pages could not be added (see above)")


def _report_left_out(corpus) -> None:
    """Name what of the corpus the index will not hold: each page skipped, with why, and each line of content
    a page holds that no part of its cell took (a line in the list of documents that is not an entry, ...)."""
    for problem in corpus.problems:
        click.echo(f"skipped {problem.file}: {problem.reason}", err=True)
    for cell in corpus.cells:
        for line in cell.unplaced:
            shown = textwrap.shorten(line, UNPLACED_SHOWN, placeholder=" …")
            click.echo(f"unplaced in {cell.source_file} (left out of the index): {shown}", err=True)


def _build(config) -> None:
    from matrixqa.index.embed import load_embedder
    from matrixqa.index.store import build_index
    from matrixqa.index.vocabulary import load_vocabulary
    from matrixqa.ingest.corpus import load_corpus

    corpus = load_corpus(config.corpus_dir)
    _report_left_out(corpus)
    if not corpus.cells:
        raise MatrixQAError(f"no cell page in {config.corpus_dir} could be parsed; nothing was built")
    click.echo(f"loading model {config.model}", err=True)
    embedder = load_embedder(config.model, config.backend, config.model_cache)
    manifest = build_index(
        corpus,
        embedder,
        config.index_dir,
        lambda line: click.echo(line, err=True),
        config.ann_threshold,
        load_vocabulary(config.vocabulary),
    )
    embedded = manifest["embedded"]
    click.echo(
        f"built {manifest['passages']} passages from {len(corpus.cells)} cells into {config.index_dir} "
        f"({manifest['search']['kind']} search; embedded {embedded['passages']} passages, "
        f"{embedded['sentences']} sentences and {embedded.get('words', 0)} words, reused the rest)"
    )


@main.command()
@click.argument("question")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages.")
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice([kind.value for kind in StudyType] + ["commentary"]),
    help="Only this kind of passage: a study type ("
    + ", ".join(f"{kind} {kind.label.lower()}" for kind in StudyType)
    + ") or commentary; repeatable.",
)
@click.option("--cell", "cells", multiple=True, metavar="CODE", help="Only this cell, such as B3; repeatable.")
@click.option("--matrix", help="Only this matrix: drug or alcohol (or its full name).")
@click.option("--year-from", type=int, help="Only studies published in or after this year.")
@click.option("--year-to", type=int, help="Only studies published in or before this year.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="hybrid",
    show_default=True,
    help="Which evidence ranks the passages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def search(question: str, k: int, types, cells, matrix, year_from, year_to, mode: str, as_json: bool) -> None:
    """Show the passages that best match QUESTION, and why each was ranked where it is."""
    from matrixqa.search.filters import Filters
    from matrixqa.server.responses import SearchResponse

    filters = Filters(frozenset(types), frozenset(c.upper() for c in cells), matrix, year_from, year_to)
    result = _retriever(mode).search(question, k, filters)
    if as_json:
        click.echo(json.dumps(SearchResponse.of(result).model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    if not result.relevant:
        click.echo("(nothing in the corpus looks relevant; the nearest passages follow)\n")
    for hit in result.hits:
        p = hit.passage
        badge = f"{p.study.type} {p.study.year}" if p.study else "commentary"
        click.echo(f"{hit.rank}. [{hit.score:.3f}] {p.cell.short_label} · {p.section} · {badge}  ({p.id})")
        click.echo(
            f"   dense {hit.dense_score:.3f} (sentence {hit.sentence_score:.3f}, rank {hit.dense_rank}) · "
            f"lexical {hit.lexical_score:.2f} (rank {hit.lexical_rank}) · coverage {hit.coverage:.2f} · "
            f"matched: {', '.join(hit.matched_terms) or '-'}"
            + (f" · cell breadth -{hit.breadth_cost:.3f}" if hit.breadth_cost else "")
        )
        click.echo(textwrap.indent(textwrap.fill(p.text, 100), "   "))
        click.echo(f"   {p.links[0]['url']}\n")


@main.command(name="eval")
@click.argument("questions_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trec-dir", type=click.Path(file_okay=False, path_type=Path), help="Write TREC run and qrels files here."
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the report here: report.md, report.json, the TREC files (trec/) and PNG plots.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON instead of the Markdown.")
def evaluate_command(
    questions_file: Path | None, trec_dir: Path | None, report_dir: Path | None, as_json: bool
) -> None:
    """Judge retrieval on QUESTIONS_FILE (default: MATRIXQA_EVAL_QUESTIONS) and compare set-ups.

    Compares dense only, BM25 only, hybrid (what /api/search does) and the common tutorial set-up
    (fixed 1,000-character chunks with 200 overlap, dense only), built here from the corpus, with
    bootstrap intervals and paired significance tests.
    """
    try:
        from matrixqa import evalanswers, evalbaseline, evalreport, evaluate
    except ImportError as error:
        raise MatrixQAError(
            f"matrixqa eval needs the eval extra ({error.name} is missing): pip install -e '.[eval]'"
        ) from None
    config = load_config()
    questions_file = questions_file or config.eval_questions
    questions = evaluate.read_questions(questions_file)
    gold = evaluate.resolve_gold(questions, evaluate.corpus_paragraphs(config.corpus_dir))
    hybrid = _retriever()
    setups = [
        evaluate.retriever_setup("dense only", hybrid.with_mode("dense")),
        evaluate.retriever_setup("BM25 only", hybrid.with_mode("lexical")),
        evaluate.retriever_setup("hybrid (matrixqa)", hybrid),
        evalbaseline.baseline_setup(config.corpus_dir, hybrid.embedder),
    ]
    reports = [evaluate.evaluate(setup, gold) for setup in setups]
    from matrixqa.answer.compose import Answerer

    answerer = Answerer(hybrid)
    answers = evalanswers.answer_figures(reports[2], {q.id: answerer.answer(q.question) for q in gold})
    trec_files = {r.setup: evaluate.write_trec(r, trec_dir) for r in reports} if trec_dir else None
    if report_dir:
        data = evalreport.write_report(reports, questions_file, report_dir, answers)
    else:
        data = evalreport.summary(reports, questions_file, trec_files, answers)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(evalreport.format_markdown(data, reports))
    for folder in (trec_dir, report_dir):
        if folder:
            click.echo(f"wrote {folder}", err=True)


@main.command()
@click.argument("question")
@click.option("--long", "long_answer", is_flag=True, help="A longer answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def ask(question: str, long_answer: bool, as_json: bool) -> None:
    """Answer QUESTION with cited sentences from the corpus."""
    from matrixqa.answer.compose import Answerer
    from matrixqa.server.responses import AnswerResponse

    answer = Answerer(_retriever()).answer(question, detail="long" if long_answer else "short")
    if as_json:
        click.echo(json.dumps(AnswerResponse.of(answer).model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    if not answer.answered:
        click.echo(answer.message)
        if answer.suggestions:
            click.echo("\nQuestions it can answer:\n" + "\n".join(f"- {q}" for q in answer.suggestions))
        return
    click.echo(answer.lead + "\n")
    click.echo(textwrap.fill(answer.answer, 100) + "\n")
    for citation in answer.citations:
        p = citation.passage
        what = f"{p.study.type} {p.study.title} ({p.study.year})" if p.study else f"commentary, {p.section}"
        click.echo(f"[{citation.n}] {p.cell.short_label}: {what}")
        click.echo(f"    {p.links[0]['url']}")
    if answer.suggestions:
        click.echo("\nYou could also ask:\n" + "\n".join(f"- {q}" for q in answer.suggestions))


@main.command()
@click.option("--host", envvar="MATRIXQA_HOST", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", envvar="MATRIXQA_PORT", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the chat page and the API with a production WSGI server (waitress)."""
    import waitress

    from matrixqa.server.app import create_app

    started = time.perf_counter()
    config = load_config()
    app = create_app(config)
    limit_blas_threads()
    logging.basicConfig()  # waitress reports a full request queue through logging
    try:  # bound before "ready" is said, so whoever waits for it can connect
        server = waitress.create_server(app, host=host, port=port, threads=config.threads, ident="matrixqa")
    except OSError as error:
        raise ServeError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; "
            "choose another port with --port or MATRIXQA_PORT (the address: --host or MATRIXQA_HOST)"
        ) from error
    click.echo(f"ready in {time.perf_counter() - started:.1f} s: http://{host}:{port}/", err=True)
    server.run()


main.add_command(helpdesk_commands.mcp)
main.add_command(helpdesk_commands.slack)


@main.group()
def log() -> None:
    """Read the question log back: export it, turn logged questions into evaluation questions, or prune it."""


def _selection_options(command):
    """The options that choose which logged questions a command reads."""
    command = click.option("--limit", type=click.IntRange(1), help="At most this many, newest first.")(command)
    command = click.option("--since", metavar="DATE", help="Only questions asked from DATE (UTC) on.")(command)
    command = click.option("--not-helpful", is_flag=True, help="Only answers marked not helpful.")(command)
    command = click.option("--unanswered", is_flag=True, help="Only questions the corpus did not answer.")(command)
    return command


def _logged_questions(unanswered: bool, not_helpful: bool, since: str | None, limit: int | None):
    from matrixqa.server.questionlog import QuestionLog, Selection, parse_since

    selection = Selection(
        limit=limit,
        since=parse_since(since) if since else None,
        answered=False if unanswered else None,
        helpful=False if not_helpful else None,
    )
    return QuestionLog.existing(load_config().log_db).select(selection)


@log.command()
@click.option("--csv", "form", flag_value="csv", help="Comma-separated values, one row a question.")
@click.option("--jsonl", "form", flag_value="jsonl", default=True, help="One JSON object a line (the default).")
@_selection_options
def export(form: str, unanswered: bool, not_helpful: bool, since: str | None, limit: int | None) -> None:
    """Print logged questions with their feedback, newest first."""
    from matrixqa.server.questionlog import write_csv, write_jsonl

    questions = _logged_questions(unanswered, not_helpful, since, limit)
    out = sys.stdout
    if form == "csv":
        write_csv(questions, out)
    else:
        write_jsonl(questions, out)


@log.command()
@click.option("--older-than", "days", type=click.IntRange(1), required=True, metavar="DAYS")
def prune(days: int) -> None:
    """Delete the questions asked more than DAYS days ago, with their feedback."""
    from matrixqa.server.questionlog import QuestionLog, days_ago

    moment = days_ago(days)
    deleted = QuestionLog.existing(load_config().log_db).delete_before(moment)
    click.echo(f"deleted {deleted} question{'' if deleted == 1 else 's'} asked before {moment}", err=True)


@log.command("to-eval")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@_selection_options
def to_eval(file: str, force: bool, unanswered: bool, not_helpful: bool, since: str | None, limit: int | None) -> None:
    """Write logged questions to FILE as evaluation questions, each 'relevant' list left for a person to fill."""
    from pathlib import Path

    from matrixqa.server.evalquestions import eval_questions, jsonl

    if file != "-" and Path(file).exists() and not force:
        raise MatrixQAError(f"{file} exists: choose another file or pass --force to overwrite it")
    questions = eval_questions(_logged_questions(unanswered, not_helpful, since, limit))
    lines = jsonl(questions)
    if file == "-":
        click.echo(lines, nl=False)
    else:
        Path(file).write_text(lines, encoding="utf-8")
    count = f"{len(questions)} question" + ("" if len(questions) == 1 else "s")
    click.echo(f"wrote {count} to {file}; a person fills in each 'relevant' list", err=True)
