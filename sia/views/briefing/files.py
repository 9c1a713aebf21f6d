"""A Briefing (sia.views.briefing.content) as a file to hand out: a PDF (reportlab) or one self-contained
HTML file. Charts are rendered to PNG by vl-convert, which carries Vega and Vega-Lite
inside it, so nothing is fetched from the internet; both renderers use the Vera fonts
that ship with reportlab, so the output does not depend on the fonts a server has.

Text from the data (place names, ward names) is escaped for HTML and for reportlab's
markup alike: it is always shown, never interpreted.
"""
from __future__ import annotations

import base64
import html
import io
import numbers
import os
import re
import tempfile
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd

from sia.errors import InputError, Problem
from sia.views.briefing.content import Briefing
from sia.views.wording import LICENCE

FORMATS = {".pdf": "application/pdf", ".html": "text/html"}
CHART_WIDTH = 620  # px in the Vega-Lite spec; rendered at 2x for print
FONT = "Bitstream Vera Sans"
INK, MUTED, ACCENT, DEMO = "#1f1f1f", "#595959", "#0072B2", "#fff3cd"


def _font_dir() -> Path:
    import reportlab

    return Path(reportlab.__file__).parent / "fonts"


@cache
def _vl_convert():
    import vl_convert

    vl_convert.register_font_directory(str(_font_dir()))
    return vl_convert


def chart_png(chart) -> bytes:
    if chart.width is alt.Undefined:
        chart = chart.properties(width=CHART_WIDTH)
    return _vl_convert().vegalite_to_png(chart.configure(font=FONT).to_dict(), scale=2)


def _inline(text: str) -> str:
    """Escaped text with **bold** as <b>: the one markup both HTML and reportlab read."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text, quote=False))


def _cell(value) -> str:
    """Counts with thousands separators, other figures to one decimal, a dash for none."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    if isinstance(value, numbers.Integral) or (float(value).is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _rows(table: pd.DataFrame) -> list[list[str]]:
    return [[str(c) for c in table.columns]] + [[_cell(v) for v in row] for row in table.itertuples(index=False)]


# About the width of a character of the tables' 8 pt text (bold headers a little wider), and
# a cell's padding either side, in points.
_CHAR_WIDTH, _CELL_PADDING = 6.2, 14.0


def _column_widths(rows: list[list[str]], numeric: list[bool], width: float) -> list[float]:
    """Each column at least as wide as its longest word (header included), so that no word is
    broken ('Resident s'); what is left goes to the text columns, by how long their text is."""
    columns = list(zip(*rows))
    # A header may take three lines, a word never breaks.
    least = [max(max(len(word) for text in column for word in (text.split() or [""])), len(column[0]) / 3)
             * _CHAR_WIDTH + _CELL_PADDING for column in columns]
    if sum(least) >= width:  # too many: the text columns give way (their long words break), not the figures
        figures = sum(w for w, n in zip(least, numeric) if n)
        # A text column's share is by its words up to a dozen characters: one long word (an id)
        # breaks rather than squeezing every other column.
        shares = [0.0 if n else min(w, 12 * _CHAR_WIDTH + _CELL_PADDING) for w, n in zip(least, numeric)]
        if figures >= width or not sum(shares):
            return [w * width / sum(least) for w in least]
        return [w if n else s * (width - figures) / sum(shares) for w, n, s in zip(least, numeric, shares)]
    longest = [min(max(len(text) for text in column[1:] or [""]), 40) * _CHAR_WIDTH + _CELL_PADDING
               for column in columns]
    extra = [0.0 if n else max(0.0, want - w) for n, want, w in zip(numeric, longest, least)]
    spare = width - sum(least)
    if sum(extra) <= 0:
        return [w + spare / len(least) for w in least]
    return [w + spare * e / sum(extra) for w, e in zip(least, extra)]


def _numeric(table: pd.DataFrame) -> list[bool]:
    return [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]


# --- HTML --------------------------------------------------------------------------------

_CSS = f"""
body {{ font-family: "{FONT}", "DejaVu Sans", Verdana, sans-serif; color: {INK}; max-width: 860px;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
h1 {{ margin-bottom: 0.2rem; }} .subtitle {{ color: {MUTED}; margin-top: 0; font-size: 1.1rem; }}
.demo {{ background: {DEMO}; border: 1px solid #e0c36b; padding: 0.6rem 0.8rem; font-weight: bold; }}
.figures {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 0.6rem; }}
.figure {{ border-left: 4px solid {ACCENT}; padding: 0.3rem 0.6rem; background: #f4f8fb; }}
.figure .value {{ font-size: 1.6rem; font-weight: bold; }} .figure .label, .note {{ color: {MUTED}; }}
.figure .note {{ font-size: 0.85rem; }}
figure {{ margin: 1.2rem 0; }} figure img {{ max-width: 100%; }} figcaption {{ color: {MUTED}; font-size: 0.9rem; }}
table {{ border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.9rem; }}
th, td {{ padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }}
td.n, th.n {{ text-align: right; }} th {{ border-bottom: 2px solid #999; }}
footer {{ color: {MUTED}; font-size: 0.85rem; border-top: 1px solid #ccc; margin-top: 2rem; }}
@media print {{ body {{ margin: 0; }} figure, table {{ break-inside: avoid; }} }}
"""


