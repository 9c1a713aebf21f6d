"""Text in police.uk files is data, never code: a location that is a spreadsheet formula and
carries HTML reaches the downloads neutralised and the map escaped."""
import csv
import http.server
import io
import json
import threading
import zipfile
from urllib.parse import quote, urlparse

import pytest

from sia.app.map_component import MAP_FRAME, MAP_FRAME_NAME
from sia.dataset.ingest import WardInputs, build_dataset

from police_rows import row, write_street, write_test_wards

pytestmark = pytest.mark.e2e

HOSTILE = ('=HYPERLINK("http://evil.example/","click") <script>window.__xss=1</script>'
           '<img src=x onerror="window.__xss=2">'
           # folium's library renders the map's script again as a Jinja template: this must
           # show as written, neither run (7*7 shown as 49) nor break the map (an unclosed if).
           ' {{ 7*7 }} {% if x %}')


@pytest.fixture(scope="module")
def hostile_data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    wards = WardInputs(boundaries=write_test_wards(root / "wards.geojson"))
    write_street(root / "police", "2019-09", [
        row(month="2019-09", location=HOSTILE, crime_id="a1"),
        row(month="2019-09", location=HOSTILE, crime_id="a2", x=436500),
        row(month="2019-09", location="On or near Test Street", crime_id="a3")])
    build_dataset([root / "police"], wards, root / "data")
    return root / "data"


def download(page, label: str) -> bytes:
    """The file a prepared download makes: its button, then the one that saves it."""
    page.get_by_role("button", name=label).click()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=f"Save: {label}").click(timeout=60_000)
    return open(info.value.path(), "rb").read()


def test_downloads_neutralise_the_formula(page, serve, hostile_data_dir):
    page.goto(f"{serve(hostile_data_dir)}/data")
    page.get_by_role("heading", name="Data and quality").first.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    text = download(page, "Incidents, 3 rows (CSV)").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    locations = [r["location"] for r in rows]
    assert locations.count("'" + HOSTILE) == 2 and "On or near Test Street" in locations
    # The crime IDs, which the server leaves unread until a download asks, are each crime's own.
    assert {r["crime_id"]: r["location"] for r in rows}["a3"] == "On or near Test Street"
    assert sorted(r["crime_id"] for r in rows) == ["a1", "a2", "a3"] and all(r["outcome_group"] for r in rows)
    workbook = zipfile.ZipFile(io.BytesIO(download(page, "Incidents, 3 rows (XLSX)")))
    sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula cells: Excel shows the text and runs nothing
    strings = workbook.read("xl/sharedStrings.xml").decode()
    assert "<t>" + HOSTILE.replace("<", "&lt;").replace(">", "&gt;") + "</t>" in strings


def test_the_map_shows_the_text_escaped(page, serve, hostile_data_dir):
    page.goto(f"{serve(hostile_data_dir)}/map?fy=2019-20&points=1")
    frame_locator = page.frame_locator(MAP_FRAME)
    # The incidents' markers (the ward labels are markers too, of no size: not waited for).
    frame_locator.locator(".marker-cluster, .sia-point").first.wait_for(timeout=120_000)
    frame = next(f for f in page.frames if MAP_FRAME_NAME in f.url)
    # Open every incident's popup (clustered markers too) and read what it shows.
    shown = frame.evaluate("""() => {
        const out = [], seen = new Set();
        const visit = layer => {
            if (layer.getLayers) { layer.getLayers().forEach(visit); return; }
            if (seen.has(L.stamp(layer))) return;
            seen.add(L.stamp(layer));
            const popup = layer.getPopup && layer.getPopup();
            if (!popup) return;
            popup.setLatLng(layer.getLatLng()).openOn(window.map_div);
            const box = document.querySelector('.leaflet-popup-content');
            out.push({text: box.innerText,
                      elements: box.querySelectorAll('script, img, a').length});
        };
        window.map_div.eachLayer(visit);
        return out;
    }""")
    hostile = [p for p in shown if p["text"].startswith("=HYPERLINK")]
    assert len(hostile) >= 2  # both hostile incidents (a marker may be met twice, clustered and not)
    assert all(p["text"].splitlines()[0] == HOSTILE and p["elements"] == 0 for p in hostile)
    assert frame.evaluate("window.__xss") is None and page.evaluate("window.__xss") is None
    assert page.locator("[data-testid='stException']").count() == 0


