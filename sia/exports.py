"""Tables as files a user downloads, safe to open in a spreadsheet.

A cell starting with =, +, -, @, tab or carriage return is read by Excel and its kin as a
formula; police.uk text fields (locations) could carry one. Such cells get a leading
apostrophe, which spreadsheets show as plain text. Numbers are left alone.
"""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(table: pd.DataFrame, index: bool = False) -> bytes:
    """CSV (UTF-8 with a byte-order mark, so Excel reads accents) with text cells
    neutralised."""
    out = table.copy()
    if index:
        out = out.reset_index()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]) \
                or isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
