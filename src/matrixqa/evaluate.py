"""Evaluate retrieval on a file of questions with gold paragraphs, and compare retrieval set-ups.

Judging follows shared/eval/README.md: a retrieved passage is relevant to a question when its text and
one of the question's gold paragraphs share a common run of at least min(60, half the passage's
length) characters, both normalised (curly quotes and dashes to ASCII, white space runs to one space,
lower case). Gold paragraphs are named by their opening characters and looked up in the corpus pages,
so a question whose gold paragraph has gone from the corpus is an error, not a silent miss.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss

from matrixqa.errors import EvaluationError
from matrixqa.index.embed import Embedder
from matrixqa.index.lexical import fold
from matrixqa.search.retrieve import Retriever

DEPTH = 10  # how many passages each question's ranking is judged to
MATCH_RUN = 60
BASELINE_NAME = "tutorial baseline: 1,000-char chunks, 200 overlap, dense"
BASELINE_SIZE = 1000
BASELINE_OVERLAP = 200
BASELINE_MIN_COSINE = 0.45  # the backbone's original rule: abstain when the best cosine is below this


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    relevant: tuple[str, ...]  # opening characters of gold paragraphs; empty: the corpus has no answer


@dataclass(frozen=True)
class GoldQuestion:
    """A question with the full normalised text of each of its gold paragraphs."""

    id: str
    question: str
    gold: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True)
class Ranked:
    """A retrieved passage as the harness sees it, whatever made it."""

    id: str
    text: str
    score: float


@dataclass(frozen=True)
class Ranking:
    passages: list[Ranked]
    relevant: bool  # False: the set-up abstained


@dataclass(frozen=True)
class Setup:
    """A retrieval set-up to compare: the passages it can return and how it searches them."""

    name: str
    collection: list[Ranked]
    search: Callable[[str, int], Ranking]


@dataclass(frozen=True)
class Outcome:
    """How one set-up did on one question."""

    question: GoldQuestion
    ranking: list[Ranked]
    covered: list[frozenset[int]]  # for each ranked passage, the gold paragraphs it matches
    abstained: bool

    @property
    def first_relevant(self) -> int | None:
        """Rank (from 1) of the first relevant passage, or None when none is in the ranking."""
        return next((rank for rank, golds in enumerate(self.covered, 1) if golds), None)

    def hit(self, k: int) -> bool:
        first = self.first_relevant
        return first is not None and first <= k

    def reciprocal_rank(self, k: int = DEPTH) -> float:
        first = self.first_relevant
        return 1 / first if first is not None and first <= k else 0.0

    def recall(self, k: int) -> float:
        found = frozenset().union(*self.covered[:k]) if self.covered[:k] else frozenset()
        return len(found) / len(self.question.gold)

    def ndcg(self, k: int = DEPTH) -> float:
        """Binary gain for each gold paragraph, at the first rank a passage matches it."""
        credited: set[int] = set()
        dcg = 0.0
        for rank, golds in enumerate(self.covered[:k], 1):
            new = golds - credited
            if new:
                credited |= new
                dcg += 1 / math.log2(rank + 1)
        ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(self.question.gold), k) + 1))
        return dcg / ideal


@dataclass(frozen=True)
class Report:
    """The figures of one set-up over a question file."""

    setup: str
    outcomes: list[Outcome]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.answerable]

    @property
    def misses(self) -> list[Outcome]:
        """Answerable questions whose first passage is not relevant."""
        return [o for o in self.answerable if not o.hit(1)]


def normalise(text: str) -> str:
    """The judging rule's normal form: ASCII quotes and dashes, single spaces, lower case."""
    return re.sub(r"\s+", " ", fold(text)).strip().lower()


