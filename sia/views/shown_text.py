"""Text from data, uploads, settings or the URL, made safe to show.

Streamlit renders the text of titles, markdown, captions, alerts, toasts, metric labels,
expander labels and help as Markdown, so a ward name such as ``![x](http://host/x.png)``
would make every viewer's browser fetch an outside image. :func:`markdown_text` is the one
place such text is escaped: every ASCII punctuation mark gets a backslash (CommonMark shows
an escaped mark as itself, so ``*``, ``[``, ``<``, ``$`` and ``:`` lose their meaning) and
line breaks and control characters become spaces. Escapes do not stop GitHub-style
autolinks, which Streamlit's renderer makes of bare ``http://...``, ``www.`` and e-mail
text: an invisible word joiner (U+2060) after the scheme or ``www`` and before ``@`` keeps
such text a plain string to the reader's eye, and not a link. Use it where text from outside is put
into Markdown, and only there: tables, charts and file names take text as it is.

:func:`without_paths` keeps the server's folders out of what viewers read: absolute paths
are cut to their last part (a file's name, or ``archive.zip!member``), and paths inside the
app's own folder become relative.
"""
from __future__ import annotations

import re

from sia.paths import ROOT

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# Where GFM's autolink literals start: a scheme before ':', 'www' before '.', and '@'.
_AUTOLINK = re.compile(r"(?i)(?:(https?|ftp|mailto|xmpp)(?=:)|(www)(?=\.)|(?=@))")
WORD_JOINER = "\u2060"
# An absolute path: a '/' at the start or after a space, quote, '(' or '=' (so not a URL's
# path, nor '</b>'), running to the next space, quote or punctuation that ends a phrase.
_ABSOLUTE_PATH = re.compile(r"(?:^|(?<=[\s'\"(=]))/[^\s'\"(),;]+")


def markdown_text(text) -> str:
    """``text`` as Markdown that renders as the text itself, on one line."""
    plain = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2) or "") + WORD_JOINER, _CONTROL.sub(" ", str(text)))
    return _PUNCTUATION.sub(r"\\\1", plain)


def template_inert(text: str) -> str:
    """Text for the map (folium), whose library (branca) renders each element's finished
    script once more as a Jinja template: braces become HTML character references, so that
    ``{{ ... }}`` or ``{% ... %}`` in a ward or place name can neither run on the server nor
    break the map. Where the text is shown as HTML (tooltips, labels, popups) the braces
    show as themselves; escape the HTML first."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def without_paths(text) -> str:
    """``text`` with absolute paths cut to their last part."""
    text = str(text).replace(f"{ROOT}/", "")
    return _ABSOLUTE_PATH.sub(lambda m: _last_part(m.group(0)), text)


def _last_part(path: str) -> str:
    head, bang, member = path.partition("!")  # an archive member: 'archive.zip!2014-04/...'
    name = head.rstrip("/").rsplit("/", 1)[-1] or head
    return f"{name}{bang}{member}"


def shown(text) -> str:
    """Text from outside, for Markdown: without the server's paths, escaped."""
    return markdown_text(without_paths(text))
