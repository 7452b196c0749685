"""Checksums against damage to the files an index or a model export is made of, as their manifests record them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import xxhash

CHECKSUM = "xxh3_128:"  # against damage, not tampering: a fast hash, checked at every load


def file_checksum(path: Path) -> str:
    """The checksum manifests record for a file: "xxh3_128:<hex>"."""
    return CHECKSUM + _digest(path, xxhash.xxh3_128())


def checksum_matches(path: Path, expected: object) -> bool:
    """Whether a file exists and has the checksum a manifest records: an xxh3-128 one, or a bare SHA-256 (what
    indexes and model exports written before recorded)."""
    if not isinstance(expected, str) or not path.is_file():
        return False
    if expected.startswith(CHECKSUM):
        return file_checksum(path) == expected
    return _digest(path, hashlib.sha256()) == expected


def _digest(path: Path, digest: Any) -> str:
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):  # a megabyte at a time
            digest.update(block)
    return digest.hexdigest()
