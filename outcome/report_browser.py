"""The report in a real browser: headless Chromium (Debian ``chromium``) loads report.html and
says what a reader would see. Used by the browser test (tests/cli/test_report_browser.py) and
by ``python -m outcome.report_screenshots``.

``probe(report, width)``: a copy of the report with a small script that runs at load records
console errors and uncaught errors, the viewport width, the page's scroll width, every
element wider than the viewport, the size of every inline <svg> figure and each section's
heading and position; Chromium's ``--dump-dom`` returns the page with that record as JSON.
``screenshot(report, png, width, height)``: a PNG of the page at that window size.
No network: the report is a local file and carries no external reference.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from stereosarc.errors import InputError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")  # Debian's first
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # root in containers and CI: Chromium refuses to start sandboxed as root
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
)
BUDGET_MS = 10000  # virtual time Chromium gives the page to load and run the probe
TIMEOUT_S = 90  # wall-clock limit of one Chromium call
PROBE_ID = "stereosarc-browser-probe"  # the element the probe writes its JSON into
PROBE = """<script>
(function () {
  var errors = [];
  var error = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    error.apply(console, arguments);
  };
  window.addEventListener('error', function (event) {
    errors.push('error: ' + (event.message || (event.target && event.target.outerHTML) || ''));
  }, true);
  window.addEventListener('load', function () {
    var width = window.innerWidth;
    var wide = [];
    document.querySelectorAll('body *').forEach(function (node) {
      var box = node.getBoundingClientRect();
      if (box.right > width + 1 && !node.closest('.scroll')) {
        wide.push(node.tagName.toLowerCase() + ' ' + Math.round(box.right));
      }
    });
    var figures = [];
    document.querySelectorAll('figure > svg').forEach(function (svg) {
      var box = svg.getBoundingClientRect();
      figures.push({label: svg.getAttribute('aria-label'), width: box.width,
                    height: box.height});
    });
    var sections = [];
    document.querySelectorAll('section').forEach(function (section) {
      var box = section.getBoundingClientRect();
      sections.push({id: section.id, title: section.querySelector('h2').textContent,
                     top: box.top + window.scrollY, height: box.height});
    });
    var record = {innerWidth: width, scrollWidth: document.documentElement.scrollWidth,
                  scrollHeight: document.documentElement.scrollHeight, errors: errors,
                  wide: wide.slice(0, 20), figures: figures, sections: sections};
    var out = document.createElement('pre');
    out.id = '__PROBE_ID__';
    out.textContent = JSON.stringify(record);
    document.body.appendChild(out);
  });
})();
</script>""".replace(
    "__PROBE_ID__", PROBE_ID
)  # JS with braces: a placeholder rather than str.format


class BrowserError(InputError):
    """Chromium is missing, failed, or the page gave no probe record."""


def find_chromium() -> str | None:
    """Path of a Chromium executable ($CHROMIUM first), None when there is none."""
    given = os.environ.get("CHROMIUM")
    if given and shutil.which(given):
        return shutil.which(given)
    for name in CHROMIUM_NAMES:
        if shutil.which(name):
            return shutil.which(name)
    return None


def _chromium(*args: str) -> subprocess.CompletedProcess:
    binary = find_chromium()
    if binary is None:
        raise BrowserError("chromium not found: apt-get install chromium (scripts/setup.sh)")
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_S, check=True
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            raise BrowserError(f"chromium failed: {err}") from err


def probe(report: Path, width: int = 1280, height: int = 900) -> dict:
    """Load ``report`` at ``width`` x ``height`` and return the probe record (module doc)."""
    text = Path(report).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.html"
        copy.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
        result = _chromium(
            f"--window-size={width},{height}",
            f"--virtual-time-budget={BUDGET_MS}",
            "--dump-dom",
            copy.as_uri(),
        )
    found = re.search(rf'<pre id="{PROBE_ID}">(.*?)</pre>', result.stdout, flags=re.S)
    if not found:
        raise BrowserError(f"no probe record in the page ({len(result.stdout)} bytes dumped)")
    return json.loads(html.unescape(found.group(1)))


def screenshot(report: Path, png: Path, width: int, height: int) -> None:
    """A PNG of ``report`` in a ``width`` x ``height`` window (the page from its top)."""
    _chromium(
        f"--window-size={width},{height}",
        f"--virtual-time-budget={BUDGET_MS}",
        f"--screenshot={Path(png).resolve()}",
        Path(report).resolve().as_uri(),
    )
    if not Path(png).exists():
        raise BrowserError(f"chromium wrote no screenshot {png}")
