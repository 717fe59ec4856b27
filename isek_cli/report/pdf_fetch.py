"""What WeasyPrint may read while printing a report: files inside the template folders, nothing else.

A template can name resources (stylesheets, images, fonts, ``<link rel="attachment">``, which
embeds a file in the PDF). WeasyPrint's own fetcher would read any file:// path and any http(s)
URL; this one reads only regular files whose real path (links resolved) lies in an allowed
folder, and ``data:`` URLs (they hold their content). Everything it refuses is recorded, so the
report fails with the name instead of quietly missing a picture.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname


def allowed_file(url: str, folders: list[str]) -> str | None:
    """The local path of a file:// URL whose real path is a regular file inside ``folders``."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    real = os.path.realpath(url2pathname(parts.path))
    if not any(os.path.commonpath([real, f]) == f for f in folders):
        return None
    try:
        return real if stat.S_ISREG(os.stat(real).st_mode) else None
    except OSError:
        return None


def confined_fetcher(folders: list[Path]):
    """(fetcher for WeasyPrint's ``url_fetcher``, list that collects refused URLs)."""
    real = [os.path.realpath(f) for f in folders]
    refused: list[str] = []

    def check(url: str) -> None:
        if url.startswith("data:"):
            return
        if allowed_file(url, real) is None:
            refused.append(url)
            raise ValueError(f"isek does not read {url} for a PDF")

    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 66: a function that returns a dict
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args, **kwargs):
            check(url)
            return default_url_fetcher(url, *args, **kwargs)

        return fetch, refused

    class Confined(URLFetcher):
        def fetch(self, url, headers=None):
            check(url)
            return super().fetch(url, headers)

    return Confined(allowed_protocols={"file", "data"}), refused
