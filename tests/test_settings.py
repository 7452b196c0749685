import re
from pathlib import Path

import pytest

from matrixqa.errors import MatrixQAError
from matrixqa.settings import PROJECT_ROOT, SETTINGS, Config, load_config


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(MATRIXQA_[A-Z_]+)` \|", readme, re.M))
    assert documented == {s.name for s in SETTINGS}


def test_environment_overrides_defaults_and_overrides_win(monkeypatch):
    monkeypatch.setenv("MATRIXQA_CORPUS_DIR", "/tmp/c")
    monkeypatch.setenv("MATRIXQA_PORT", " 8080 ")
    monkeypatch.setenv("MATRIXQA_LOG", "OFF")
    monkeypatch.setenv("MATRIXQA_VOCABULARY", "")  # empty: the default
    config = load_config()
    assert config.corpus_dir == Path("/tmp/c") and config.port == 8080 and config.log_enabled is False
    assert config.index_dir == Path("embeddings") and config.vocabulary is None
    assert load_config(port=9000, corpus_dir=None).port == 9000  # None: not given
    assert load_config(port=9000).corpus_dir == Path("/tmp/c")


def test_each_documented_variable_is_the_one_read(monkeypatch):
    defaults = load_config()
    values = {
        "MATRIXQA_LOG": "off",
        "MATRIXQA_RATE_LIMIT": "5/minute",
        "MATRIXQA_HOST": "0.0.0.0",
        "MATRIXQA_BACKEND": "torch",
    }
    for setting in SETTINGS:
        assert setting.help
        monkeypatch.setenv(setting.name, values.get(setting.name, "7"))
    changed = load_config()
    assert all(getattr(changed, name) != getattr(defaults, name) for name in Config.model_fields)


@pytest.mark.parametrize(
    "variable, value, fragment",
    [
        ("MATRIXQA_PORT", "eighty", "valid integer"),
        ("MATRIXQA_PORT", "0", "greater than or equal to 1"),
        ("MATRIXQA_PORT", "70000", "less than or equal to 65535"),
        ("MATRIXQA_THREADS", "0", "greater than or equal to 1"),
        ("MATRIXQA_LOG_KEEP_DAYS", "-3", "greater than or equal to 0"),
        ("MATRIXQA_TRUSTED_PROXIES", "-1", "greater than or equal to 0"),
        ("MATRIXQA_ANN_THRESHOLD", "many", "valid integer"),
        ("MATRIXQA_LOG", "sometimes", "on or off"),
    ],
)
def test_a_bad_value_in_the_environment_names_the_setting(monkeypatch, variable, value, fragment):
    monkeypatch.setenv(variable, value)
    with pytest.raises(MatrixQAError, match=f"^{variable}: .*{fragment}.*, not '{value}'$"):
        load_config()


@pytest.mark.parametrize(
    "override, fragment",
    [
        ({"port": "eighty"}, "MATRIXQA_PORT: input should be a valid integer"),
        ({"log_keep_days": -1}, "MATRIXQA_LOG_KEEP_DAYS: input should be greater than or equal to 0"),
        ({"reload_seconds": -0.5}, "MATRIXQA_RELOAD_SECONDS"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_overrides_are_checked_too(override, fragment):
    with pytest.raises(MatrixQAError, match=fragment):
        load_config(**override)


def test_eval_questions_default_to_the_shared_dev_set_when_present_else_the_projects_own(monkeypatch, tmp_path):
    from matrixqa import settings

    present = tmp_path / "dev_questions.jsonl"
    present.write_text("")
    monkeypatch.setattr(settings, "SHARED_DEV_QUESTIONS", present)
    assert load_config().eval_questions == present
    monkeypatch.setattr(settings, "SHARED_DEV_QUESTIONS", tmp_path / "absent.jsonl")
    own = load_config().eval_questions
    assert own == PROJECT_ROOT / "eval" / "more_questions.jsonl" and own.exists()
