"""`isek serve`: the site (``report/site.py``) on a local port, rebuilt when the plan or a template
changes, with the open page reloading itself (like ``mkdocs serve``).

Standard library only: a thread polls the modification times of the plan folder and the template
folders; the pages it serves carry a small script, added here and never to the built site, that
asks ``/__isek/version`` twice a second and reloads when the build changed. A plan with errors is
not fatal: every page then shows ``check``'s diagnostics (escaped: plan text is untrusted) until
the next save fixes it.
"""

from __future__ import annotations

import html
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import IsekError
from ..resources import templates_dir

VERSION_PATH = "/__isek/version"
POLL_SECONDS = 0.25
MAX_WATCHED = 20000  # files; a plan folder with more is not a plan folder
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
         ".woff2": "font/woff2", ".css": "text/css", ".svg": "image/svg+xml"}
RELOAD = """<script>/* isek serve: reload when the plan changes (not part of the built site) */
(function () {{
  var version = "{version}";
  setInterval(function () {{
    fetch("{path}", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
      .then(function (v) {{ if (v !== version) location.reload(); }}, function () {{}});
  }}, 500);
}})();
</script>"""


class Preview:
    """The site as it is now: rebuilt when a watched file changes, or the diagnostics that stop it."""

    def __init__(self, root: Path, lang: str | None = None, templates: Path | None = None) -> None:
        self.root = Path(root)
        self.lang = lang
        self.templates = Path(templates) if templates else None
        self.lock = threading.Lock()
        self.version = 0
        self.files: dict[str, bytes] = {}
        self.problem: str | None = None  # HTML of the diagnostics page, when the plan cannot be shown
        self._stamp: tuple = ()

    def watched(self) -> list[Path]:
        folders = [self.root, templates_dir()] + ([self.templates] if self.templates else [])
        out: list[Path] = []
        for folder in folders:
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))  # .git, .schema
                out += [Path(dirpath) / n for n in sorted(filenames) if not n.startswith(".")]
                if len(out) > MAX_WATCHED:
                    return out
        return out

    def stamp(self) -> tuple:
        parts = []
        for path in self.watched():
            try:
                st = path.stat()
            except OSError:
                continue
            parts.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(parts)

    def refresh(self) -> bool:
        """Rebuild if anything watched changed; whether it did."""
        from .render import environment

        stamp = self.stamp()
        if stamp == self._stamp:
            return False
        root = str(self.root) + os.sep
        if [p for p in stamp if not p[0].startswith(root)] != [p for p in self._stamp if not p[0].startswith(root)]:
            environment.cache_clear()  # a template appeared or went: recompile (an edit Jinja notices itself)
        files, problem = self._build()
        with self.lock:
            self._stamp = stamp
            self.files, self.problem = files, problem
            self.version += 1
        return True

    def _build(self) -> tuple[dict[str, bytes], str | None]:
        from ..plan.loader import load_plan
        from .site import build_site

        try:
            loaded = load_plan(self.root)
            errors = [d for d in loaded.diagnostics if d.severity == "error"]
            if errors:
                return {}, diagnostics_page(self.root, loaded.diagnostics)
            return build_site(loaded.plan, self.lang or loaded.plan.meta.language, self.templates), None
        except IsekError as exc:  # a template that does not render, a plan folder that went away
            return {}, diagnostics_page(self.root, getattr(exc, "diagnostics", []) or [], str(exc))

    def page(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path; HTML gets the reload script."""
        with self.lock:
            version, files, problem = self.version, self.files, self.problem
        rel = path.split("?", 1)[0].split("#", 1)[0].lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        if problem is not None and (rel.endswith(".html")):
            return HTTPStatus.OK, TYPES[".html"], _inject(problem, version)
        body = files.get(rel)
        if body is None:
            return HTTPStatus.NOT_FOUND, TYPES[".html"], _inject(
                f"<!doctype html><title>404</title><p>{html.escape(rel)}: not part of the site. "
                f"<a href='/index.html'>index.html</a></p>", version)
        kind = TYPES.get(Path(rel).suffix, "application/octet-stream")
        if rel.endswith(".html"):
            return HTTPStatus.OK, kind, _inject(body.decode("utf-8"), version)
        return HTTPStatus.OK, kind, body


def _inject(page: str, version: int) -> bytes:
    script = RELOAD.format(version=version, path=VERSION_PATH)
    at = page.rfind("</body>")
    page = page[:at] + script + page[at:] if at >= 0 else page + script
    return page.encode("utf-8")


def diagnostics_page(root: Path, diagnostics, message: str = "") -> str:
    """What `isek check` says, as a page: every line escaped."""
    rows = []
    for d in diagnostics:
        hint = f"\n  hint: {d.hint}" if d.hint else ""
        rows.append(f'<li class="{html.escape(d.severity)}"><code>{html.escape(d.where)}</code>: '
                    f"{html.escape(d.severity)}[{html.escape(d.code)}]: {html.escape(d.message)}"
                    f"{html.escape(hint)}</li>")
    errors = sum(d.severity == "error" for d in diagnostics)
    title = f"{html.escape(str(root))}: {errors} error(s)" if diagnostics else html.escape(message or "error")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>isek serve: the plan has errors</title>"
            "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;max-width:70rem}"
            "li{white-space:pre-wrap;margin:.5rem 0}.error{color:#a00}.warning{color:#850}</style></head>"
            f'<body><h1 id="isek-diagnostics">{title}</h1>'
            f"<p>{html.escape(message)}</p><ul>{''.join(rows)}</ul>"
            "<p>Save a fix and this page reloads.</p></body></html>")


def make_server(preview: Preview, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == VERSION_PATH:
                status, kind, body = HTTPStatus.OK, "text/plain", str(preview.version).encode()
            elif path == "/favicon.ico":  # browsers ask; the site has none
                status, kind, body = HTTPStatus.NO_CONTENT, "image/x-icon", b""
            else:
                status, kind, body = preview.page(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows rebuilds only
            pass

    return ThreadingHTTPServer((host, port), Handler)


def watch(preview: Preview, stop: threading.Event, on_change=None) -> None:
    """Poll until ``stop`` is set; ``on_change(preview)`` after each rebuild."""
    while not stop.wait(POLL_SECONDS):
        if preview.refresh() and on_change is not None:
            on_change(preview)
