"""Which question files in eval/ are held out: measured once, at the end of a piece of work (each script's `--final`),
their failures never printed. Once measured, a held-out file is spent: take it out of HELD_OUT, and the scripts read
it like the tune files (eval/README.md). The one declaration that sweep.py, asks_for.py and many_cells.py read."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
# None now: the thirty-second round's (practitioner_final35, asks_for_final31, many_cells_final32 and its
# alternatives, second_cells_final26) were measured once on 7 December 2026 at fd7c33a; the thirty-first round's at
# b9ca777.
HELD_OUT: frozenset[str] = frozenset()


def held_out(path: Path) -> bool:
    return path.name in HELD_OUT


def finals(prefix: str) -> tuple[list[Path], list[Path]]:
    """The `<prefix>_final*.jsonl` files of eval/: (spent, held out)."""
    found = sorted(HERE.glob(f"{prefix}_final*.jsonl"))
    return [p for p in found if not held_out(p)], [p for p in found if held_out(p)]