def briefing_html(brief: Briefing) -> str:
    """One HTML file with everything inside it (styles, charts as PNG data)."""
    e = _inline
    parts = [f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
             f"<title>{e(brief.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(brief.title)}</h1><p class='subtitle'>{e(brief.subtitle)}</p>"]
    if brief.demo:
        parts.append(f"<p class='demo'>{e(brief.caveats[0])}</p>")
    if brief.figures:
        parts.append("<div class='figures'>" + "".join(
            f"<div class='figure'><div class='label'>{e(f.label)}</div><div class='value'>{e(f.value)}</div>"
            f"<div class='note'>{e(f.note)}</div></div>" for f in brief.figures) + "</div>")
    parts.append("<h2>Summary</h2>" + "".join(f"<p>{e(p)}</p>" for p in brief.narrative if p))
    for exhibit in brief.exhibits:
        data = base64.b64encode(chart_png(exhibit.chart)).decode()
        parts.append(f"<figure><img alt='{html.escape(exhibit.title + '. ' + exhibit.description)}' "
                     f"src='data:image/png;base64,{data}'><figcaption>{e(exhibit.description)}</figcaption></figure>")
    for pack_table in brief.tables:
        rows, numeric = _rows(pack_table.table), _numeric(pack_table.table)
        head = "".join(f"<th class='{'n' if n else ''}'>{e(c)}</th>" for c, n in zip(rows[0], numeric))
        body = "".join("<tr>" + "".join(f"<td class='{'n' if n else ''}'>{e(v)}</td>" for v, n in zip(r, numeric))
                       + "</tr>" for r in rows[1:])
        parts.append(f"<h3>{e(pack_table.title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                     f"</table>" + (f"<p class='note'>{e(pack_table.note)}</p>" if pack_table.note else ""))
    parts.append("<h2>How to read these figures</h2><ul>" + "".join(f"<li>{e(c)}</li>" for c in brief.caveats)
                 + "</ul>")
    parts.append("<footer><p>Sources: " + " ".join(e(s) for s in brief.sources) + f" All under the {e(LICENCE)}.</p>"
                 f"<p>{e(brief.made)}</p></footer></body></html>")
    return "\n".join(parts)


# --- PDF ---------------------------------------------------------------------------------

@cache
def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = _font_dir()
    for name, file in (("Vera", "Vera.ttf"), ("Vera-Bold", "VeraBd.ttf"), ("Vera-Italic", "VeraIt.ttf"),
                       ("Vera-BoldItalic", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(fonts / file)))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="Vera-Bold", italic="Vera-Italic",
                                  boldItalic="Vera-BoldItalic")
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Vera", fontSize=9.5, leading=13,
                          textColor=colors.HexColor(INK), spaceAfter=5)
    return {
        "title": ParagraphStyle("title", parent=body, fontName="Vera-Bold", fontSize=20, leading=24, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=12, textColor=colors.HexColor(MUTED),
                                   spaceAfter=10),
        # A section heading never ends a page: it goes with what follows it. (A table's title is
        # kept with its first rows by the table's own block, which lets a long table run on.)
        "h2": ParagraphStyle("h2", parent=body, fontName="Vera-Bold", fontSize=13, leading=16, spaceBefore=8,
                             keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=body, fontName="Vera-Bold", fontSize=10.5, spaceBefore=6),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor(MUTED)),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0),
        "cell_n": ParagraphStyle("cell_n", parent=body, fontSize=8, leading=10, spaceAfter=0, alignment=2),
        "value": ParagraphStyle("value", parent=body, fontName="Vera-Bold", fontSize=15, leading=18, spaceAfter=0),
        "demo": ParagraphStyle("demo", parent=body, fontName="Vera-Bold", backColor=colors.HexColor(DEMO),
                               borderPadding=5, spaceAfter=10),
    }


# A chart may shrink to this share of its size to fill the rest of a page, rather than move
# to the next page and leave the rest of this one empty.
MIN_FIGURE_SCALE = 0.8


