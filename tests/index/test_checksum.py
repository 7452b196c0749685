from hashlib import sha256
from pathlib import Path

from matrixqa.index.checksum import checksum_matches, file_checksum


def test_a_file_matches_its_own_checksum_and_no_other(tmp_path: Path):
    path = tmp_path / "vectors.npy"
    path.write_bytes(b"some vectors")
    recorded = file_checksum(path)
    assert recorded.startswith("xxh3_128:") and checksum_matches(path, recorded)
    path.write_bytes(b"some vectorz")
    assert not checksum_matches(path, recorded)


def test_a_missing_file_a_checksum_of_another_kind_or_none_does_not_match(tmp_path: Path):
    path = tmp_path / "vectors.npy"
    path.write_bytes(b"some vectors")
    assert not checksum_matches(path, sha256(b"some vectors").hexdigest())
    assert not checksum_matches(path, None)
    assert not checksum_matches(tmp_path / "missing.npy", file_checksum(path))
