"""How the quarterly deep dive reads and looks: its words, charts and PDF pages.

:mod:`sheetops.review` gathers the figures and writes the sentences, as
plain text in :class:`Block` sections, with the headings and labels
below (English and Indonesian); this module draws them. matplotlib draws the
charts off screen (the Agg backend, chosen before pyplot is imported),
so a review renders the same on a server with no display; reportlab
flows the sections over A4 pages and embeds the charts as images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")

# The backend must be chosen before pyplot is imported.
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

CHART_WIDTH_INCHES = 7.0
CHART_HEIGHT_INCHES = 2.6
DPI = 200
# Colours that stay apart in grey print: this quarter dark, the others light.
LINE_COLOURS = ("#1f4e79", "#7fb2dd", "#b5b5b5")
LINE_STYLES = ("-", "--", ":")
ACCENT = colors.HexColor("#1f4e79")
MUTED = colors.HexColor("#6b7780")
RULE = colors.HexColor("#b8c4ce")
SHADE = colors.HexColor("#eef3f8")
MARGIN = 18 * mm
LINE_GAP = 8.5 * mm

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
HINT = ParagraphStyle("hint", parent=BODY, textColor=MUTED)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=12.5,
    leading=16,
    textColor=ACCENT,
    spaceBefore=9,
    spaceAfter=4,
)
TITLE = ParagraphStyle(
    "title", parent=HEADING, fontSize=22, leading=26, spaceBefore=0, spaceAfter=2
)
FIGURE = ParagraphStyle(
    "figure", parent=BODY, fontName="Helvetica-Bold", fontSize=12, leading=15
)


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Quarterly Deep Dive",
        "prepared": "prepared {day}",
        "summary": "Executive Summary",
        "revenue": "Revenue",
        "food_cost": "Food cost",
        "food_cost_pct": "Food cost %",
        "other_costs": "Other costs",
        "margin": "Margin",
        "margin_pct": "Margin %",
        "days": "Days with figures",
        "support": "Custom work used",
        "of_revenue": "{pct} of revenue",
        "included": "of {hours} h included",
        "up": "up {pct} on {quarter}",
        "down": "down {pct} on {quarter}",
        "h_revenue": "Revenue {amount}: {changes}.",
        "h_food": "Food cost averaged {pct} of revenue ({quarter}: {before}).",
        "h_margin": "Margin {amount}, {pct} of revenue.",
        "h_weeks": "Strongest week: {best}; weakest: {worst}.",
        "week_of": "the week of {day} ({amount})",
        "h_alerts": "Alerts raised this quarter: {count} ({open} still open).",
        "h_support": "Support: {hours} hours logged ({custom} of custom work, "
        "{included} included); work delivered: {count}.",
        "no_figures": "No dashboard figures for this quarter: {reason}",
        "no_days": "the dashboard has no day in it",
        "performance": "Performance vs the Previous Quarter and a Year Ago",
        "this_quarter": "This quarter",
        "partial": "{quarter} has figures up to {day} only, so every quarter is "
        "compared over its first {days} days.",
        "change": "Change",
        "points": "pts",
        "charts": "Week by Week",
        "chart_revenue": "Revenue per week (Rp million)",
        "chart_food": "Food cost % per week",
        "chart_axis": "Week of the quarter",
        "alerts": "Alerts This Quarter",
        "alert_columns": "Alert|Week|Check|Message|Status",
        "no_alerts": "No alerts this quarter.",
        "more": "... and {count} more on the tracker's {tab} tab.",
        "usage": "Support Usage",
        "usage_columns": "Month|Hours logged|Custom work (h)|Included (h)",
        "total": "Total",
        "delivered": "Work Delivered",
        "delivered_columns": "Request|Delivered|Work|Release notes",
        "no_delivered": "No work delivered this quarter.",
        "benchmarking": "Competitive Benchmarking",
        "benchmarking_hint": "How you compare to the industry: gaps and opportunities.",
        "recommendations": "Strategic Recommendations",
        "recommendations_hint": "3–5 major initiatives, each with its ROI "
        "estimate and implementation roadmap.",
        "roadmap": "Dashboard Roadmap",
        "roadmap_hint": "Custom work for next quarter, and new metrics to build.",
        "footer": "{customer} · Quarterly Deep Dive {quarter} · page {page}",
    },
    "id": {
        "title": "Quarterly Deep Dive",
        "prepared": "disiapkan {day}",
        "summary": "Ringkasan Eksekutif",
        "revenue": "Omzet",
        "food_cost": "Food cost",
        "food_cost_pct": "Food cost %",
        "other_costs": "Biaya lain",
        "margin": "Margin",
        "margin_pct": "Margin %",
        "days": "Hari dengan data",
        "support": "Pekerjaan kustom",
        "of_revenue": "{pct} dari omzet",
        "included": "dari {hours} jam yang termasuk",
        "up": "naik {pct} dibanding {quarter}",
        "down": "turun {pct} dibanding {quarter}",
        "h_revenue": "Omzet {amount}: {changes}.",
        "h_food": "Food cost rata-rata {pct} dari omzet ({quarter}: {before}).",
        "h_margin": "Margin {amount}, {pct} dari omzet.",
        "h_weeks": "Minggu terkuat: {best}; terlemah: {worst}.",
        "week_of": "minggu {day} ({amount})",
        "h_alerts": "Peringatan kuartal ini: {count} ({open} masih terbuka).",
        "h_support": "Dukungan: {hours} jam tercatat ({custom} jam pekerjaan "
        "kustom, {included} jam termasuk); pekerjaan diserahkan: {count}.",
        "no_figures": "Tidak ada angka dasbor untuk kuartal ini: {reason}",
        "no_days": "dasbor tidak memuat satu hari pun dari kuartal ini",
        "performance": "Kinerja dibanding Kuartal Sebelumnya dan Tahun Lalu",
        "this_quarter": "Kuartal ini",
        "partial": "{quarter} baru memiliki data sampai {day}, jadi setiap kuartal "
        "dibandingkan pada {days} hari pertamanya.",
        "change": "Perubahan",
        "points": "poin",
        "charts": "Per Minggu",
        "chart_revenue": "Omzet per minggu (Rp juta)",
        "chart_food": "Food cost % per minggu",
        "chart_axis": "Minggu dalam kuartal",
        "alerts": "Peringatan Kuartal Ini",
        "alert_columns": "Peringatan|Minggu|Pemeriksaan|Pesan|Status",
        "no_alerts": "Tidak ada peringatan pada kuartal ini.",
        "more": "... dan {count} lainnya di tab {tab} pada tracker.",
        "usage": "Pemakaian Dukungan",
        "usage_columns": "Bulan|Jam tercatat|Pekerjaan kustom (jam)|Termasuk (jam)",
        "total": "Total",
        "delivered": "Pekerjaan yang Diserahkan",
        "delivered_columns": "Permintaan|Diserahkan|Pekerjaan|Catatan rilis",
        "no_delivered": "Tidak ada pekerjaan yang diserahkan pada kuartal ini.",
        "benchmarking": "Perbandingan dengan Pesaing",
        "benchmarking_hint": "Posisi Anda dibanding industri: celah dan peluang.",
        "recommendations": "Rekomendasi Strategis",
        "recommendations_hint": "3–5 inisiatif utama, masing-masing dengan "
        "perkiraan ROI dan peta jalan pelaksanaannya.",
        "roadmap": "Peta Jalan Dasbor",
        "roadmap_hint": "Pekerjaan kustom untuk kuartal depan, dan metrik baru "
        "yang akan dibuat.",
        "footer": "{customer} · Quarterly Deep Dive {quarter} · halaman {page}",
    },
}


@dataclass(frozen=True)
class Series:
    """One line of a chart: a label and a value per week (None: no value)."""

    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """One chart: its title, its lines, and how a value on its axis reads."""

    title: str
    lines: Sequence[Series]
    unit: str
    scale: float = 1.0


@dataclass(frozen=True)
class Block:
    """One section of the document, as text; empty parts are left out."""

    heading: str = ""
    boxes: tuple[tuple[str, str, str], ...] = ()  # label, figure, note
    bullets: tuple[str, ...] = ()
    text: str = ""
    table: tuple[tuple[str, ...], ...] = ()  # header row first
    widths: tuple[str, ...] = ()
    note: str = ""
    chart: bytes = b""
    ruled: int = 0
    new_page: bool = False


@dataclass(frozen=True)
class Document:
    """The whole document: a title block, sections, and a footer per page."""

    title: str
    subtitle: str
    byline: str
    footer: str  # with {page}
    blocks: tuple[Block, ...]


def weekly_charts(charts: Sequence[Chart], axis: str) -> bytes:
    """Charts side by side, as one PNG."""
    figure, panels = plt.subplots(
        1,
        len(charts),
        figsize=(CHART_WIDTH_INCHES, CHART_HEIGHT_INCHES),
        dpi=DPI,
        squeeze=False,
    )
    try:
        for panel, chart in zip(panels[0], charts, strict=True):
            _draw(panel, chart, axis)
        figure.tight_layout(pad=0.6, w_pad=1.5)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(figure)
    return buffer.getvalue()


def _draw(axes: Axes, chart: Chart, axis: str) -> None:
    for index, line in enumerate(chart.lines):
        points = [
            (week, value / chart.scale)
            for week, value in enumerate(line.values, start=1)
            if value is not None
        ]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        axes.plot(
            xs,
            ys,
            LINE_STYLES[index % len(LINE_STYLES)],
            color=LINE_COLOURS[index % len(LINE_COLOURS)],
            linewidth=2.0 if index == 0 else 1.3,
            marker="o" if index == 0 else None,
            markersize=3,
            label=line.label,
        )
    unit = chart.unit
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}{unit}"))
    axes.set_title(chart.title, fontsize=9, loc="left")
    axes.set_xlabel(axis, fontsize=7)
    axes.tick_params(labelsize=7)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if axes.lines:
        # Below the plot, where it never covers a line.
        axes.legend(
            fontsize=6.5,
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            ncol=len(axes.lines),
        )


class RuledSpace(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """Lines to write on, for what the consultant brings to the call."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def wrap(self, available_width: float, _height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.lines * LINE_GAP
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(0.5)
        for line in range(1, self.lines + 1):
            y = self.height - line * LINE_GAP
            self.canv.line(0, y, self.width, y)