def shares_run(passage: str, gold: str) -> bool:
    """Whether a normalised passage and gold paragraph share a run of min(60, half the passage) characters."""
    length = max(1, min(MATCH_RUN, len(passage) // 2))
    if len(passage) < length or len(gold) < length:
        return False
    windows = {gold[i : i + length] for i in range(len(gold) - length + 1)}
    return any(passage[i : i + length] in windows for i in range(len(passage) - length + 1))


def read_questions(path: Path) -> list[Question]:
    """Read a question file: one JSON object a line with id, question and relevant."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvaluationError(f"cannot read the question file {path}: {error}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            question = Question(str(data["id"]), str(data["question"]), tuple(str(r) for r in data["relevant"]))
        except (ValueError, KeyError, TypeError):
            raise EvaluationError(
                f'{path} line {number}: expected {{"id": ..., "question": ..., "relevant": [...]}}'
            ) from None
        questions.append(question)
    if not questions:
        raise EvaluationError(f"{path} holds no question")
    ids = [q.id for q in questions]
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        raise EvaluationError(f"{path}: question id {repeated!r} is used more than once")
    return questions


def corpus_paragraphs(corpus_dir: Path) -> list[str]:
    """Every non-blank line of every cell page, normalised: the paragraphs gold is named from."""
    paragraphs = []
    for page in sorted(Path(corpus_dir).glob("*.txt")):
        for line in page.read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                paragraphs.append(normalise(line))
    return paragraphs


def resolve_gold(questions: list[Question], paragraphs: list[str]) -> list[GoldQuestion]:
    """Find each gold paragraph by its opening; one that is not in the corpus is an error naming the question."""
    resolved = []
    for question in questions:
        gold = []
        for opening in question.relevant:
            start = normalise(opening)
            match = next((p for p in paragraphs if start and p.startswith(start)), None)
            if match is None:
                raise EvaluationError(
                    f"question {question.id} ({question.question!r}) names a gold paragraph that is not in the "
                    f"corpus: {opening!r}"
                )
            gold.append(match)
        resolved.append(GoldQuestion(question.id, question.question, tuple(gold)))
    return resolved


def relevant_to(question: GoldQuestion, text: str) -> frozenset[int]:
    """The gold paragraphs (by position) that a passage's text matches under the judging rule."""
    normal = normalise(text)
    return frozenset(i for i, gold in enumerate(question.gold) if shares_run(normal, gold))


def evaluate(setup: Setup, questions: list[GoldQuestion]) -> Report:
    """Run every question through one set-up and compute its figures."""
    outcomes = []
    for question in questions:
        ranking = setup.search(question.question, DEPTH)
        passages = ranking.passages[:DEPTH]
        covered = [relevant_to(question, p.text) for p in passages]
        outcomes.append(Outcome(question, passages, covered, abstained=not ranking.relevant))
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    metrics = {
        "hit@1": mean([o.hit(1) for o in answerable]),
        "hit@3": mean([o.hit(3) for o in answerable]),
        "hit@5": mean([o.hit(5) for o in answerable]),
        "MRR@10": mean([o.reciprocal_rank() for o in answerable]),
        "recall@5": mean([o.recall(5) for o in answerable]),
        "nDCG@10": mean([o.ndcg() for o in answerable]),
        "abstained": sum(o.abstained for o in unanswerable),
        "unanswerable": len(unanswerable),
        "wrongly abstained": sum(o.abstained for o in answerable),
        "answerable": len(answerable),
    }
    return Report(setup.name, outcomes, metrics)


def write_trec(report: Report, setup: Setup, questions: list[GoldQuestion], folder: Path) -> tuple[Path, Path]:
    """Write the set-up's run and its qrels (every passage of its collection judged) in TREC format, for the
    answerable questions (ranx and ir_measures want the same questions in both files)."""
    folder.mkdir(parents=True, exist_ok=True)
    tag = re.sub(r"[^\w.-]+", "-", setup.name).strip("-")
    run_path, qrels_path = folder / f"{tag}.run", folder / f"{tag}.qrels"
    # Tools order a run by score, so the score is the rank turned round: the order shown is kept even
    # where diversity placed a passage above one with a higher fused score.
    with open(run_path, "w", encoding="utf-8") as run:
        for outcome in report.answerable:
            for rank, passage in enumerate(outcome.ranking, 1):
                run.write(f"{outcome.question.id} Q0 {passage.id} {rank} {DEPTH + 1 - rank} {tag}\n")
    with open(qrels_path, "w", encoding="utf-8") as qrels:
        for question in questions:
            for passage in setup.collection:
                if question.answerable and relevant_to(question, passage.text):
                    qrels.write(f"{question.id} 0 {passage.id} 1\n")
    return run_path, qrels_path


def retriever_setup(name: str, retriever: Retriever) -> Setup:
    """A set-up that searches exactly as /api/search does."""

    def search(question: str, k: int) -> Ranking:
        result = retriever.search(question, k)
        return Ranking([Ranked(h.passage.id, h.passage.text, h.score) for h in result.hits], result.relevant)

    collection = [Ranked(p.id, p.text, 0.0) for p in retriever.index.passages]
    return Setup(name, collection, search)


def baseline_setup(corpus_dir: Path, embedder: Embedder) -> Setup:
    """The common tutorial set-up, built here: each page cut into 1,000-character chunks with 200
    characters of overlap, embedded, searched with a flat FAISS index, dense score only."""
    chunks: list[Ranked] = []
    for page in sorted(Path(corpus_dir).glob("*.txt")):
        for number, text in enumerate(tutorial_chunks(page.read_text(encoding="utf-8-sig"))):
            chunks.append(Ranked(f"{page.stem}-chunk{number}", text, 0.0))
    vectors = embedder.embed([c.text for c in chunks])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    def search(question: str, k: int) -> Ranking:
        scores, rows = index.search(embedder.embed([question]), min(k, len(chunks)))
        ranked = [
            Ranked(chunks[r].id, chunks[r].text, float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0
        ]
        return Ranking(ranked, bool(ranked) and ranked[0].score >= BASELINE_MIN_COSINE)

    return Setup(BASELINE_NAME, chunks, search)


def tutorial_chunks(text: str, separators: tuple[str, ...] = ("\n\n", "\n", " ", "")) -> list[str]:
    """Cut text as the tutorials' recursive character splitter does (chunk 1,000, overlap 200): split at
    the coarsest separator present, cut any piece still too long at the next, then pack the pieces
    into chunks, each starting with up to 200 characters of the one before.

    Built this way the baseline reproduces the reference figures in shared/eval/README.md.
    """
    separator, finer = separators[-1], ()
    for i, candidate in enumerate(separators):
        if candidate == "" or candidate in text:
            separator, finer = candidate, separators[i + 1 :]
            break
    pieces = [p for p in (text.split(separator) if separator else list(text)) if p]
    chunks: list[str] = []
    short: list[str] = []
    for piece in pieces:
        if len(piece) < BASELINE_SIZE:
            short.append(piece)
            continue
        chunks += _pack(short, separator)
        short = []
        chunks += tutorial_chunks(piece, finer) if finer else [piece]
    return chunks + _pack(short, separator)


def _pack(pieces: list[str], separator: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    length = 0  # of the pieces in current joined by separator
    for piece in pieces:
        joiner = len(separator) if current else 0
        if length + joiner + len(piece) > BASELINE_SIZE and current:
            chunks.append(separator.join(current).strip())
            # Keep the tail of this chunk, at most the overlap, to open the next one.
            while length > BASELINE_OVERLAP or (length + len(separator) + len(piece) > BASELINE_SIZE and length > 0):
                length -= len(current[0]) + (len(separator) if len(current) > 1 else 0)
                current.pop(0)
        current.append(piece)
        length += len(piece) + (len(separator) if len(current) > 1 else 0)
    if current:
        chunks.append(separator.join(current).strip())
    return [c for c in chunks if c]


def format_comparison(reports: list[Report]) -> str:
    """A Markdown table: one row per set-up, its figures and abstentions."""
    head = "| retrieval | hit@1 | hit@3 | hit@5 | MRR@10 | recall@5 | nDCG@10 | abstained | wrongly abstained |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for report in reports:
        m = report.metrics
        figures = " | ".join(f"{m[name]:.3f}" for name in ("hit@1", "hit@3", "hit@5", "MRR@10", "recall@5", "nDCG@10"))
        lines.append(
            f"| {report.setup} | {figures} | {m['abstained']}/{m['unanswerable']} "
            f"| {m['wrongly abstained']}/{m['answerable']} |"
        )
    return "\n".join(lines)


def format_misses(reports: list[Report]) -> str:
    """A Markdown table of the questions some set-up did not answer first, with each set-up's rank of
    the first relevant passage ("-" when none is in the first ten)."""
    by_setup = [{o.question.id: o for o in report.answerable} for report in reports]
    missed = [o.question for o in reports[0].answerable if any(not rows[o.question.id].hit(1) for rows in by_setup)]
    if not missed:
        return "(every set-up ranks a relevant passage first for every question)"
    lines = ["| question | " + " | ".join(r.setup for r in reports) + " |", "|---|" + "---|" * len(reports)]
    for question in missed:
        cells = []
        for rows in by_setup:
            first = rows[question.id].first_relevant
            cells.append(str(first) if first else "-")
        lines.append(f"| {question.id} {question.question} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_abstentions(reports: list[Report]) -> str:
    """Which set-up abstained on which question, for the questions any set-up got wrong."""
    lines = []
    for report in reports:
        wrong = [o for o in report.outcomes if o.abstained == o.question.answerable]
        for outcome in wrong:
            what = "abstained on an answerable question" if outcome.abstained else "answered what the corpus cannot"
            lines.append(f"{report.setup}: {what}: {outcome.question.id} {outcome.question.question}")
    return "\n".join(lines)
