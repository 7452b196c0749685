"""The evaluation scripts' promise about held-out questions: counted, never named."""

from __future__ import annotations

import sys

from matrixqa.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "eval"))
try:
    import mutants_vs_answers
finally:
    sys.path.remove(str(PROJECT_ROOT / "eval"))


def test_a_mutants_report_names_no_held_out_question_but_counts_it():
    keys = ["tune.jsonl:t1", "final.jsonl:f1", "tune.jsonl:t2", "final.jsonl:f2"]
    assert mutants_vs_answers.named(keys, {"final.jsonl"}) == ["tune.jsonl:t1", "tune.jsonl:t2"]
    assert mutants_vs_answers.shown(keys, {"final.jsonl"}) == "tune.jsonl:t1, tune.jsonl:t2 (+2 held out)"
    line = mutants_vs_answers.record("x_f__mutmut_1", "survived", keys, keys[1:], "", {"final.jsonl"})
    assert line["answers"] == ["tune.jsonl:t1", "tune.jsonl:t2"] and line["held_out_answers"] == 2
    assert line["retrieval"] == ["tune.jsonl:t2"]
