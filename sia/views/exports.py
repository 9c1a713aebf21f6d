"""Tables as files a user downloads, safe to open in a spreadsheet.

A cell starting with =, +, -, @, tab or carriage return is read by Excel and its kin as a
formula; police.uk text fields (locations) and names in uploaded files could carry one.
Spreadsheets also skip leading spaces and read full-width and small forms (＝, ﹦, ＋, －,
＠) as the marks themselves, so the test is made on the first visible character, after
spaces of any kind (no-break, ideographic), byte-order marks and other invisible
characters, folded to its plain form (NFKC). In a CSV such cells get a leading
apostrophe, which spreadsheets show as plain text. In an XLSX every text cell is written
as a string cell, which Excel never evaluates, so the text is kept exactly. Numbers are
left alone.
"""
from __future__ import annotations

import io
import unicodedata

import pandas as pd

# Excel's limit; a larger table is offered as CSV only.
XLSX_MAX_ROWS = 1_048_575

FORMULA_MARKS = frozenset("=+-@")
CONTROL_STARTS = ("\t", "\r", "\n")


def _invisible(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cf", "Cc", "Zs")


def starts_a_formula(value: str) -> bool:
    if value.startswith(CONTROL_STARTS):
        return True
    visible = next((c for c in value if not _invisible(c)), "")
    return bool(visible) and unicodedata.normalize("NFKC", visible)[:1] in FORMULA_MARKS


def neutralise(value):
    if isinstance(value, str) and starts_a_formula(value):
        return "'" + value
    return value


def neutralised(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with its text cells and column names neutralised."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]) \
                or isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def safe_csv(table: pd.DataFrame, index: bool = False) -> bytes:
    """CSV (UTF-8 with a byte-order mark, so Excel reads accents) with text cells
    neutralised."""
    out = neutralised(table.reset_index() if index else table)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def safe_xlsx(table: pd.DataFrame, sheet: str = "Data", index: bool = False) -> bytes:
    """An Excel workbook of one sheet: text as string cells (never formulas or links),
    headers bold, the header row frozen, columns wide enough to read."""
    out = table.reset_index() if index else table
    if len(out) > XLSX_MAX_ROWS:
        raise ValueError(f"{len(out):,} rows is more than an Excel sheet holds; use the CSV")
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        frame = out.copy()
        for column in frame.columns:  # categoricals and pandas strings as plain text
            if isinstance(frame[column].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(frame[column]):
                frame[column] = frame[column].astype(object)
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        worksheet = writer.sheets[sheet[:31]]
        worksheet.freeze_panes(1, 0)
        for i, column in enumerate(frame.columns):
            longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(500)])
            worksheet.set_column(i, i, min(max(longest + 2, 8), 60))
    return buffer.getvalue()
