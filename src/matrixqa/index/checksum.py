"""Checksums against damage to the files an index or a model export is made of, as their manifests record them."""

from __future__ import annotations

from pathlib import Path

import xxhash

CHECKSUM = "xxh3_128:"  # against damage, not tampering: a fast hash, checked at every load


def file_checksum(path: Path) -> str:
    """The checksum manifests record for a file: "xxh3_128:<hex>"."""
    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):  # a megabyte at a time
            digest.update(block)
    return CHECKSUM + digest.hexdigest()


def checksum_matches(path: Path, expected: object) -> bool:
    """Whether a file exists and has the checksum a manifest records."""
    return isinstance(expected, str) and path.is_file() and file_checksum(path) == expected
