"""Leaflet and its plugins served by the app itself, so maps work offline.

folium points every map element's JavaScript and CSS at public CDNs, which fails without
internet and on locked-down council networks. The package folium-offline ships the same
files, keyed by those CDN addresses; this module writes the ones a map uses into the app's
static folder (served by Streamlit at /app/static/) and points the map at them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import folium
from offlinefolium.elements import _res as CDN_FILES  # CDN address -> file content

STATIC_URL = "/app/static/map/"


class MissingAsset(RuntimeError):
    pass


def local_name(url: str) -> str:
    """A stable file name for a CDN address: its last part, prefixed by a short hash so
    that two versions never collide."""
    base = url.rstrip("/").rsplit("/", 1)[-1] or "asset"
    if not base.endswith((".js", ".css")):
        base += ".js"
    return f"{hashlib.sha256(url.encode()).hexdigest()[:8]}-{base}"


def _elements(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def localise(m: folium.Map, static_dir: Path) -> folium.Map:
    """Point every JS/CSS dependency of the map's elements at local copies, writing any
    that are missing. Raises MissingAsset for an address with no local copy."""
    target = static_dir / "map"
    target.mkdir(parents=True, exist_ok=True)
    for element in _elements(m):
        for attribute in ("default_js", "default_css"):
            assets = getattr(element, attribute, None)
            if not assets:
                continue
            local = []
            for name, url in assets:
                if url.startswith(STATIC_URL):
                    local.append((name, url))
                    continue
                if url not in CDN_FILES:
                    raise MissingAsset(f"no offline copy of {url} ({type(element).__name__})")
                path = target / local_name(url)
                content = CDN_FILES[url]
                if not path.exists() or path.stat().st_size != len(content.encode()):
                    tmp = path.with_suffix(path.suffix + ".tmp")
                    tmp.write_text(content, encoding="utf-8")
                    tmp.replace(path)
                local.append((name, STATIC_URL + path.name))
            setattr(element, attribute, local)
    return m