# Ward names from an uploaded boundary file and text in the URL are shown as text: never as
# an image, a link or styling that makes the browser fetch anything.
MARKDOWN_IMAGE = "![t](http://evil.example/ward.png)"
# HTML, styling and bare URLs and addresses (GitHub-style Markdown links those even when
# escaped), within the 100 characters a ward name may have.
BARE_LINKS = '<img src="http://evil.example/h"> :red[x] $x$ http://evil.example/b www.evil.example j@evil.example'


@pytest.fixture(scope="module")
def hostile_wards_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-wards")
    boundaries = write_test_wards(root / "wards.geojson")
    text = boundaries.read_text().replace('"West"', json.dumps(MARKDOWN_IMAGE)).replace(
        '"East"', json.dumps(BARE_LINKS))
    boundaries.write_text(text)
    write_street(root / "police", "2019-09", [row(month="2019-09", crime_id=f"w{i}") for i in range(4)]
                 + [row(month="2019-09", crime_id=f"e{i}", x=436500) for i in range(3)])
    build_dataset([root / "police"], WardInputs(boundaries=boundaries), root / "data")
    return root / "data"


@pytest.mark.parametrize("path", ["", "map?ward=WARD", "ward?ward=WARD", "ward?ward=BARE", "priorities", "data",
                                  "about",
                                  "?ward=" + quote("![u](http://evil.example/url.png)"),
                                  "map?layer=ward&ward=" + quote("<img src=http://evil.example/u2.png>")])
def test_hostile_names_and_url_text_fetch_nothing(page, serve, hostile_wards_dir, path):
    url = f"{serve(hostile_wards_dir)}/{path.replace('WARD', quote(MARKDOWN_IMAGE)).replace('BARE', quote(BARE_LINKS))}"
    page.goto(url)
    page.locator("h1").first.wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)  # toasts, the map's frame and anything late
    outside = [u for u in page.requests_seen if urlparse(u).hostname not in ("127.0.0.1", None)
               and not u.startswith(("data:", "blob:"))]
    assert outside == []
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stMarkdown'] img, [data-testid='stHeading'] img").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0  # no link, not even a bare URL
    # Headings as a reader sees them (the word joiners that stop autolinks are invisible).
    headings = [t.replace("\u2060", "") for t in page.locator("h1, h2, h3, h4").all_inner_texts()]
    if path.startswith("ward?"):
        assert f"Ward profile: {BARE_LINKS if 'BARE' in path else MARKDOWN_IMAGE}" in headings
    if path.startswith("map?ward"):
        assert MARKDOWN_IMAGE in headings  # the panel's heading, as text


# A page of another site that frames the map's frame: it listens for what the frame says and,
# once the frame has loaded, sends it a map whose script would mark the frame.
ELSEWHERE = """<!doctype html><html><body><iframe id="f" src="FRAME" width="400" height="300"></iframe><script>
window.__heard = [];
window.addEventListener("message", e => window.__heard.push(JSON.stringify(e.data).slice(0, 80)));
document.getElementById("f").addEventListener("load", () => {
  document.getElementById("f").contentWindow.postMessage({type: "streamlit:render", args: {
    height: 100, js_links: [], css_links: [], header: "",
    script: "window.__pwned = location.origin; var map_div = {on() {}, eachLayer() {}, remove() {}};"}}, "*");
  window.__sent = true;
});
</script></body></html>"""


def test_a_page_elsewhere_can_neither_run_a_script_in_the_map_frame_nor_hear_it(page, serve, real_data_dir):
    base = serve(real_data_dir)
    page.goto(f"{base}/map")  # the frame is served once the map page has been opened
    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    body = ELSEWHERE.replace("FRAME", f"{base}/component/{MAP_FRAME_NAME}/index.html").encode()

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    # Another origin (another port of this machine: a site on the internet would be stopped
    # from framing a loopback address by the browser itself).
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_function("window.__sent === true", timeout=30_000)
        page.wait_for_timeout(1000)  # time for the frame to act on the message, were it to
        frame = next(f for f in page.frames if MAP_FRAME_NAME in f.url)
        assert frame.evaluate("document.readyState") == "complete"
        assert frame.evaluate("window.__pwned") is None  # its script never ran
        assert page.evaluate("window.__heard") == []  # and the frame told it nothing (not even that it was ready)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
