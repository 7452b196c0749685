"""matrixqa: answers practitioners' questions from the Effectiveness Bank treatment matrices."""

__version__ = "0.1.0"
