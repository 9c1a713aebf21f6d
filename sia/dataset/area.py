"""The area a dataset is of: its name, the ONS local authority districts it covers, its
Community Safety Partnership and the police force(s) whose files it reads.

Recorded in the build's manifest (``"area"``): fetch takes it from ONS's lookup of local
authority districts to CSPs to police force areas; ingest is given it (``--area-name``,
``--district``, ``--force``). Every title, pack, banner and sentence takes the area's name
from here, never from the code. A build made before areas were recorded is Derby's: it was
the only area the tool then knew.

The name is text from outside (an ONS answer, an option) that goes into titles, file names
and Markdown: it is checked for its shape here, and escaped where it is shown
(sia.views.shown_text).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sia.errors import InputError, Problem
from sia.words import slug

# ONS GSS codes: a local authority district in England (E06 unitary, E07 district, E08
# metropolitan, E09 London borough) or Wales (W06); a Community Safety Partnership (E22, W22).
DISTRICT_CODE = re.compile(r"(?:E0[6-9]|W06)[0-9]{6}")
CSP_CODE = re.compile(r"[EW]22[0-9]{6}")
# police.uk's force names as they appear in its file names (derbyshire, avon-and-somerset).
FORCE_NAME = re.compile(r"[a-z]+(?:-[a-z]+){0,5}")
MAX_NAME = 60


@dataclass(frozen=True)
class Area:
    name: str  # 'Derby', 'Bristol, City of', 'Rhondda Cynon Taf'
    districts: tuple[str, ...] = ()  # ONS local authority district codes
    csp: str = ""  # ONS Community Safety Partnership code, when known
    forces: tuple[str, ...] = ()  # police.uk force names

    def to_dict(self) -> dict:
        return {"name": self.name, "districts": list(self.districts), "csp": self.csp, "forces": list(self.forces)}

    @classmethod
    def from_dict(cls, raw) -> Area:
        """The area a manifest records; ValueError naming what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError("the area is not an object")
        districts, forces, csp = raw.get("districts", []), raw.get("forces", []), raw.get("csp", "")
        if not (isinstance(districts, list) and all(isinstance(d, str) and DISTRICT_CODE.fullmatch(d)
                                                    for d in districts)):
            raise ValueError("the area's districts are not ONS district codes")
        if not (isinstance(forces, list) and all(isinstance(f, str) and FORCE_NAME.fullmatch(f) for f in forces)):
            raise ValueError("the area's forces are not police.uk force names")
        if not (isinstance(csp, str) and (csp == "" or CSP_CODE.fullmatch(csp))):
            raise ValueError("the area's CSP is not an ONS CSP code")
        try:
            name = area_name(raw.get("name"))
        except InputError:
            raise ValueError("the area's name is not a name") from None
        return cls(name, tuple(districts), csp, tuple(forces))

    def serves(self, other: Area) -> bool:
        """Whether the two are one area (the same districts, or the same name when either
        names none): what a register written for ``other`` may be held against."""
        if self.districts and other.districts:
            return set(self.districts) == set(other.districts)
        return fold(self.name) == fold(other.name)

    @property
    def slug(self) -> str:
        """The name for file names: 'derby', 'bristol-city-of'."""
        return slug(self.name) or "area"


DERBY = Area("Derby", ("E06000015",), forces=("derbyshire",))

# Letters of any script (Ynys Môn), digits, spaces and the marks ONS names use: 'Bristol,
# City of', 'Kingston upon Hull', "King's Lynn and West Norfolk", 'Brighton & Hove',
# 'Stockton-on-Tees', 'St. Helens', 'Folkestone and Hythe (Shepway)'.
_NAME = re.compile(r"[^\W_](?:[\w ,.'&()\-]*[\w.)])?")


def area_name(text) -> str:
    """The area's name, tidied (NFC, single spaces), or InputError when it is not a name."""
    name = re.sub(" {2,}", " ", unicodedata.normalize("NFC", text).strip(" ")) if isinstance(text, str) else ""
    # No control, format (zero-width) or separator character but the plain space.
    invisible = any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name)
    if not (name and not invisible and len(name) <= MAX_NAME and _NAME.fullmatch(name) and "_" not in name):
        raise InputError(Problem(f"{str(text)[:80]!r} is not an area's name", "the area",
                                 f"give its name as ONS writes it, at most {MAX_NAME} characters of letters, "
                                 "digits, spaces and , . ' & ( ) -"))
    return name


def fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def area_of(manifest: dict) -> Area:
    """The area a build's manifest records; Derby for a build made before areas were recorded."""
    return Area.from_dict(manifest["area"]) if "area" in manifest else DERBY
