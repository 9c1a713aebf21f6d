"""The 14 police.uk street-level categories and the historic names that map onto them."""
from __future__ import annotations

ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"

CATEGORIES: tuple[str, ...] = (
    ANTI_SOCIAL_BEHAVIOUR,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

CRIME_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != ANTI_SOCIAL_BEHAVIOUR)

# Names police.uk used before the 2013 category changes. "Public disorder and weapons"
# was split into "Public order" and "Possession of weapons" in May 2013; its rows cannot be
# split after the fact, so they go to "Public order" and the report says so.
HISTORIC_NAMES: dict[str, str] = {
    "Violent crime": "Violence and sexual offences",
    "Violence and sexual offences": "Violence and sexual offences",
    "Public disorder and weapons": "Public order",
}

HISTORIC_NOTES: dict[str, str] = {
    "Violent crime": "renamed 'Violence and sexual offences' by police.uk in May 2013",
    "Public disorder and weapons": (
        "split by police.uk in May 2013 into 'Public order' and 'Possession of weapons'; "
        "these rows are counted as 'Public order'"
    ),
}

_BY_FOLDED_NAME = {c.casefold(): c for c in CATEGORIES}
_BY_FOLDED_NAME.update({k.casefold(): v for k, v in HISTORIC_NAMES.items()})


def canonical_category(name: str) -> str | None:
    """The current category for a name as found in a CSV (any case), or None if unknown."""
    return _BY_FOLDED_NAME.get(" ".join(str(name).split()).casefold())

