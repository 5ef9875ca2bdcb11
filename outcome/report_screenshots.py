"""python -m outcome.report_screenshots: PNG screenshots of the main sections of a report.html,
taken by the same headless Chromium as the browser test (outcome.report_browser), for the
documentation (docs/report.md shows docs/img/report-*.png of the demo report).

Recipe: probe the page (each section's top and height at the given width), take one
screenshot of the whole page, cut each chosen section out (at most --max-height pixels from
its top), reduce it to a 256-colour palette (PNG stays small) and write
``<out>/report-<section id>.png``. Arguments: outcome.report_cli.screenshots_main.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PIL import Image

from outcome import report_browser

LOG = logging.getLogger("outcome.report_screenshots")
SECTIONS = (
    "run",
    "primary-endpoint-6-month-pfs-rate-sbrt-atezolizumab-vs-sbrt",
    "arm-comparison-sbrt-atezolizumab-vs-sbrt",
    "biomarker-associations",
    "model-status-refused-skipped-and-partly-refused-models",
    "ctdna",
    "patient-and-sample-flow-rejected-rows",
)  # section ids (outcome.report_html.anchor of the titles) shot by default
MAX_PAGE_PX = 60000  # taller pages are cut: Chromium's screenshot surface limit is near 64k px
COLOURS = 256  # palette size of the saved PNGs


def crop_sections(page: Image.Image, sections: list[dict], wanted, max_height: int, out: Path):
    """Cut the ``wanted`` sections (probe records) out of the page image; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for section in sections:
        if section["id"] not in wanted:
            continue
        top = max(int(section["top"]) - 8, 0)
        bottom = min(top + int(section["height"]) + 16, top + max_height, page.height)
        path = out / f"report-{section['id']}.png"
        part = page.crop((0, top, page.width, bottom)).convert("RGB")
        part.quantize(colors=COLOURS).save(path, optimize=True)
        written.append(path)
        LOG.info("%s: %d x %d px, %d bytes", path, page.width, bottom - top, path.stat().st_size)
    return written


def take_screenshots(
    report: Path, out: Path, width: int, max_height: int, sections=None
) -> list[Path]:
    """Screenshots of the ``sections`` ids (default SECTIONS) of ``report`` (module doc)."""
    record = report_browser.probe(report, width=width)
    height = min(int(record["scrollHeight"]), MAX_PAGE_PX)
    wanted = set(sections or SECTIONS)
    with tempfile.TemporaryDirectory() as folder:
        page_png = Path(folder) / "page.png"
        report_browser.screenshot(report, page_png, width, height)
        with Image.open(page_png) as page:
            written = crop_sections(page, record["sections"], wanted, max_height, out)
    missing = sorted(wanted - {p.stem.removeprefix("report-") for p in written})
    if missing:
        LOG.warning("sections not in the report: %s", ", ".join(missing))
    return written


if __name__ == "__main__":
    from outcome.report_cli import screenshots_main

    raise SystemExit(screenshots_main())
