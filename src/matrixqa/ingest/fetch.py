"""Fetch cell pages by address, politely: one request at a time, a pause between them, and a cache.

A page fetched once is kept in the cache folder under its address (tracking parameters removed),
so adding the same address again reads the cache; `refresh` fetches it again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from matrixqa.errors import FetchError
from matrixqa.ingest.html import decode_page

USER_AGENT = (
    f"matrixqa/{version('matrixqa')} (adds Effectiveness Bank matrix cell pages to a local question-answering corpus; "
    "one page at a time)"
)
# The site names its file with `file=` or the short `f=`; `s=`, `sf=` and the like only track the visit.
_PAGE_PARAMETERS = {"file": "file", "f": "file", "format": "format"}


@dataclass(frozen=True)
class Fetched:
    """A page's text, the address it was asked for (without tracking) and whether it came from the cache."""

    url: str
    text: str
    from_cache: bool


def page_address(url: str, keep_view: bool = True) -> str:
    """The address without the parameters that only track a visit, `f=` written as `file=`.

    Without keep_view, `format=open` (the cell with its commentary unfolded) goes too: the cell's own address.
    """
    parts = urlsplit(url.strip())
    query = [
        (_PAGE_PARAMETERS[k], v)
        for k, v in parse_qsl(parts.query)
        if k in _PAGE_PARAMETERS and (keep_view or _PAGE_PARAMETERS[k] != "format")
    ]
    if not query:  # not an address of the site's pattern: keep it as it was given
        return urlunsplit(parts._replace(fragment=""))
    return urlunsplit(parts._replace(query=urlencode(query, safe="/"), fragment=""))


class Fetcher:
    """Fetch pages one at a time, waiting `pause` seconds between requests, keeping each in `cache_dir`."""

    def __init__(
        self,
        cache_dir: Path,
        pause: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache_dir = cache_dir
        self.pause = pause
        self.clock = clock
        self.sleep = sleep
        self.client = httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True)
        self.last_request: float | None = None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fetch(self, url: str, refresh: bool = False) -> Fetched:
        """The page at url, from the cache unless refresh; FetchError in one line if it cannot be had."""
        address = page_address(url)
        if not address.startswith(("http://", "https://")):
            raise FetchError(f"{url} is not an http(s) address")
        cached = self._cache_file(address)
        if cached.exists() and not refresh:
            return Fetched(address, json.loads(cached.read_text(encoding="utf-8"))["text"], True)
        self._wait()
        try:
            response = self.client.get(address)
        except httpx.TimeoutException:
            raise FetchError(f"{address} did not answer within {self.client.timeout.read} s") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{address} could not be fetched ({type(error).__name__}: {error})") from None
        finally:
            self.last_request = self.clock()
        if response.status_code != 200:
            raise FetchError(f"{address} answered HTTP {response.status_code} {response.reason_phrase}".rstrip())
        text = decode_page(response.content, response.charset_encoding)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"url": address, "text": text}, ensure_ascii=False), encoding="utf-8")
        return Fetched(address, text, False)

    def _wait(self) -> None:
        if self.last_request is not None:
            remaining = self.last_request + self.pause - self.clock()
            if remaining > 0:
                self.sleep(remaining)

    def _cache_file(self, address: str) -> Path:
        return self.cache_dir / f"{hashlib.sha256(address.encode()).hexdigest()[:24]}.json"