@cache
def _figure_type():
    """The Figure flowable (made on first use: reportlab is imported only to write a PDF)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Flowable

    class Figure(Flowable):
        """A chart (PNG) and its caption as one flowable, so they are never parted: the chart
        fits ``width`` and ``max_height``, and shrinks (to MIN_FIGURE_SCALE of that, no less)
        to fit the space left on a page; what cannot fit even so goes to the next page whole."""

        def __init__(self, png: bytes, caption, width: float, max_height: float):
            super().__init__()
            self.image = ImageReader(io.BytesIO(png))
            self.pixels = self.image.getSize()
            self.full = min(width / self.pixels[0], max_height / self.pixels[1])  # points a pixel, at most
            self.caption = caption
            self.space = 6, 3  # above the chart, and between it and the caption

        def wrap(self, avail_width, avail_height):
            self.caption_height = self.caption.wrap(avail_width, avail_height)[1]
            room = (avail_height - self.caption_height - sum(self.space)) / (self.pixels[1] * self.full)
            scale = self.full * max(MIN_FIGURE_SCALE, min(1.0, room))
            self.width = avail_width
            self.draw_size = self.pixels[0] * scale, self.pixels[1] * scale
            self.height = self.space[0] + self.draw_size[1] + self.space[1] + self.caption_height
            return self.width, self.height

        def draw(self):
            x = (self.width - self.draw_size[0]) / 2
            self.canv.drawImage(self.image, x, self.caption_height + self.space[1], *self.draw_size)
            self.caption.drawOn(self.canv, 0, 0)

    return Figure


def briefing_pdf(brief: Briefing) -> bytes:
    """An A4 PDF: title, key figures, summary, charts, tables, caveats and sources, with
    the title and page number in every footer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=15 * mm,
                            bottomMargin=16 * mm, title=brief.title, subject=brief.subtitle,
                            author=f"{brief.area} community safety dashboard".lstrip())
    width = doc.width
    story = [Paragraph(_inline(brief.title), s["title"]), Paragraph(_inline(brief.subtitle), s["subtitle"])]
    if brief.demo:
        story.append(Paragraph(_inline(brief.caveats[0]), s["demo"]))
    if brief.figures:
        cells = [[Paragraph(_inline(f.label), s["small"]), Paragraph(_inline(f.value), s["value"]),
                  Paragraph(_inline(f.note), s["small"])] for f in brief.figures]
        per_row = 4 if len(cells) % 4 == 0 or len(cells) > 6 else min(len(cells), 3)
        grid = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
        grid[-1] += [""] * (per_row - len(grid[-1]))
        table = Table(grid, colWidths=[width / per_row] * per_row)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f8fb")),
                                   ("LINEBEFORE", (0, 0), (-1, -1), 3, colors.HexColor(ACCENT)),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                                   ("LINEBELOW", (0, 0), (-1, -2), 4, colors.white)]))
        story += [table, Spacer(1, 6)]
    story.append(Paragraph("Summary", s["h2"]))
    story += [Paragraph(_inline(p), s["body"]) for p in brief.narrative if p]
    for exhibit in brief.exhibits:
        story.append(_figure_type()(chart_png(exhibit.chart), Paragraph(_inline(exhibit.description), s["small"]),
                                    width, 120 * mm))
    for pack_table in brief.tables:
        rows, numeric = _rows(pack_table.table), _numeric(pack_table.table)
        cells = [[Paragraph(f"<b>{_inline(v)}</b>" if i == 0 else _inline(v), s["cell_n" if n else "cell"])
                  for v, n in zip(row, numeric)] for i, row in enumerate(rows)]
        table = Table(cells, colWidths=_column_widths(rows, numeric, width), repeatRows=1)
        table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 1, colors.HexColor("#999999")),
                                   ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f5f5")]),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        block = [Paragraph(_inline(pack_table.title), s["h3"]), table]
        if pack_table.note:
            block.append(Paragraph(_inline(pack_table.note), s["small"]))
        if len(rows) <= 12:  # a short table whole, with its title and note
            story.append(KeepTogether(block))
        else:  # a long one runs on over the page (its header repeated), from at least a few rows
            story += [CondPageBreak(40 * mm), *block]
    story.append(Paragraph("How to read these figures", s["h2"]))
    story += [Paragraph("• " + _inline(c), s["body"]) for c in brief.caveats]
    story.append(KeepTogether([Paragraph("Sources", s["h2"]),
                               Paragraph(_inline(" ".join(brief.sources) + f" All under the {LICENCE}."), s["small"]),
                               Paragraph(_inline(brief.made), s["small"])]))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Vera", 7.5)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.drawString(16 * mm, 9 * mm, f"{brief.title} · {brief.subtitle}"
                          + (" · SYNTHETIC DEMO DATA" if brief.demo else ""))
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _check_suffix(suffix: str) -> str:
    if suffix.lower() not in FORMATS:
        raise InputError(Problem(f"cannot write a briefing pack as {suffix or 'a file without a suffix'}",
                                 "--out", "name a .pdf or .html file"))
    return suffix.lower()


def check_pack_path(out: Path) -> Path:
    """Refuse a file a pack cannot be written to, before any work is done."""
    _check_suffix(out.suffix)
    if not out.parent.is_dir():
        raise InputError(Problem("no such folder", str(out.parent), "create it, or name another --out"))
    return out


def briefing_file(brief: Briefing, suffix: str) -> bytes:
    """The pack as the bytes of a .pdf or .html file."""
    if _check_suffix(suffix) == ".pdf":
        return briefing_pdf(brief)
    return briefing_html(brief).encode("utf-8")


def write_briefing(brief: Briefing, out: Path) -> Path:
    """Write the pack whole or not at all (a temporary file renamed into place)."""
    content = briefing_file(brief, check_pack_path(out).suffix)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file; mkstemp makes it private
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out
