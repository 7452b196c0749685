"""Compare evaluated set-ups and report on them: bootstrap intervals, paired significance tests,
figures per question category, and the report's files (Markdown, JSON, TREC, PNG plots).

Every number in the Markdown is read from the same summary that is written as JSON, so the two agree.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.stats

from matrixqa.evalanswers import CategoryFigures, format_answer_figures
from matrixqa.evaluate import DEPTH, HIT_DEPTHS, PARAGRAPH, STANDARD, Declining, Report, mean, write_trec

ALPHA = 0.05  # a difference with a p-value at or above this is marked not significant
RESAMPLES = 10_000
SEED = 15  # fixed, so the same run gives the same intervals and p-values
TABLE = ("hit@1", "hit@3", "hit@5", "MRR@10", "nDCG@10", "paragraph recall@5", "paragraph nDCG@10")
NO_CATEGORY = "(no category)"


@dataclass(frozen=True)
class Comparison:
    """Set-up a against set-up b on one metric, paired by question."""

    a: str
    b: str
    metric: str
    difference: float  # a's mean minus b's
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def bootstrap_interval(values: list[float]) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the mean of per-question values."""
    data = np.asarray(values, dtype=float)
    if len(data) < 2 or np.all(data == data[0]):
        return (float(data.mean()), float(data.mean())) if len(data) else (0.0, 0.0)
    result = scipy.stats.bootstrap(
        (data,), np.mean, n_resamples=RESAMPLES, confidence_level=0.95, method="percentile", rng=SEED
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def paired_p_value(a: list[float], b: list[float]) -> float:
    """Two-sided paired randomisation test of the mean difference: each question's two values are swapped
    at random (exactly, over every swap, when there are few questions)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) < 2 or not np.any(x != y):  # one question's two values swapped either way: p is 1
        return 1.0
    result = scipy.stats.permutation_test(
        (x, y),
        lambda first, second, axis: np.mean(first - second, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=RESAMPLES,
        alternative="two-sided",
        rng=SEED,
    )
    return float(result.pvalue)


def compare(reports: list[Report]) -> list[Comparison]:
    """Every pair of set-ups on every metric, paired over the answerable questions."""
    comparisons = []
    for first, second in itertools.combinations(reports, 2):
        for metric in first.per_question:
            ids = sorted(first.per_question[metric])
            a = [first.per_question[metric][i] for i in ids]
            b = [second.per_question[metric].get(i, 0.0) for i in ids]
            comparisons.append(Comparison(first.setup, second.setup, metric, mean(a) - mean(b), paired_p_value(a, b)))
    return comparisons


def declining_json(declining: Declining) -> dict[str, Any]:
    return {
        "not_covered": declining.not_covered,
        "declined": declining.declined,
        "declined_correctly": declining.declined_correctly,
        "precision": declining.precision,
        "recall": declining.recall,
    }


def categories_of(report: Report) -> list[str]:
    """The question categories in the file, in order; none when no question has one."""
    found = {o.question.category or NO_CATEGORY for o in report.outcomes}
    return [] if found == {NO_CATEGORY} else sorted(found)


def category_json(report: Report, category: str) -> dict[str, Any]:
    outcomes = [o for o in report.outcomes if (o.question.category or NO_CATEGORY) == category]
    ids = {o.question.id for o in outcomes if o.question.answerable}
    values = {name: [v for i, v in by_id.items() if i in ids] for name, by_id in report.per_question.items()}
    return {
        "questions": len(outcomes),
        "answerable": len(ids),
        "metrics": {name: mean(v) if ids else None for name, v in values.items()},
        "intervals": {name: bootstrap_interval(v) if ids else None for name, v in values.items()},
        "declining": declining_json(report.declining(outcomes)),
    }


def summary(
    reports: list[Report],
    questions_file: Path,
    trec_files: dict[str, tuple[Path, Path]] | None = None,
    answers: list[CategoryFigures] | None = None,
) -> dict[str, Any]:
    """Every figure of the evaluation, as the JSON report holds it; `answers`: what the hybrid's answers did,
    by question category (answered, declined, first sentence from a gold paragraph)."""
    import ir_measures

    trec_files = trec_files or {}
    first = reports[0]
    setups = []
    for report in reports:
        files = trec_files.get(report.setup)
        setups.append(
            {
                "name": report.setup,
                "metrics": report.metrics,
                "intervals": {name: bootstrap_interval(list(v.values())) for name, v in report.per_question.items()},
                "declining": declining_json(report.declining()),
                "categories": {c: category_json(report, c) for c in categories_of(report)},
                "run": str(files[0]) if files else None,
                "qrels": str(files[1]) if files else None,
            }
        )
    return {
        "questions": {
            "file": str(questions_file),
            "count": len(first.outcomes),
            "answerable": len(first.answerable),
            "not_covered": len(first.outcomes) - len(first.answerable),
        },
        "method": {
            "standard_metrics": f"ir_measures {ir_measures.__version__} on the TREC run and qrels: "
            + ", ".join(f"{name} = {measure}" for name, measure in STANDARD.items()),
            "paragraph_metrics": list(PARAGRAPH),
            "intervals": f"95% percentile bootstrap of the mean over answerable questions, {RESAMPLES} resamples",
            "test": f"two-sided paired randomisation test of the mean difference, {RESAMPLES} resamples",
            "alpha": ALPHA,
            "seed": SEED,
            "depth": DEPTH,
        },
        "answers_by_category": [asdict(figures) for figures in answers or []],
        "setups": setups,
        "comparisons": [
            {
                "a": c.a,
                "b": c.b,
                "metric": c.metric,
                "difference": c.difference,
                "p_value": c.p_value,
                "significant": c.significant,
            }
            for c in compare(reports)
        ],
    }


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_figures(data: dict[str, Any]) -> str:
    """A Markdown table: one row per set-up, each figure with its 95% interval, and declining."""
    head = "| retrieval | " + " | ".join(TABLE) + " | declined: precision / recall |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for setup in data["setups"]:
        m, ci, d = setup["metrics"], setup["intervals"], setup["declining"]
        figures = " | ".join(f"{m[n]:.3f} ({ci[n][0]:.2f}–{ci[n][1]:.2f})" for n in TABLE)
        lines.append(f"| {setup['name']} | {figures} | {_share(d['precision'])} / {_share(d['recall'])} |")
    return "\n".join(lines)


def format_comparisons(data: dict[str, Any]) -> str:
    """A Markdown table: for each pair of set-ups, each difference and its p-value, "n.s." where it is not
    significant."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for c in data["comparisons"]:
        mark = "" if c["significant"] else ", n.s."
        cells.setdefault((c["a"], c["b"]), {})[c["metric"]] = f"{c['difference']:+.3f} (p {c['p_value']:.3f}{mark})"
    lines = ["| a − b | " + " | ".join(TABLE) + " |", "|---" * (len(TABLE) + 1) + "|"]
    for (a, b), row in cells.items():
        lines.append(f"| {a} − {b} | " + " | ".join(row[n] for n in TABLE) + " |")
    return "\n".join(lines)


def format_categories(data: dict[str, Any]) -> str:
    """Markdown tables of the figures in each question category, a column per set-up; empty without
    categories."""
    setups = data["setups"]
    categories = setups[0]["categories"]
    if not categories:
        return ""
    head = "| category | questions | answerable | " + " | ".join(s["name"] for s in setups) + " |"
    rule = "|---" * (len(setups) + 3) + "|"
    parts = []
    for name in ("hit@1", "MRR@10", "paragraph recall@5"):
        lines = [f"{name}:\n", head, rule]
        for category, figures in categories.items():
            if figures["answerable"]:
                values = " | ".join(_share(s["categories"][category]["metrics"][name]) for s in setups)
                lines.append(f"| {category} | {figures['questions']} | {figures['answerable']} | {values} |")
        parts.append("\n".join(lines))
    lines = ["declined, precision / recall of 'not covered':\n", head, rule]
    for category, figures in categories.items():
        declining = [s["categories"][category]["declining"] for s in setups]
        if any(d["declined"] or d["not_covered"] for d in declining):
            values = " | ".join(f"{_share(d['precision'])} / {_share(d['recall'])}" for d in declining)
            lines.append(f"| {category} | {figures['questions']} | {figures['answerable']} | {values} |")
    parts.append("\n".join(lines))
    return "\n\n".join(parts)


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


def format_markdown(data: dict[str, Any], reports: list[Report]) -> str:
    """The whole report in Markdown."""
    q = data["questions"]
    parts = [
        f"{q['count']} questions from {q['file']} ({q['answerable']} answerable, {q['not_covered']} not covered)",
        "Figures over the answerable questions, each with its 95% bootstrap interval; hit@k, MRR@10 and nDCG@10 "
        "are ir_measures' on the TREC files, the paragraph figures are credited by gold paragraph "
        "(docs/retrieval.md). Declining: precision and recall of 'not covered'.",
        format_figures(data),
        f"Differences between set-ups, paired by question (randomisation test; n.s.: p >= {ALPHA}, not significant):",
        format_comparisons(data),
    ]
    categories = format_categories(data)
    if categories:
        parts += ["Per question category:", categories]
    parts += ["First relevant passage's rank where some set-up missed at rank 1:", format_misses(reports)]
    wrong = format_abstentions(reports)
    if wrong:
        parts.append(wrong)
    if data.get("answers_by_category"):
        figures = [CategoryFigures(**f) for f in data["answers_by_category"]]
        parts += ["The hybrid's answers by question category:", format_answer_figures(figures)]
    return "\n\n".join(parts) + "\n"


def plot_hit_at_k(data: dict[str, Any], path: Path) -> None:
    """hit@k for k = 1..10, one line per set-up."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    ks = list(HIT_DEPTHS)
    for setup in data["setups"]:
        axes.plot(ks, [setup["metrics"][f"hit@{k}"] for k in ks], marker="o", label=setup["name"])
    axes.set(xlabel="k", ylabel="hit@k", xticks=ks, ylim=(0, 1.02), title="Share of questions with a relevant passage")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_categories(data: dict[str, Any], path: Path) -> None:
    """Bars per set-up: hit@1 in each category with answerable questions, and the share of 'not covered'
    questions declined in each category that has them."""
    plt = _pyplot()
    setups = data["setups"]
    categories = setups[0]["categories"]
    panels = [
        ("hit@1", [c for c, f in categories.items() if f["answerable"]], lambda f: f["metrics"]["hit@1"]),
        (
            "declined, of not covered",
            [c for c, f in categories.items() if f["declining"]["not_covered"]],
            lambda f: f["declining"]["recall"],
        ),
    ]
    panels = [panel for panel in panels if panel[1]]
    widths = [len(names) for _, names, _ in panels]
    figure, axes = plt.subplots(
        1, len(panels), figsize=(max(7, 0.9 * sum(widths) + 2), 5), squeeze=False, width_ratios=widths
    )
    width = 0.8 / len(setups)
    for axis, (title, names, value) in zip(axes[0], panels, strict=True):
        for n, setup in enumerate(setups):
            heights = [value(setup["categories"][c]) or 0.0 for c in names]
            axis.bar([i + n * width for i in range(len(names))], heights, width, label=setup["name"])
        axis.set_xticks([i + width * (len(setups) - 1) / 2 for i in range(len(names))], names, rotation=30, ha="right")
        axis.set(ylim=(0, 1.05), title=title)
        axis.grid(axis="y", alpha=0.3)
    figure.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center", ncols=2, fontsize="small")
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server or in CI
    import matplotlib.pyplot as plt

    return plt


def write_report(
    reports: list[Report], questions_file: Path, folder: Path, answers: list[CategoryFigures] | None = None
) -> dict[str, Any]:
    """Write report.md, report.json, the TREC files (trec/) and the plots into folder; return the summary."""
    folder.mkdir(parents=True, exist_ok=True)
    trec_files = {report.setup: write_trec(report, folder / "trec") for report in reports}
    data = summary(reports, questions_file, trec_files, answers)
    (folder / "report.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(format_markdown(data, reports), encoding="utf-8")
    plot_hit_at_k(data, folder / "hit_at_k.png")
    if data["setups"][0]["categories"]:
        plot_categories(data, folder / "categories.png")
    return data
