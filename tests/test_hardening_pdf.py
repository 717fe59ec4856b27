"""The PDF renderer reads nothing it should not (issue 16): WeasyPrint fetches only resources that
ship with isek or lie inside the template folder; file:// elsewhere, http(s) and links that lead out
of the template folder are refused, with an error that names them."""

from __future__ import annotations

import http.server
import threading
import zlib
import re
from pathlib import Path

import pytest

from conftest import run

pytest.importorskip("weasyprint")

SECRET = "isek-secret-4711"


@pytest.fixture
def server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def pdf_text(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (attachments are compressed streams)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[m.end():m.end() + 2_000_000]))
        except zlib.error:
            pass
    return b"".join(out)


def template(tmp_path: Path, body: str) -> Path:
    tpl = tmp_path / "tpl"
    tpl.mkdir(exist_ok=True)
    (tpl / "report.html.j2").write_text(f"<!DOCTYPE html><html><head><meta charset=utf-8>{body}</head>"
                                        "<body><h1>{{ plan.city }}</h1></body></html>", encoding="utf-8")
    return tpl


@pytest.mark.parametrize("kind", ["attachment", "img", "css", "font"])
def test_files_outside_the_template_folder_are_not_read(mini, tmp_path, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    url = secret.as_uri()
    body = {"attachment": f'<link rel="attachment" href="{url}">',
            "img": f'</head><body><img src="{url}"></body><head>',
            "css": f'<link rel="stylesheet" href="{url}">',
            "font": f'<style>@font-face {{ font-family: x; src: url("{url}") }} h1 {{ font-family: x }}</style>'}[kind]
    out = tmp_path / "r.pdf"
    r = run("report", "2024", "--format", "pdf", "--templates", template(tmp_path, body), "-o", out, plan=mini)
    assert r.exit_code == 1, r
    assert "secret.txt" in r.stderr and "internal error" not in r.stderr
    assert not out.exists()


def test_no_network(mini, tmp_path, server):
    base, hits = server
    body = f'<link rel="stylesheet" href="{base}/x.css"><link rel="attachment" href="{base}/a.txt">'
    r = run("report", "2024", "--format", "pdf", "--templates", template(tmp_path, body), "-o", tmp_path / "r.pdf",
            plan=mini)
    assert hits == []
    assert r.exit_code == 1 and base in r.stderr, r


def test_a_link_inside_the_template_folder_that_leads_out_is_refused(mini, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    tpl = template(tmp_path, '<link rel="attachment" href="notes.txt">')
    (tpl / "notes.txt").symlink_to(secret)
    r = run("report", "2024", "--format", "pdf", "--templates", tpl, "-o", tmp_path / "r.pdf", plan=mini)
    assert r.exit_code == 1 and "notes.txt" in r.stderr, r


def test_files_inside_the_template_folder_are_used(mini, tmp_path):
    tpl = template(tmp_path, '<link rel="stylesheet" href="extra.css"><link rel="attachment" href="data.txt">')
    (tpl / "extra.css").write_text("h1 { color: #123456 }", encoding="utf-8")
    (tpl / "data.txt").write_text("attached-" + SECRET, encoding="utf-8")
    out = tmp_path / "r.pdf"
    r = run("report", "2024", "--format", "pdf", "--templates", tpl, "-o", out, plan=mini)
    assert r.exit_code == 0, r
    assert b"attached-" + SECRET.encode() in pdf_text(out.read_bytes())


def test_the_built_in_report_still_renders(mini, tmp_path):
    out = tmp_path / "r.pdf"
    r = run("report", "2024", "--format", "pdf", "-o", out, plan=mini)
    assert r.exit_code == 0, r
    assert out.read_bytes().startswith(b"%PDF")
