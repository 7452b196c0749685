"""Domain errors, raised inside the pipeline and translated once at the CLI or HTTP edge."""

from __future__ import annotations


class MatrixQAError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class CorpusError(MatrixQAError):
    """The corpus folder is missing, empty or holds no cell that can be parsed."""


class ParseError(MatrixQAError):
    """A cell page does not follow the matrix cell template."""


class IndexUnusable(MatrixQAError):
    """The index is missing, stale, corrupted or built with another model."""


class ModelError(MatrixQAError):
    """The embedding model cannot be loaded from local files."""


class ServeError(MatrixQAError):
    """The server cannot listen on the address and port it was given."""


class BadRequest(MatrixQAError):
    """The caller sent something that cannot be answered as it stands."""


class NotFound(MatrixQAError):
    """The caller asked for something, such as a passage id, that the index does not hold."""


class UnknownAnswer(NotFound):
    """Feedback names an answer id the question log has never recorded."""


class LogUnavailable(MatrixQAError):
    """The question log is switched off or its file cannot be read."""


class VocabularyError(MatrixQAError):
    """The vocabulary file cannot be read or a line of it is malformed."""


class EvaluationError(MatrixQAError):
    """A question file cannot be read, or names gold paragraphs the corpus does not hold."""


class FetchError(MatrixQAError):
    """A page could not be fetched: the network failed, or the site answered with an error."""


class NotACellPage(MatrixQAError):
    """A page offered to `add` is not a matrix cell page; nothing was stored."""
