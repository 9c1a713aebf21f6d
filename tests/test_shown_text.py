"""Text from outside shown in Markdown: every mark escaped, autolinks broken, no paths."""
import re

import pytest

from sia.paths import ROOT
from sia.views.shown_text import WORD_JOINER, markdown_text, shown, without_paths

from support import unescaped


@pytest.mark.parametrize("text", [
    "![x](http://10.9.9.9/x.png)", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
    "**bold** :red[x] $x^2$ `code`", "Abbey\nWard\r\x00", "plain ward name",
    "see http://10.9.9.9/x.png", "HTTPS://evil.example", "www.evil.example/x", "jo@evil.example",
    "ftp://host/file mailto:jo@host xmpp:jo@host",
])
def test_a_reader_sees_the_text_itself(text):
    markdown = markdown_text(text)
    assert unescaped(markdown) == re.sub(r"[\x00-\x1f]+", " ", text)
    assert "\n" not in markdown
    # No ASCII punctuation is left unescaped: nothing can open a link, image, tag or style.
    assert not re.search(r"[!-/:-@\[-`{-~]", re.sub(r"\\[!-/:-@\[-`{-~]", "", markdown))


@pytest.mark.parametrize("text,literal", [
    ("see http://10.9.9.9/x.png", "http:"), ("HTTPS://evil.example", "HTTPS:"),
    ("www.evil.example/x", "www."), ("jo@evil.example", "jo@"), ("mailto:jo@host", "mailto:"),
])
def test_autolink_literals_are_broken(text, literal):
    """GitHub-style autolinks survive backslash escapes; a word joiner stops them."""
    reader_text = markdown_text(text).replace("\\", "")
    assert literal not in reader_text and literal.replace(literal[-1], WORD_JOINER + literal[-1]) in reader_text


def test_paths_are_cut_to_their_last_part():
    assert without_paths("cannot read /srv/sia/data/2014-04-derbyshire-street.csv here") == \
        "cannot read 2014-04-derbyshire-street.csv here"
    assert without_paths(f"{ROOT}/data/priorities.toml") == "data/priorities.toml"
    assert without_paths("/tmp/up/archive.zip!2014-04/x.csv") == "archive.zip!2014-04/x.csv"
    assert unescaped(shown("error in /srv/x/wards.geojson")) == "error in wards.geojson"