def render_pdf(document: Document, path: Path) -> None:
    """Lay ``document`` out on A4 pages at ``path``."""

    def footer(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, document.footer.format(page=template.page))
        canvas.restoreState()

    template = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
    )
    story: list[Flowable] = [
        Paragraph(escape(document.title), TITLE),
        Paragraph(escape(document.subtitle), FIGURE),
        Paragraph(escape(document.byline), HINT),
        Spacer(1, 4 * mm),
    ]
    for block in document.blocks:
        story.extend(_block(block))
    template.build(story, onFirstPage=footer, onLaterPages=footer)


def _block(block: Block) -> list[Flowable]:
    parts: list[Flowable] = []
    if block.heading:
        parts.append(Paragraph(escape(block.heading), HEADING))
    if block.boxes:
        parts += [_boxes(block.boxes), Spacer(1, 3 * mm)]
    parts += [Paragraph("• " + escape(line), BODY) for line in block.bullets]
    if block.text:
        parts.append(Paragraph(escape(block.text), HINT if block.ruled else BODY))
    if block.table:
        parts.append(_table(block.table, block.widths))
    if block.chart:
        width = A4[0] - 2 * MARGIN
        ratio = CHART_HEIGHT_INCHES / CHART_WIDTH_INCHES
        parts.append(Image(io.BytesIO(block.chart), width=width, height=width * ratio))
    if block.note:
        parts.append(Paragraph(escape(block.note), HINT))
    if block.ruled:
        parts.append(RuledSpace(block.ruled))
    # A heading never ends a page alone; short sections stay whole.
    kept: list[Flowable] = [KeepTogether(parts)] if parts else []
    return [PageBreak(), *kept] if block.new_page else kept


def _boxes(boxes: Sequence[tuple[str, str, str]]) -> Table:
    cells = [
        [
            [
                Paragraph(escape(label), SMALL),
                Paragraph(escape(figure), FIGURE),
                Paragraph(escape(note), SMALL),
            ]
            for label, figure, note in boxes
        ]
    ]
    share = f"{100 / len(boxes):.4g}%"
    table = Table(cells, colWidths=[share] * len(boxes))
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBEFORE", (1, 0), (-1, -1), 2, colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _table(rows: Sequence[Sequence[str]], widths: Sequence[str]) -> Table:
    cells = [[Paragraph(escape(cell), SMALL) for cell in row] for row in rows]
    table = Table(cells, colWidths=list(widths) or None, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
