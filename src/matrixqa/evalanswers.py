"""How the answers did in `matrixqa eval`, per question category: answered, declined, and whether the
first sentence comes from a gold paragraph, beside the ranking's hit@1 and MRR@10."""

from __future__ import annotations

from dataclasses import dataclass

from matrixqa.answer.compose import Answer
from matrixqa.evaluate import Outcome, Report, normalise, shares_run


@dataclass(frozen=True)
class CategoryFigures:
    """How retrieval and the answers did on the questions of one category."""

    category: str
    answerable: int
    unanswerable: int
    hit1: float  # over the answerable questions, as are MRR@10, answered and first_from_gold
    mrr10: float
    answered: int
    declined: int  # of the unanswerable questions
    first_from_gold: int  # answers whose first sentence comes from a gold paragraph


def first_sentence(answer: Answer) -> str:
    """The sentence an answer opens with: its first citation's first quoted sentence."""
    return answer.citations[0].sentences[0] if answer.answered and answer.citations else ""


def answer_figures(report: Report, answers: dict[str, Answer]) -> list[CategoryFigures]:
    """Per category, then over all questions: the ranking's hit@1 and MRR@10, and what the answers did."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in report.outcomes:
        groups.setdefault(outcome.question.category or "-", []).append(outcome)
    figures = []
    for category, outcomes in [*sorted(groups.items()), ("all", report.outcomes)]:
        answerable = [o for o in outcomes if o.question.answerable]
        opened = [first_sentence(answers[o.question.id]) for o in answerable]
        figures.append(
            CategoryFigures(
                category,
                len(answerable),
                len(outcomes) - len(answerable),
                sum(o.hit(1) for o in answerable) / max(1, len(answerable)),
                sum(o.reciprocal_rank() for o in answerable) / max(1, len(answerable)),
                sum(answers[o.question.id].answered for o in answerable),
                sum(not answers[o.question.id].answered for o in outcomes if not o.question.answerable),
                sum(
                    bool(first) and any(shares_run(normalise(first), gold) for gold in o.question.gold)
                    for o, first in zip(answerable, opened, strict=True)
                ),
            )
        )
    return figures


def format_answer_figures(figures: list[CategoryFigures]) -> str:
    """A Markdown table of the per-category figures ("-" where a category has no such question)."""
    head = "| category | hit@1 | MRR@10 | answered | declined | first sentence from gold |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for f in figures:
        ranked = f"{f.hit1:.3f} | {f.mrr10:.3f}" if f.answerable else "- | -"
        answered = f"{f.answered}/{f.answerable}" if f.answerable else "-"
        declined = f"{f.declined}/{f.unanswerable}" if f.unanswerable else "-"
        first = f"{f.first_from_gold}/{f.answerable}" if f.answerable else "-"
        lines.append(f"| {f.category} | {ranked} | {answered} | {declined} | {first} |")
    return "\n".join(lines)
