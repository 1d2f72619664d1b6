"""The run report: one static HTML page a data owner reads each morning, built from the lake.

Plots are inline SVG drawn here (no plotting dependency, no JavaScript, no network): the page opens from
disk, from the Airflow UI plugin, or as an e-mail attachment, and looks the same everywhere. Every number
on it comes from the SQL in ``sql/report/`` over the lake's tables, so an analyst can re-run any of it.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from news_etl import lake as lakes
from news_etl.lake import Lake, data_docs_dir, reports_dir
from news_etl.settings import SQL_DIR

log = logging.getLogger(__name__)

REPORT_SQL = SQL_DIR / "report"
PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
TITLE = "News ingest: data quality report"


def report_path(lake: Path) -> Path:
    return reports_dir(lake) / "report.html"


@dataclass
class Query:
    columns: list[str]
    rows: list[tuple]

    def col(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]


def _query(con, name: str) -> Query:
    return Query(*lakes.rows_of(con, (REPORT_SQL / f"{name}.sql").read_text(encoding="utf-8")))


def _fsync_dir(path: Path) -> None:
    """Make the rename durable: a crash right after it must not bring the old report back."""
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _run_label(started_at: datetime | None, run_id: str) -> str:
    return started_at.strftime("%m-%d %H:%M") if started_at else run_id[:12]


# --------------------------------------------------------------------------- SVG charts

_W, _H, _L, _R, _T, _B = 640, 240, 48, 16, 16, 56


def _frame(y_max: float, percent: bool) -> list[str]:
    out = [f'<svg viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" class="chart">']
    for k in range(5):
        v = y_max * k / 4
        y = _H - _B - (_H - _T - _B) * k / 4
        label = f"{v * 100:.0f}%" if percent else (f"{v:.0f}" if y_max >= 4 else f"{v:.1f}")
        out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{label}</text>')
    return out


def _x_labels(labels: list[str], xs: list[float]) -> list[str]:
    step = max(1, len(labels) // 10)  # at most ~10 labels: runs every 15 minutes pile up
    return [
        f'<text x="{x:.1f}" y="{_H - _B + 16}" text-anchor="middle" font-size="10">{_e(lab)}</text>'
        for i, (lab, x) in enumerate(zip(labels, xs, strict=True))
        if i % step == 0
    ]


def _legend(names: list[str]) -> str:
    items = "".join(
        f'<span class="key"><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{_e(n)}</span>'
        for i, n in enumerate(names)
    )
    return f'<div class="legend">{items}</div>'


def bar_chart(labels: list[str], series: dict[str, list[float]], *, stacked: bool = False) -> str:
    """Grouped (or stacked) vertical bars: one group per label, one bar per series."""
    if not labels:
        return '<p class="empty">No runs yet.</p>'
    totals = [sum(vals[i] or 0 for vals in series.values()) for i in range(len(labels))]
    y_max = max((max(totals) if stacked else max((v or 0) for vals in series.values() for v in vals)), 1)
    y_max = math.ceil(y_max / 4) * 4  # whole-number grid lines
    out = _frame(y_max, percent=False)
    plot_w, plot_h = _W - _L - _R, _H - _T - _B
    group = plot_w / len(labels)
    names = list(series)
    xs = []
    for i in range(len(labels)):
        x0 = _L + i * group + group * 0.1
        xs.append(_L + (i + 0.5) * group)
        base = 0.0
        for k, name in enumerate(names):
            v = series[name][i] or 0
            h = plot_h * v / y_max
            color = PALETTE[k % len(PALETTE)]
            if stacked:
                y = _H - _B - plot_h * (base + v) / y_max
                out.append(
                    f'<rect x="{x0:.1f}" y="{y:.1f}" width="{group * 0.8:.1f}" height="{h:.1f}" '
                    f'fill="{color}"><title>{_e(name)}: {v:g}</title></rect>'
                )
                base += v
            else:
                w = group * 0.8 / len(names)
                out.append(
                    f'<rect x="{x0 + k * w:.1f}" y="{_H - _B - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                    f'fill="{color}"><title>{_e(name)}: {v:g}</title></rect>'
                )
    out += _x_labels(labels, xs)
    out.append("</svg>")
    return "".join(out) + _legend(names)


def line_chart(labels: list[str], series: dict[str, list[float | None]], *, percent: bool = True) -> str:
    """Lines over runs; a single run shows as dots."""
    if not labels:
        return '<p class="empty">No runs yet.</p>'
    y_max = 1.0 if percent else max([1.0] + [v for vals in series.values() for v in vals if v is not None])
    out = _frame(y_max, percent=percent)
    plot_w, plot_h = _W - _L - _R, _H - _T - _B
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0
    xs = [_L + i * step if len(labels) > 1 else _L + plot_w / 2 for i in range(len(labels))]
    for k, (name, vals) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        # Series side by side by a few pixels: equal values (three fields at 20%) stay visible as dots.
        shift = (k - (len(series) - 1) / 2) * 5
        pts = [(x + shift, _H - _B - plot_h * v / y_max) for x, v in zip(xs, vals, strict=True) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for (x, y), v in zip(pts, [v for v in vals if v is not None], strict=True):
            shown = f"{v * 100:.0f}%" if percent else f"{v:g}"
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{_e(name)}: {shown}</title></circle>'
            )
    out += _x_labels(labels, xs)
    out.append("</svg>")
    return "".join(out) + _legend(list(series))


def hbar_chart(labels: list[str], values: list[float]) -> str:
    """Horizontal bars, biggest first (rules fired)."""
    if not labels:
        return '<p class="empty">Nothing removed yet.</p>'
    row, left, width = 22, 190, _W - 190 - 60
    height = row * len(labels) + 8
    v_max = max(values) or 1
    out = [f'<svg viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" role="img" class="chart">']
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        w = width * v / v_max
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="11">{_e(lab)}</text>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="11">{v:g}</text>')
    out.append("</svg>")
    return "".join(out)


def table(columns: list[str], rows: list[tuple], empty: str = "None.") -> str:
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- the page

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:13px} .cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px} .card span{color:#666;font-size:12px}
.ok{color:#2ca02c} .bad{color:#d62728} table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left} th{background:#f6f6f6}
.legend{font-size:12px;margin:4px 0 8px} .key{margin-right:14px} .key i{display:inline-block;width:10px;
height:10px;margin-right:4px} .empty{color:#888}
"""


