import io

import pandas as pd

from sia.views.exports import safe_csv


def test_formulas_are_neutralised_and_numbers_kept():
    table = pd.DataFrame({"location": ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx",
                                       "On or near High Street"],
                          "count": [1, -2, 3, 4, 5, 6]})
    data = safe_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["location"].tolist()[:4] == ['\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)"]
    assert back["location"].iloc[5] == "On or near High Street"
    assert back["count"].tolist() == [1, -2, 3, 4, 5, 6]


LOOK_ALIKES = ["\uff1dcmd|' /C calc'!A0", "\ufe66HYPERLINK(1)", "\uff0b1", "\uff0d1", "\uff20SUM(A1)",
               " =1+1", "\u00a0=1", "\u3000+1", "\ufeff-1", "\ufeff@x", "\u200b=1", " \t =1", "\n=1", "  \u00a0@a"]


def test_look_alike_formula_starts_are_neutralised_too():
    table = pd.DataFrame({"location": LOOK_ALIKES + ["On or near = Street", "Caf\u00e9", " plain", ""]})
    back = pd.read_csv(io.BytesIO(safe_csv(table)), encoding="utf-8-sig", keep_default_na=False,
                       skip_blank_lines=False)
    assert back["location"].tolist() == ["'" + v for v in LOOK_ALIKES] + [
        "On or near = Street", "Caf\u00e9", " plain", ""]


def test_the_command_line_csv_is_neutralised(tmp_path):
    import contextlib

    from sia.cli import _print_table
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _print_table(pd.DataFrame({"ward": ["\uff1dEvil", "West"], "count": [1, -2]}), "csv")
    assert out.getvalue().splitlines() == ["ward,count", "'\uff1dEvil,1", "West,-2"]


def test_xlsx_keeps_text_exactly_and_never_as_a_formula():
    import zipfile

    from sia.views.exports import safe_xlsx
    table = pd.DataFrame({"location": pd.Categorical(['=HYPERLINK("http://x","y")', "@SUM(A1)", "On or near"]),
                          "count": [1, 2, 3], "rate": [1.5, float("nan"), 2.25]})
    book = zipfile.ZipFile(io.BytesIO(safe_xlsx(table, sheet="Ward figures")))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<c r=\"B2\"" in sheet
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "<t>=HYPERLINK(\"http://x\",\"y\")</t>" in strings and "<t>@SUM(A1)</t>" in strings
    assert "Ward figures" in book.read("xl/workbook.xml").decode()


def test_counts_by_ward_and_year_without_any_asb():
    from sia.views.tables import counts_by_ward_and_year
    incidents = pd.DataFrame({
        "ward_name": pd.Categorical(["West", "East"]), "fy": pd.Categorical(["2019-20", "2019-20"]),
        "month": pd.Categorical(["2019-09", "2019-09"]), "category": pd.Categorical(["Burglary", "Robbery"])})
    table = counts_by_ward_and_year(incidents)
    assert table.loc["West", "2019-20 crime per month"] == 1 and table.loc["East", "2019-20 ASB per month"] == 0
