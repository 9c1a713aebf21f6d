"""Map labels that do not overlap: each label's box estimated from its text and font size,
and labels whose boxes would meet nudged apart, in the map's own pixels.

Labels are drawn at a fixed size in pixels while the map scales, so the boxes are laid
out at the scale the map opens at (Leaflet's fitBounds on the map's box, or the still
map's projection), in web Mercator metres, where a pixel is the same size everywhere.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from reportlab.pdfbase.pdfmetrics import stringWidth

WEB_MERCATOR = "EPSG:3857"
_METRES_PER_PIXEL_AT_ZOOM_0 = 156_543.03392804097  # 2 pi 6,378,137 m over 256 pixels

# Browsers draw a label in their own sans-serif: DejaVu Sans Bold (Linux) is about 1.24
# times as wide as Helvetica Bold, whose widths reportlab knows; Arial is about Helvetica's.
_WIDEST_SANS = 1.25


def text_width(text: str, font_px: float) -> float:
    """The width in pixels a bold sans-serif ``text`` takes at most, estimated (generously)."""
    width = 0.0
    for ch in text:
        try:
            width += stringWidth(ch, "Helvetica-Bold", font_px) * _WIDEST_SANS if ord(ch) < 256 else font_px
        except (KeyError, UnicodeError, ValueError):
            width += font_px
    return width


def leaflet_metres_per_pixel(bounds: tuple[float, float, float, float], width_px: float, height_px: float,
                             zoom_snap: float = 0.25) -> float:
    """Web Mercator metres a pixel shows once Leaflet's fitBounds has fitted ``bounds``
    (minx, miny, maxx, maxy, in web Mercator metres) into a map of that size: the zoom
    that fits, snapped down to ``zoom_snap``."""
    minx, miny, maxx, maxy = bounds
    fit = max((maxx - minx) / width_px, (maxy - miny) / height_px, 1e-9)
    zoom = math.log2(_METRES_PER_PIXEL_AT_ZOOM_0 / fit)
    zoom = math.floor(round(zoom / zoom_snap, 6)) * zoom_snap
    return _METRES_PER_PIXEL_AT_ZOOM_0 / 2 ** zoom


def spread_labels(points: gpd.GeoSeries, texts: list[str], font_px: float, metres_per_pixel: float,
                  padding_px: float = 4.0, gap_px: float = 3.0, rounds: int = 200) -> gpd.GeoSeries:
    """``points`` (the labels' anchors, in any CRS) moved so that no two labels' boxes
    overlap: each box is the text's estimated width plus ``padding_px`` by a line of
    ``font_px``, and two boxes that would meet (closer than ``gap_px``) are pushed apart,
    each by half, along the axis that needs the shorter move, until none meet. Returned in
    the points' CRS."""
    if len(points) < 2:
        return points
    mercator = points.to_crs(WEB_MERCATOR)
    xy = np.column_stack([mercator.x, -mercator.y]) / metres_per_pixel  # pixels, y down as on screen
    half_w = np.array([text_width(t, font_px) + padding_px for t in texts]) / 2
    half_h = np.full(len(texts), (font_px * 1.25 + padding_px) / 2)
    for _ in range(rounds):
        moved = False
        for i in range(len(xy)):
            for j in range(i + 1, len(xy)):
                dx, dy = xy[j] - xy[i]
                over_x = half_w[i] + half_w[j] + gap_px - abs(dx)
                over_y = half_h[i] + half_h[j] + gap_px - abs(dy)
                if over_x <= 0 or over_y <= 0:
                    continue
                moved = True
                if over_y <= over_x:  # labels are wide: usually a short move up or down
                    push = np.array([0.0, (over_y / 2 + 0.01) * (1 if dy >= 0 else -1)])
                else:
                    push = np.array([(over_x / 2 + 0.01) * (1 if dx > 0 else -1), 0.0])
                xy[i] -= push
                xy[j] += push
        if not moved:
            break
    metres = xy * metres_per_pixel
    return gpd.GeoSeries(gpd.points_from_xy(metres[:, 0], -metres[:, 1]), index=points.index,
                         crs=WEB_MERCATOR).to_crs(points.crs)
