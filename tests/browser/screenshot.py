"""Screenshot of the top of the shipped plan's 2024 monitoring report, 1280 px wide.

Renders `isek report 2024 --format html` of the shipped example plan into a
temporary folder, opens it in headless Chromium and saves the visible top of
the page (1280 x 900 CSS pixels) as docs/report-2024.png.

    .venv/bin/python tests/browser/screenshot.py [--out docs/report-2024.png] [--lang de|en] [--height 900]

Needs selenium (pip install selenium), chromium and chromedriver; see tests/test_browser.py.
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
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
                                    "mobile": False})
            driver.get(html.as_uri())
            args.out.parent.mkdir(parents=True, exist_ok=True)
            png = driver.get_screenshot_as_png()
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