def build_report(lake: Lake, generated_at: datetime, out: Path | None = None) -> Path:
    """Write the run report for ``lake`` (atomically) and return its path."""
    # One session held at one snapshot: every number on the page agrees.
    return lakes.read_consistently(lake, lambda con: _build(lake, con, generated_at, out), what="the run report")


def _build(lake: Lake, cat, generated_at: datetime, out: Path | None) -> Path:
    runs = _query(cat, "runs")
    labels = [_run_label(s, r) for r, s in zip(runs.col("run_id"), runs.col("started_at"), strict=True)]
    by_run = dict(zip(runs.col("run_id"), labels, strict=True))

    reasons = _query(cat, "quarantine_reasons")
    codes = sorted({c for c in reasons.col("reason_code")})
    stacked = {c: [0.0] * len(labels) for c in codes}
    index = {r: i for i, r in enumerate(runs.col("run_id"))}
    for run_id, code, n in reasons.rows:
        if run_id in index:
            stacked[code][index[run_id]] = n

    fills = _query(cat, "fill_rates")
    fill_labels = [by_run.get(r, r[:12]) for r in fills.col("run_id")]
    passes = _query(cat, "check_pass_rates")
    pass_labels = [by_run.get(r, r[:12]) for r in passes.col("run_id")]
    rules = _query(cat, "top_rules")
    sources = _query(cat, "sources")
    failures = _query(cat, "latest_failures")

    latest = runs.rows[-1] if runs.rows else None
    latest_pass = passes.rows[-1] if passes.rows else None
    cards = []
    if latest:
        cards += [
            ("files in", latest[2]),
            ("articles published", latest[3]),
            ("duplicates", latest[4]),
            ("files quarantined", latest[5]),
        ]
    if latest_pass:
        ok = latest_pass[5]
        cards.append(("expectations passed", f"{latest_pass[3]}/{latest_pass[2]}"))
        cards.append(("errors", '<span class="ok">none</span>' if ok else '<span class="bad">failed</span>'))
    card_html = "".join(
        f'<div class="card"><b>{v if isinstance(v, str) and v.startswith("<") else _e(v)}</b><span>{_e(k)}</span></div>'
        for k, v in cards
    )
    docs = data_docs_dir(lake.folder) / "index.html"
    out = Path(out) if out else report_path(lake.folder)
    # A relative link: it works from disk and through the Airflow plugin, which serves the reports folder.
    rel = os.path.relpath(docs, out.parent)
    docs_link = (
        f'<a href="{_e(rel)}">Great Expectations Data Docs</a>'
        if docs.is_file()
        else "Data Docs not built yet (run the checks)"
    )

    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title><style>{_CSS}</style></head>
<body>
<h1>{TITLE}</h1>
<p class="meta">Lake <code>{_e(lake.folder)}</code> · {len(labels)} run(s) · latest run
<code>{_e(latest[0] if latest else "-")}</code> · generated {_e(generated_at.strftime("%Y-%m-%d %H:%M UTC"))}
· {docs_link}</p>
<div class="cards">{card_html}</div>

<h2>Files in, articles published and quarantined per run</h2>
{
        bar_chart(
            labels,
            {
                "files in": runs.col("files_seen"),
                "articles published": runs.col("articles_published"),
                "files quarantined": runs.col("files_quarantined"),
                "duplicates": runs.col("files_duplicate"),
            },
        )
    }

<h2>Quarantined by reason per run</h2>
{bar_chart(labels, stacked, stacked=True) if codes else '<p class="empty">Nothing quarantined.</p>'}

<h2>Fill rates per field over time</h2>
{
        line_chart(
            fill_labels,
            {
                f: [float(v) if v is not None else None for v in fills.col(f)]
                for f in ("title", "authors", "published_at", "keywords")
            },
        )
    }

<h2>Expectation pass rate</h2>
{
        line_chart(pass_labels, {"pass rate": [float(v) for v in passes.col("pass_rate")]})
        if passes.rows
        else '<p class="empty">No run checked yet.</p>'
    }

<h2>Failed expectations in the latest checked run</h2>
{table(failures.columns, failures.rows, "Every expectation passed.")}

<h2>Top boilerplate rules fired</h2>
{hbar_chart([str(r) for r in rules.col("rule")], [float(v) for v in rules.col("lines_removed")])}

<h2>Per-source table</h2>
{table(sources.columns, sources.rows, "No articles yet.")}
</body></html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    _fsync_dir(out.parent)
    log.info("run report written: %s", out)
    return out
