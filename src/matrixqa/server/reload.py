"""Serve a rebuilt index without a restart: notice a new manifest, load it aside, then swap it in whole."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from matrixqa.answer.compose import Answerer
from matrixqa.errors import MatrixQAError

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None


def file_stamp(path: Path) -> Stamp:
    """Cheap identity of a file's current version: a rebuild swaps in a new folder, so a new inode."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


class LiveAnswerer:
    """The answerer requests use (an index with its retriever and suggestions), replaced as a whole when
    `matrixqa build` writes a new index.

    A request takes `current()` once and uses that answerer throughout, so it never mixes two
    indexes. At most every `interval` seconds a request stats the manifest; when it has changed,
    a background thread loads the new index with the same embedder (the model is never loaded
    twice) and swaps the reference. Requests go on being answered from the old index meanwhile,
    and if the new one cannot be loaded, the old one stays in service.
    """

    def __init__(self, load: Callable[[], Answerer], manifest: Path | None = None, interval: float = 0) -> None:
        """Load the index now; watch the manifest for a new build when an interval is given."""
        self._load = load
        self._manifest = manifest
        self._interval = interval
        self._stamp = file_stamp(manifest) if manifest else None  # before loading, so no build is missed
        self._answerer = load()
        self._lock = threading.Lock()
        self._next_check = time.monotonic() + interval
        self._loader: threading.Thread | None = None

    @classmethod
    def fixed(cls, answerer: Answerer) -> LiveAnswerer:
        """An answerer that is never reloaded (one handed in by a test or a caller)."""
        return cls(lambda: answerer)

    @property
    def watching(self) -> bool:
        return self._manifest is not None and self._interval > 0

    def current(self) -> Answerer:
        """The answerer to answer this request with; may start a reload in the background."""
        if self.watching and time.monotonic() >= self._next_check:
            self._check()
        return self._answerer

    def _check(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another request is checking
        try:
            if time.monotonic() < self._next_check or (self._loader and self._loader.is_alive()):
                return
            self._next_check = time.monotonic() + self._interval
            stamp = file_stamp(self._manifest)  # type: ignore[arg-type]
            if stamp is None or stamp == self._stamp:
                return  # unchanged, or a build is between its two renames
            self._loader = threading.Thread(target=self._reload, args=(stamp,), name="index-reload", daemon=True)
            self._loader.start()
        finally:
            self._lock.release()

    def _reload(self, stamp: Stamp) -> None:
        try:
            answerer = self._load()
        except MatrixQAError as error:
            log.warning("a new index was written but cannot be used; still serving the previous one: %s", error)
        else:
            self._answerer = answerer  # one reference assignment: each request sees the old or the new
            log.info("reloaded the index: %s passages", len(answerer.retriever.index.passages))
        self._stamp = stamp  # tried: wait for the next change rather than reload a broken index forever
