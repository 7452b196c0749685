from pathlib import Path

import pytest

from matrixqa import evalreport, evaluate
from matrixqa.evalreport import bootstrap_interval, compare, paired_p_value
from matrixqa.evaluate import GoldQuestion, Outcome, Report


def test_paired_test_swaps_within_pairs_exactly_for_few_questions():
    # Five questions, a right on each, b on none: of the 2**5 swaps only "none" and "all" are as extreme.
    assert paired_p_value([1.0] * 5, [0.0] * 5) == pytest.approx(2 / 32)
    assert paired_p_value([1.0, 0.0, 1.0], [1.0, 0.0, 1.0]) == 1.0
    assert paired_p_value([1.0], [0.0]) == 1.0


def test_paired_test_tells_a_real_difference_from_noise():
    better, worse = [1.0] * 20 + [0.0] * 4, [0.0] * 20 + [1.0] * 4
    assert paired_p_value(better, worse) < 0.01
    one_question = [1.0] * 23 + [0.0], [1.0] * 24
    assert paired_p_value(*one_question) > 0.5
    assert paired_p_value(better, worse) == paired_p_value(better, worse)  # seeded: a report is reproducible


def test_bootstrap_interval_holds_the_mean_and_narrows_with_more_questions():
    few = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.25]
    low, high = bootstrap_interval(few)
    assert 0.0 <= low < sum(few) / len(few) < high <= 1.0
    many_low, many_high = bootstrap_interval(few * 10)
    assert many_high - many_low < high - low
    assert bootstrap_interval([1.0] * 6) == (1.0, 1.0)
    assert bootstrap_interval(few) == (low, high)


def report(name: str, hits: dict[str, float], abstained: set[str] = frozenset()) -> Report:
    """A report with only what the comparison reads: outcomes and per-question hit@1."""
    questions = [GoldQuestion(i, i, ("gold",), "typo" if i < "q3" else None) for i in hits]
    questions.append(GoldQuestion("out", "out", (), "out-of-scope-near"))
    outcomes = [Outcome(q, [], [], q.id in abstained) for q in questions]
    per_question = {"hit@1": hits, **{name: dict(hits) for name in evalreport.TABLE if name != "hit@1"}}
    return Report(name, outcomes, {}, {}, {m: sum(v.values()) / len(v) for m, v in per_question.items()}, per_question)


def test_every_pair_compared_on_every_metric_paired_by_question():
    a = report("a", {"q1": 1.0, "q2": 1.0, "q3": 1.0, "q4": 1.0})
    b = report("b", {"q1": 0.0, "q2": 1.0, "q3": 1.0, "q4": 1.0})
    c = report("c", {"q1": 1.0, "q2": 1.0, "q3": 1.0, "q4": 1.0})
    comparisons = compare([a, b, c])
    assert {(x.a, x.b) for x in comparisons} == {("a", "b"), ("a", "c"), ("b", "c")}
    assert len(comparisons) == 3 * len(evalreport.TABLE)
    by_pair = {(x.a, x.b, x.metric): x for x in comparisons}
    assert by_pair["a", "b", "hit@1"].difference == pytest.approx(0.25)
    assert by_pair["a", "c", "hit@1"].p_value == 1.0 and not by_pair["a", "c", "hit@1"].significant


def test_summary_has_categories_declining_and_marks_what_is_not_significant(tmp_path: Path):
    a = report("a", {"q1": 1.0, "q2": 1.0, "q3": 0.0, "q4": 1.0}, abstained={"out", "q4"})
    b = report("b", {"q1": 0.0, "q2": 1.0, "q3": 0.0, "q4": 1.0})
    data = evalreport.summary([a, b], tmp_path / "q.jsonl")
    first = data["setups"][0]
    assert first["declining"] == {
        "not_covered": 1,
        "declined": 2,
        "declined_correctly": 1,
        "precision": 0.5,
        "recall": 1.0,
    }
    assert set(first["categories"]) == {"typo", "out-of-scope-near", evalreport.NO_CATEGORY}
    assert first["categories"]["typo"]["metrics"]["hit@1"] == 1.0  # q1 and q2
    assert first["categories"]["typo"]["intervals"]["hit@1"] == (1.0, 1.0)
    assert first["categories"]["(no category)"]["intervals"]["hit@1"] == (0.0, 1.0)  # q3 missed, q4 hit
    assert first["categories"]["out-of-scope-near"]["intervals"]["hit@1"] is None
    assert first["categories"]["out-of-scope-near"]["metrics"]["hit@1"] is None
    assert first["categories"]["out-of-scope-near"]["declining"]["recall"] == 1.0
    assert data["setups"][1]["declining"]["precision"] is None  # b declined nothing
    assert [(c["a"], c["b"], c["metric"]) for c in data["comparisons"]][0] == ("a", "b", "hit@1")
    markdown = evalreport.format_comparisons(data)
    assert "| a − b | +0.250 (p 1.000, n.s.) |" in markdown
    categories = evalreport.format_categories(data)
    assert "| typo | 2 | 2 | 1.000 | 0.500 |" in categories  # hit@1 of a, then of b
    assert "| out-of-scope-near | 1 | 0 | 1.000 / 1.000 | - / 0.000 |" in categories


def test_markdown_table_gives_each_figure_with_its_interval(tmp_path: Path):
    a = report("a", {"q1": 1.0, "q2": 0.0, "q3": 1.0, "q4": 1.0})
    data = evalreport.summary([a], tmp_path / "q.jsonl")
    low, high = data["setups"][0]["intervals"]["hit@1"]
    assert f"| a | 0.750 ({low:.2f}–{high:.2f}) |" in evalreport.format_figures(data)


def test_the_figures_compared_are_the_report_figures():
    assert set(evalreport.TABLE) <= set(evaluate.STANDARD) | set(evaluate.PARAGRAPH)
