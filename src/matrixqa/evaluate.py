"""Evaluate retrieval on a file of questions with gold paragraphs, and compare retrieval set-ups.

Every figure that TREC run and qrels files can express (hit@k, MRR@10, nDCG@10, recall@5) is computed
by ir_measures from exactly the run and qrels that `write_trec` writes, so the report and the files
agree by construction. Two figures rest on the gold paragraphs themselves and carry their own names:
"paragraph recall@5" and "paragraph nDCG@10" (docs/retrieval.md defines them).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ir_measures
from ir_measures import RR, R, Success, nDCG

from matrixqa.errors import EvaluationError
from matrixqa.index.words import fold
from matrixqa.search.retrieve import Retriever

DEPTH = 10  # how many passages each question's ranking is judged to
MATCH_RUN = 60
HIT_DEPTHS = range(1, DEPTH + 1)  # hit@k for these k, for the report's hit@k curve
# matrixqa's name of each figure and the ir_measures measure that computes it from the TREC files.
STANDARD = {f"hit@{k}": Success @ k for k in HIT_DEPTHS}
STANDARD |= {"MRR@10": RR @ DEPTH, "nDCG@10": nDCG @ DEPTH, "recall@5": R @ 5}
PARAGRAPH = ("paragraph recall@5", "paragraph nDCG@10")  # credited by gold paragraph, not by passage


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    relevant: tuple[str, ...]  # opening characters of gold paragraphs; empty: the corpus has no answer
    category: str | None = None  # what kind of question it is (typo, acronym, out-of-scope-near...)


@dataclass(frozen=True)
class GoldQuestion:
    """A question with the full normalised text of each of its gold paragraphs."""

    id: str
    question: str
    gold: tuple[str, ...]
    category: str | None = None

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

    def paragraph_recall(self, k: int) -> float:
        """Share of the gold paragraphs that some passage among the first k matches."""
        found = frozenset().union(*self.covered[:k]) if self.covered[:k] else frozenset()
        return len(found) / len(self.question.gold)

    def paragraph_ndcg(self, k: int = DEPTH) -> float:
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
class Declining:
    """How well a set-up declined: "not covered" (the corpus has no answer) is what it should predict."""

    not_covered: int  # questions with no gold paragraph
    declined: int
    declined_correctly: int

    @property
    def precision(self) -> float | None:
        return self.declined_correctly / self.declined if self.declined else None

    @property
    def recall(self) -> float | None:
        return self.declined_correctly / self.not_covered if self.not_covered else None


@dataclass(frozen=True)
class Report:
    """The figures of one set-up over a question file, with the TREC run and qrels they come from."""

    setup: str
    outcomes: list[Outcome]
    run: dict[str, dict[str, float]]  # question id -> passage id -> score, as written to the run file
    qrels: dict[str, dict[str, int]]  # question id -> passage id -> 1 relevant, 0 not
    metrics: dict[str, float] = field(default_factory=dict)  # the mean over the answerable questions
    per_question: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> question id -> value

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.answerable]

    @property
    def misses(self) -> list[Outcome]:
        """Answerable questions whose first passage is not relevant."""
        return [o for o in self.answerable if not o.hit(1)]

    def declining(self, outcomes: list[Outcome] | None = None) -> Declining:
        """Declining over these outcomes (default: all of them)."""
        outcomes = self.outcomes if outcomes is None else outcomes
        return Declining(
            not_covered=sum(not o.question.answerable for o in outcomes),
            declined=sum(o.abstained for o in outcomes),
            declined_correctly=sum(o.abstained and not o.question.answerable for o in outcomes),
        )


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
    """Read a question file: one JSON object a line with id, question, relevant and optionally category."""
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
            category = data.get("category")
            if category is not None and not isinstance(category, str):
                raise TypeError
            question = Question(
                str(data["id"]), str(data["question"]), tuple(str(r) for r in data["relevant"]), category
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EvaluationError(
                f'{path} line {number}: expected {{"id": ..., "question": ..., "relevant": [...]}} '
                'and optionally "category": "..."'
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
        resolved.append(GoldQuestion(question.id, question.question, tuple(gold), question.category))
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
    run = trec_run(outcomes)
    qrels = trec_qrels(setup, questions)
    per_question: dict[str, dict[str, float]] = {name: {} for name in [*STANDARD, *PARAGRAPH]}
    names = {measure: name for name, measure in STANDARD.items()}
    for value in ir_measures.iter_calc(list(STANDARD.values()), qrels, run):
        per_question[names[value.measure]][value.query_id] = value.value
    for outcome in outcomes:
        if outcome.question.answerable:
            per_question["paragraph recall@5"][outcome.question.id] = outcome.paragraph_recall(5)
            per_question["paragraph nDCG@10"][outcome.question.id] = outcome.paragraph_ndcg()
    metrics = {names[m]: v for m, v in ir_measures.calc_aggregate(list(STANDARD.values()), qrels, run).items()}
    metrics |= {name: mean(per_question[name].values()) for name in PARAGRAPH}
    return Report(setup.name, outcomes, run, qrels, {name: metrics[name] for name in per_question}, per_question)


def mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def trec_run(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """The answerable questions' rankings as a TREC run: question id -> passage id -> score."""
    # Tools order a run by score, so the score is the rank turned round: the order shown is kept even
    # where diversity placed a passage above one with a higher fused score.
    return {
        o.question.id: {p.id: float(DEPTH + 1 - rank) for rank, p in enumerate(o.ranking, 1)}
        for o in outcomes
        if o.question.answerable
    }


def trec_qrels(setup: Setup, questions: list[GoldQuestion]) -> dict[str, dict[str, int]]:
    """Every passage of the set-up's collection judged for every answerable question: 1 relevant, 0 not.
    The zeros keep a question no passage answers in the files, so it counts as a miss there too."""
    return {
        q.id: {p.id: int(bool(relevant_to(q, p.text))) for p in setup.collection} for q in questions if q.answerable
    }


def trec_tag(name: str) -> str:
    """A set-up's name as a file name and TREC run tag."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-")


def write_trec(report: Report, folder: Path) -> tuple[Path, Path]:
    """Write the report's run and qrels in TREC format, the very ones its figures were computed from."""
    folder.mkdir(parents=True, exist_ok=True)
    tag = trec_tag(report.setup)
    run_path, qrels_path = folder / f"{tag}.run", folder / f"{tag}.qrels"
    with open(run_path, "w", encoding="utf-8") as run:
        for question, scores in report.run.items():
            for rank, (passage, score) in enumerate(sorted(scores.items(), key=lambda s: -s[1]), 1):
                run.write(f"{question} Q0 {passage} {rank} {score:g} {tag}\n")
    with open(qrels_path, "w", encoding="utf-8") as qrels:
        for question, judged in report.qrels.items():
            for passage, relevance in judged.items():
                qrels.write(f"{question} 0 {passage} {relevance}\n")
    return run_path, qrels_path


def retriever_setup(name: str, retriever: Retriever) -> Setup:
    """A set-up that searches exactly as /api/search does."""

    def search(question: str, k: int) -> Ranking:
        result = retriever.search(question, k)
        return Ranking([Ranked(h.passage.id, h.passage.text, h.score) for h in result.hits], result.relevant)

    collection = [Ranked(p.id, p.text, 0.0) for p in retriever.index.passages]
    return Setup(name, collection, search)
