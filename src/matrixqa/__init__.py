"""matrixqa: answers practitioners' questions from the Effectiveness Bank treatment matrices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from matrixqa.server.app import create_app

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    # `from matrixqa import create_app` (and `flask --app matrixqa`) without making `import matrixqa` load Flask.
    if name == "create_app":
        from matrixqa.server.app import create_app

        return create_app
    raise AttributeError(f"module 'matrixqa' has no attribute {name!r}")
