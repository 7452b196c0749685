"""The `matrixqa` command: build the index, search, ask, and serve the chat page."""

from __future__ import annotations

import json
import sys
import textwrap
import time

import click

from .errors import MatrixQAError
from .settings import load_config


class _Commands(click.Group):
    """Turn domain errors into one line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MatrixQAError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except OSError as error:
            click.echo(f"error: {error.strerror or error}: {getattr(error, 'filename', '') or ''}".rstrip(": "), err=True)
            sys.exit(1)


@click.group(cls=_Commands)
@click.version_option(package_name="matrixqa")
def main() -> None:
    """Answer questions from the Effectiveness Bank treatment matrices, with citations."""


def _retriever():
    from .embed import load_embedder
    from .index import load_index
    from .retrieve import Retriever

    config = load_config()
    embedder = load_embedder(config.model)
    return Retriever(load_index(config.index_dir, embedder, config.corpus_dir), embedder)


@main.command()
def build() -> None:
    """Parse the corpus, embed its passages and write the index."""
    from .corpus import load_corpus
    from .embed import load_embedder
    from .index import build_index

    config = load_config()
    corpus = load_corpus(config.corpus_dir)
    for problem in corpus.problems:
        click.echo(f"skipped {problem.file}: {problem.reason}", err=True)
    if not corpus.cells:
        raise MatrixQAError(f"no cell page in {config.corpus_dir} could be parsed; nothing was built")
    click.echo(f"loading model {config.model}", err=True)
    embedder = load_embedder(config.model)
    manifest = build_index(
        corpus, embedder, config.index_dir, lambda line: click.echo(line, err=True), config.ann_threshold
    )
    embedded = manifest["embedded"]
    click.echo(
        f"built {manifest['passages']} passages from {len(corpus.cells)} cells into {config.index_dir} "
        f"({manifest['search']['kind']} search; embedded {embedded['passages']} passages and "
        f"{embedded['sentences']} sentences, reused the rest)"
    )


@main.command()
@click.argument("question")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def search(question: str, k: int, as_json: bool) -> None:
    """Show the passages that best match QUESTION."""
    from .app import passage_json

    result = _retriever().search(question, k)
    if as_json:
        click.echo(json.dumps({"question": question, "relevant": result.relevant, "passages": [passage_json(h) for h in result.hits]}, indent=2, ensure_ascii=False))
        return
    if not result.relevant:
        click.echo("(nothing in the corpus looks relevant; the nearest passages follow)\n")
    for hit in result.hits:
        p = hit.passage
        badge = f"{p.study.type} {p.study.year}" if p.study else "commentary"
        click.echo(f"{hit.rank}. [{hit.score:.3f}] {p.cell.code} · {p.section} · {badge}  ({p.id})")
        click.echo(textwrap.indent(textwrap.fill(p.text, 100), "   "))
        click.echo(f"   {p.links[0]['url']}\n")


@main.command()
@click.argument("question")
@click.option("--long", "long_answer", is_flag=True, help="A longer answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def ask(question: str, long_answer: bool, as_json: bool) -> None:
    """Answer QUESTION with cited sentences from the corpus."""
    from .answer import compose_answer
    from .app import answer_json

    retriever = _retriever()
    answer = compose_answer(retriever.search(question, 8), retriever.index, "long" if long_answer else "short")
    if as_json:
        click.echo(json.dumps(answer_json(answer), indent=2, ensure_ascii=False))
        return
    if not answer.answered:
        click.echo(answer.message)
        return
    click.echo(answer.lead + "\n")
    click.echo(textwrap.fill(answer.answer, 100) + "\n")
    for citation in answer.citations:
        p = citation.passage
        what = f"{p.study.type} {p.study.title} ({p.study.year})" if p.study else f"commentary, {p.section}"
        click.echo(f"[{citation.n}] {p.cell.matrix} cell {p.cell.code}: {what}")
        click.echo(f"    {p.links[0]['url']}")


@main.command()
@click.option("--host", envvar="MATRIXQA_HOST", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", envvar="MATRIXQA_PORT", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the chat page and the API with a production WSGI server (waitress)."""
    import waitress

    from .app import create_app

    started = time.perf_counter()
    config = load_config()
    app = create_app(config)
    click.echo(f"ready in {time.perf_counter() - started:.1f} s: http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=config.threads, ident="matrixqa")
