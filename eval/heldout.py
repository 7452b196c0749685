"""Which question files in eval/ are held out: measured once, at the end of a piece of work (each script's `--final`),
their failures never printed. Once measured, a held-out file is spent: take it out of HELD_OUT, and the scripts read
it like the tune files (eval/README.md). The one declaration that sweep.py, asks_for.py and many_cells.py read."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
# None now: the thirtieth round's (practitioner_final33, asks_for_final29, many_cells_final30 and its alternatives,
# second_cells_final24) were measured once on 7 December 2026 at 4153859; the twenty-ninth round's at ce485f1.
HELD_OUT: frozenset[str] = frozenset()


def held_out(path: Path) -> bool:
    return path.name in HELD_OUT


def finals(prefix: str) -> tuple[list[Path], list[Path]]:
    """The `<prefix>_final*.jsonl` files of eval/: (spent, held out)."""
    found = sorted(HERE.glob(f"{prefix}_final*.jsonl"))
    return [p for p in found if not held_out(p)], [p for p in found if held_out(p)]
