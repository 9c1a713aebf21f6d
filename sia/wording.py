"""Small pieces of English shared by the pages, the CLI and the reports."""
import math

from .change import p_text


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """'1 month', '7 months', '1,204 incidents'."""
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"


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
