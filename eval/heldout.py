"""Which question files in eval/ are held out: measured once, at the end of a piece of work (each script's `--final`),
their failures never printed. Once measured, a held-out file is spent: take it out of HELD_OUT, and the scripts read
it like the tune files (eval/README.md). The one declaration that sweep.py, asks_for.py and many_cells.py read."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
# None now: the thirty-third round's (practitioner_final36, asks_for_final32, many_cells_final33 and its
# alternatives, second_cells_final27) were measured once on 8 December 2026 at 4d3e66f; the thirty-second round's at
# fd7c33a.
HELD_OUT: frozenset[str] = frozenset()


def held_out(path: Path) -> bool:
    return path.name in HELD_OUT


def finals(prefix: str) -> tuple[list[Path], list[Path]]:
    """The `<prefix>_final*.jsonl` files of eval/: (spent, held out)."""
    found = sorted(HERE.glob(f"{prefix}_final*.jsonl"))
    return [p for p in found if not held_out(p)], [p for p in found if held_out(p)]
