"""Lighthouse (mobile) on the demo article with three screenshots, in English, French and German:
performance and accessibility scores, and what the images weigh on the wire.

Run: .venv/bin/python bench/lighthouse_article.py [--runs 3]
Needs Lighthouse (`npm install lighthouse` anywhere; LIGHTHOUSE=path/to/node_modules/.bin/lighthouse)
and Chromium (CHROME_PATH, default /usr/bin/chromium). The site runs under gunicorn on a fresh SQLite
copy of the demo (bench/benchsite.py), with its uploads in a scratch MEDIA_ROOT.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchsite import running_site  # noqa: E402

PAGES = [
    "/en/articles/create-first-instance/",
    "/fr/articles/create-first-instance/",
    "/de/articles/create-first-instance/",
]


def lighthouse(url: str, lighthouse_bin: str, chrome: str) -> dict:
    done = subprocess.run(
        [
            lighthouse_bin,
            url,
            "--quiet",
            "--output=json",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": chrome},
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    images = [
        item
        for item in report["audits"]["network-requests"]["details"]["items"]
        if item.get("resourceType") == "Image"
    ]
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "lcp_ms": round(report["audits"]["largest-contentful-paint"]["numericValue"]),
        "cls": report["audits"]["cumulative-layout-shift"]["numericValue"],
        "failed": sorted(
            audit["id"]
            for audit in report["audits"].values()
            if audit.get("scoreDisplayMode") == "binary" and (audit.get("score") or 0) < 1
        ),
        "images": [(item["url"].rsplit("/", 1)[-1], item.get("transferSize", 0)) for item in images],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lighthouse_bin = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
    if not lighthouse_bin:
        raise SystemExit(
            "bench: Lighthouse not found (npm install lighthouse; LIGHTHOUSE=.../bin/lighthouse)"
        )
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    media = Path(tempfile.mkdtemp(prefix="hc-lighthouse-media-"))
    env = {"HELPCENTER_MEDIA_ROOT": str(media), "HELPCENTER_ENCODER": "none"}
    # Static files as production serves them (whitenoise from STATIC_ROOT): collected first.
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev", "DJANGO_DEBUG": "0"},
    )
    try:
        with running_site(workers=2, threads=2, env=env) as (port, _environment, _manage):
            for path in PAGES:
                runs = [
                    lighthouse(f"http://127.0.0.1:{port}{path}", lighthouse_bin, chrome)
                    for _ in range(args.runs)
                ]
                print(
                    f"{path}: performance {statistics.median(r['performance'] for r in runs)} "
                    f"(runs {[r['performance'] for r in runs]}), accessibility "
                    f"{statistics.median(r['accessibility'] for r in runs)}, LCP median "
                    f"{statistics.median(r['lcp_ms'] for r in runs)} ms, "
                    f"CLS {max(r['cls'] for r in runs):.3f}"
                )
                print(f"  images loaded: {runs[0]['images']}")
                print(f"  audits not passed: {runs[0]['failed']}")
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
