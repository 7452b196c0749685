import re

import pytest

from matrixqa.errors import MatrixQAError
from matrixqa.settings import PROJECT_ROOT, SETTINGS, load_config


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(MATRIXQA_[A-Z_]+)` \|", readme, re.M))
    assert documented == {s.name for s in SETTINGS}


def test_environment_overrides_defaults():
    config = load_config(env={"MATRIXQA_CORPUS_DIR": "/tmp/c", "MATRIXQA_PORT": "8080"})
    assert str(config.corpus_dir) == "/tmp/c" and config.port == 8080
    assert str(config.index_dir) == "embeddings"


def test_bad_number_says_which_setting():
    with pytest.raises(MatrixQAError, match="MATRIXQA_PORT"):
        load_config(env={"MATRIXQA_PORT": "eighty"})
