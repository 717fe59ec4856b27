"""Screenshot of the top of the shipped plan's 2024 monitoring report (default 1366 x 900 CSS pixels).

Renders `isek report 2024 --format html` of the shipped example plan into a
temporary folder, opens it in headless Chromium and saves the top of the page
(width x height CSS pixels; --height may exceed the window: the page is laid
out at the given width and captured that far down) as docs/report-2024.png.

    .venv/bin/python tests/browser/screenshot.py [--out docs/report-2024.png] [--lang de|en] [--width 1366] [--height 900]
    .venv/bin/python tests/browser/screenshot.py --width 390 --height 2400 --out docs/screenshots/report-2024-de-390.png
    .venv/bin/python tests/browser/screenshot.py --section funding --height 1800 --out docs/screenshots/funding.png

Needs selenium (pip install selenium), chromium and chromedriver; see tests/test_browser.py.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "report-2024.png")
    ap.add_argument("--lang", choices=("de", "en"), default="de")
    ap.add_argument("--width", type=int, default=1366)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--section", help="start the capture at the element with this id (e.g. funding, areas)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser")
                    or shutil.which("google-chrome"))
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver"))
    args = ap.parse_args()
    if not args.chromium or not args.chromedriver:
        print("screenshot: chromium and chromedriver are needed", file=sys.stderr)
        return 1
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    work = Path(tempfile.mkdtemp(prefix="isek-shot-"))
    try:
        html = work / "report-2024.html"
        subprocess.run([sys.executable, "-m", "isek_cli", "--plan", str(REPO / "plan"), "report", "2024",
                        "--format", "html", "--lang", args.lang, "-o", str(html)], check=True)
        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for flag in CHROMIUM_FLAGS + [f"--user-data-dir={work / 'profile'}",
                                      f"--window-size={args.width},{args.height}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": args.width, "height": args.height, "deviceScaleFactor": 1,
                                    "mobile": args.width < 600})
            driver.get(html.as_uri())
            driver.set_script_timeout(60)
            driver.execute_async_script("document.fonts.ready.then(() => arguments[0]())")  # the report font
            args.out.parent.mkdir(parents=True, exist_ok=True)
            top = 0
            if args.section:
                top = driver.execute_script("const e = document.getElementById(arguments[0]);"
                                            "return e ? e.getBoundingClientRect().top + window.scrollY : null;",
                                            args.section)
                if top is None:
                    print(f"screenshot: no element with id {args.section!r}", file=sys.stderr)
                    return 1
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": top, "width": args.width, "height": args.height, "scale": 1}})
            png = base64.b64decode(shot["data"])
        finally:
            driver.quit()
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        tmp.write_bytes(png)
        tmp.replace(args.out)
        print(f"wrote {args.out} ({len(png):,} bytes, {args.width}x{args.height})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
