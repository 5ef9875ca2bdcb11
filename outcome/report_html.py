"""HTML building blocks of the self-contained report (pure: strings in, strings out).

- ``section(title, body)``: a numbered-anchor section (``<section id=...><h2>``) the table of
  contents links to.
- ``table(frame)``: a formatted table in its own horizontally scrolling box (CSS
  ``overflow-x:auto``), columns that are entirely NA dropped, NA shown as an empty cell.
- ``download(frame, name)``: the full table as a ``data:text/tab-separated-values;base64,``
  link (the report stays one file).
- ``svg(figure)``: a matplotlib figure as inline SVG (glyphs as paths, no external reference,
  no date in the metadata; figure closed).
"""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import pandas as pd  # noqa: E402

STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:0 12px;color:#222}"
    "table{border-collapse:collapse;font-size:12px;margin:4px 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}h2{border-bottom:1px solid #888;margin-top:2em}"
    ".none{color:#a00}.scroll{overflow-x:auto;max-width:100%}.note{color:#555;font-size:12px}"
    "figure{margin:8px 0}figure svg{max-width:100%;height:auto}"
    "nav ol{columns:2;font-size:14px}.header td:first-child{font-weight:bold}"
    ".download{font-size:12px}td{white-space:nowrap}td:last-child{white-space:normal;"
    "min-width:14em}.headline{font-size:16px;background:#eef4fb;padding:8px}"
)  # one stylesheet; wide tables scroll inside .scroll, never the page
NA_TEXT = ""  # a missing value in a formatted table: an empty cell (gtsummary)
SVG_HASH_SALT = "stereosarc"  # fixed clip-path ids: the same figure gives the same SVG text


def anchor(title: str) -> str:
    """The id of a section: its title in lower case, runs of other characters as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def section(title: str, body: str) -> str:
    """A section with its heading (the table of contents links to ``anchor(title)``)."""
    return f'<section id="{anchor(title)}">\n<h2>{html.escape(title)}</h2>\n{body}\n</section>\n'


def contents(titles: list[str]) -> str:
    """The table of contents: one link per section title."""
    items = "".join(
        f'<li><a href="#{anchor(title)}">{html.escape(title)}</a></li>' for title in titles
    )
    return f"<nav><h2>Contents</h2><ol>{items}</ol></nav>\n"


def none(what: str) -> str:
    """A paragraph saying the section has no data and why."""
    return f'<p class="none">No data: {html.escape(what)}.</p>'


def paragraph(text: str, css: str = "") -> str:
    """Escaped text in a paragraph (class ``css`` when given)."""
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{html.escape(text)}</p>"


def table(frame: pd.DataFrame, float_format: str = "{:.4g}") -> str:
    """The frame as an HTML table in a scrolling box; all-NA columns dropped, NA empty."""
    frame = frame.drop(columns=[c for c in frame.columns if c == "_row"])
    frame = frame.loc[:, [not frame[c].isna().all() for c in frame.columns]]
    if frame.empty and not len(frame.columns):
        return ""
    text_columns = frame.select_dtypes(include="object").columns  # None there prints "None"
    frame = frame.assign(**{c: frame[c].where(frame[c].notna(), NA_TEXT) for c in text_columns})
    text = frame.to_html(
        index=False,
        escape=True,
        na_rep=NA_TEXT,
        float_format=lambda v: float_format.format(v),
        border=0,
    )
    return f'<div class="scroll">{text}</div>'


def download(frame: pd.DataFrame | None, name: str) -> str:
    """A link downloading ``frame`` as ``name`` (TSV, NA for missing), embedded in the page."""
    if frame is None:
        return ""
    data = frame.to_csv(sep="\t", index=False, na_rep="NA").encode()
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<p class="download"><a download="{html.escape(name)}" '
        f'href="data:text/tab-separated-values;base64,{encoded}">Full table: '
        f"{html.escape(name)} ({len(frame)} rows, TSV)</a></p>"
    )


def svg(figure, label: str = "figure") -> str:
    """The figure as inline SVG in a <figure> (aria-label ``label``); the figure is closed."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": SVG_HASH_SALT}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1)
    return f"<figure>{text}</figure>"


def two_by_two(counts: list[list[int]], rows: tuple[str, str], columns: tuple[str, str]) -> str:
    """A small 2x2 table (Fisher's exact test counts) with row and column labels."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{html.escape(label)}</th>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"
        for label, values in zip(rows, counts, strict=True)
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"
