"""Briefing packs as files, made by a worker process (sia.app.heavy): a pack takes seconds of
the interpreter (its charts, its map, the PDF), which would hold every other viewer's page."""
from __future__ import annotations

from sia.analysis.priorities.register import Register
from sia.app.loaders import dataset_of
from sia.views.briefing.content import assessment_briefing, priority_briefing, ward_briefing
from sia.views.briefing.files import briefing_file


def ward_pack(key: tuple[str, str], ward: str, fys: tuple[str, ...], measure: str, like_for_like: bool,
              suffix: str) -> bytes:
    """The ward's pack (sia.views.briefing.content.ward_briefing) as a .pdf or .html file."""
    return briefing_file(ward_briefing(dataset_of(key), ward, fys, measure=measure, like_for_like=like_for_like),
                         suffix)


def priority_pack(key: tuple[str, str], register: Register, priority_id: str, fys: tuple[str, ...],
                  suffix: str) -> bytes:
    """A priority's pack (priority_briefing) as a .pdf or .html file."""
    return briefing_file(priority_briefing(dataset_of(key), register, priority_id, fys), suffix)


def assessment_pack(key: tuple[str, str], register: Register, fy: str, against: str | None,
                    weights: tuple[tuple[str, float], ...], harm: tuple[tuple[str, float], ...], suffix: str) -> bytes:
    """The assessment of a year (assessment_briefing) as a .pdf or .html file."""
    return briefing_file(assessment_briefing(dataset_of(key), register, fy, against, dict(weights), dict(harm)),
                         suffix)
