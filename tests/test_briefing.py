"""Briefing packs: made from the command line on the real data, their figures agree with
'python -m sia counts', the files stand alone, and text from the data stays text."""
import json
import re

import pytest
from pypdf import PdfReader

from sia.analysis.priorities.register import load_register
from sia.cli import main
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.store import open_dataset
from sia.views.briefing.content import priority_briefing, ward_briefing
from sia.views.briefing.files import briefing_html, write_briefing
from sia.views.wording import percent
from sia.words import ordinal

from police_rows import row, write_street, write_test_wards


def pdf_text(path) -> str:
    reader = PdfReader(str(path))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages), len(reader.pages)


def counts(capsys, data_dir, *args) -> list[dict]:
    capsys.readouterr()
    assert main(["counts", "--data-dir", str(data_dir), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_normanton_pack_from_the_command_line_agrees_with_counts(real_data_dir, tmp_path, capsys):
    out = tmp_path / "normanton.pdf"
    assert main(["brief", "--ward", "Normanton", "--fy", "2014-15", "--out", str(out),
                 "--data-dir", str(real_data_dir)]) == 0
    assert f"briefing pack written to {out}" in capsys.readouterr().out
    text, pages = pdf_text(out)
    assert pages >= 1 and "Normanton" in text
    rows = counts(capsys, real_data_dir, "--by", "ward", "--by", "crime_type", "--fy", "2014-15")
    mine = [r for r in rows if r["ward"] == "Normanton"]
    asb = sum(r["count"] for r in mine if r["crime_type"] == "Anti-social behaviour")
    crimes = sum(r["count"] for r in mine) - asb
    assert f"Normanton recorded {crimes:,} crimes" in text
    assert f"came to {asb:,} incidents" in text
    # The largest category, in words and as a share, from the same counts.
    top = max((r for r in mine if r["crime_type"] != "Anti-social behaviour"), key=lambda r: r["count"])
    assert f"was {top['crime_type'].lower()} ({top['count']:,} crimes, {top['count'] / crimes:.0%}" in text
    assert "Open Government Licence" in text and "7 of 12 months held" in text


def test_the_html_pack_is_one_file_that_needs_nothing_else(real_data_dir):
    pack = ward_briefing(open_dataset(real_data_dir), "arboretum", ["2014-15", "2019-20"])
    page = briefing_html(pack)
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    assert page.count("src='data:image/png;base64,") == len(pack.exhibits) == 4  # with the outcomes
    assert "Arboretum" in pack.title
    # Two years: each change is tested on the months both years hold, and says so.
    assert sum("like-for-like months (1 month of the year in both years)" in p for p in pack.narrative) == 2


def outcomes(capsys, data_dir, *args) -> list[dict]:
    capsys.readouterr()
    assert main(["outcomes", "--data-dir", str(data_dir), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_ward_pack_gives_the_outcomes_sia_outcomes_counts(real_data_dir, tmp_path, capsys):
    """The shares no suspect identified and charged, the ward's against Derby's, and the
    caution for a year whose crimes are mostly still open."""
    out = tmp_path / "normanton.pdf"
    assert main(["brief", "--ward", "Normanton", "--fy", "2014-15", "--fy", "2019-20", "--out", str(out),
                 "--data-dir", str(real_data_dir)]) == 0
    text, _ = pdf_text(out)
    rows = outcomes(capsys, real_data_dir, "--by", "ward", "--by", "fy", "--by", "outcome_group")
    for fy in ("2014-15", "2019-20"):
        mine = {r["outcome_group"]: r["count"] for r in rows if r["ward"] == "Normanton" and r["fy"] == fy}
        city = {}
        for r in rows:
            if r["fy"] == fy:
                city[r["outcome_group"]] = city.get(r["outcome_group"], 0) + r["count"]
        crimes = sum(mine.values())

        def share(counts, group):  # worded as every share is
            return percent(counts[group] / sum(counts.values()))
        assert (f"Of the {crimes:,} crimes in Normanton in {fy}, no suspect was identified for "
                f"{share(mine, 'no_suspect')} (Derby: {share(city, 'no_suspect')}); {share(mine, 'charged')} "
                f"(Derby: {share(city, 'charged')}) were charged or summonsed") in text
    assert "of 2019-20's crimes were still open" in text and "may be time, not policing" in text
    assert "Outcomes of crimes in Normanton" in text


def test_a_priority_pack_sets_named_wards_against_the_data(real_data_dir, tmp_path):
    dataset = open_dataset(real_data_dir)
    pack = priority_briefing(dataset, load_register(), "asb-2014", ["2014-15"])
    text = " ".join(pack.narrative)
    assert "Priority 1 of 9" in text and "Direct indicator" in text
    assert "The document names Normanton, Arboretum, Sinfin, Alvaston, Chaddesden, Derwent" in text
    out = write_briefing(pack, tmp_path / "asb.pdf")
    pdf, _ = pdf_text(out)
    assert "Named in the document against found in the data" in pdf


def test_a_priority_open_data_cannot_measure_gets_no_stand_in(real_data_dir):
    pack = priority_briefing(open_dataset(real_data_dir), load_register(), "cyber-2019")
    assert pack.figures == [] and pack.exhibits == [] and pack.tables == []
    assert any("No open-data indicator" in p and "Action Fraud" in p for p in pack.narrative)


@pytest.mark.parametrize("args, message", [
    (["--ward", "Nowhere"], "--ward: no ward called 'Nowhere'; use one of: Abbey"),
    (["--ward", "Abbey", "--fy", "2030-31"], "--fy: no data for financial year 2030-31"),
    (["--priority", "nope"], "--priority: no priority with id 'nope'; use one of: asb-2014"),
])
def test_bad_requests_say_what_to_do(real_data_dir, tmp_path, capsys, args, message):
    assert main(["brief", *args, "--out", str(tmp_path / "x.pdf"), "--data-dir", str(real_data_dir)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_checked_before_any_work(tmp_path, capsys):
    # No --data-dir: the suffix and folder are refused before a dataset is even opened.
    assert main(["brief", "--ward", "Abbey", "--out", str(tmp_path / "x.docx")]) == 2
    assert "cannot write a briefing pack as .docx; name a .pdf or .html file" in capsys.readouterr().err
    assert main(["brief", "--ward", "Abbey", "--out", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_failed_pack_leaves_no_file(real_data_dir, tmp_path, monkeypatch):
    import sia.views.briefing.files as briefing_pack

    pack = ward_briefing(open_dataset(real_data_dir), "Abbey")
    monkeypatch.setattr(briefing_pack, "chart_png", lambda chart: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        write_briefing(pack, tmp_path / "abbey.pdf")
    assert list(tmp_path.iterdir()) == []


HOSTILE = '=HYPERLINK("http://evil.example/","x") <script>alert(1)</script><img src=x onerror=alert(2)> & co'


def test_text_from_the_data_is_shown_never_run(tmp_path):
    wards = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"))
    write_street(tmp_path / "police", "2019-09", [row(month="2019-09", location=HOSTILE, crime_id=f"h{i}")
                                                  for i in range(3)] + [row(month="2019-09", x=436500)])
    build_dataset([tmp_path / "police"], wards, tmp_path / "data")
    pack = ward_briefing(open_dataset(tmp_path / "data"), "West")
    page = briefing_html(pack)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "=HYPERLINK(&quot;http://evil.example/&quot;,&quot;x&quot;) &lt;script&gt;" in page.replace('"', "&quot;")
    out = write_briefing(pack, tmp_path / "west.pdf")  # reportlab reads markup: escaped, it builds
    text, _ = pdf_text(out)
    assert "<script>alert(1)</script>" in text


def test_a_pack_on_the_demo_says_so_on_every_page(demo_data_dir, tmp_path):
    out = write_briefing(ward_briefing(open_dataset(demo_data_dir), "Normanton"), tmp_path / "demo.pdf")
    reader = PdfReader(str(out))
    assert "SYNTHETIC DEMO DATA" in reader.pages[0].extract_text()
    assert all("SYNTHETIC DEMO DATA" in page.extract_text() for page in reader.pages)


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 17, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "17th", "21st", "22nd", "23rd", "101st", "111th"]
