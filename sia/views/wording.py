"""Small pieces of English shared by the pages, the CLI and the reports."""
import math

from sia.analysis.change import p_text


def change_sentence(change, first: str, last: str) -> str:
    """A row of measures.ward_change in words: '12.3 incidents a month in 2014-15, 15.0 in
    2019-20: up 22%, significant (p = 0.003)'."""
    figures = f"{change['before']:,.1f} incidents a month in {first}, {change['after']:,.1f} in {last}"
    if not change["direction"]:
        return f"{figures}: no months to compare"
    return f"{figures}: {change['direction']}, {change['significance']}"


def significance_cell(significant: bool, p_value: float) -> str:
    """For a table column 'Significant?': 'yes (p < 0.001)', 'no (p = 0.312)', '–' untested."""
    if p_value is None or math.isnan(p_value):
        return "–"
    return f"{'yes' if significant else 'no'} (p {p_text(p_value)})"


# The attribution every output carries: the About page, briefing packs.
DATA_SOURCES = (
    "Street-level crime and anti-social behaviour: data.police.uk (Home Office and police forces).",
    "Ward and LSOA boundaries and lookups: Office for National Statistics; contains OS data "
    "© Crown copyright and database right.",
    "Population estimates: Office for National Statistics.",
    "English Indices of Deprivation 2015 and 2019: Ministry of Housing, Communities and Local Government.",
)
LICENCE = "Open Government Licence v3.0"  # every source above is under it
