"""The strategic assessment (sia.analysis.assessment) in words and as shown."""
from __future__ import annotations

import pandas as pd

from sia.analysis.assessment import Assessment
from sia.views.wording import percent


def assessment_lines(a: Assessment) -> list[str]:
    """What the assessment says, a sentence a line: the basis of the changes, what the data
    ranks high that no priority covers, the priorities it does not bear out or cannot measure."""
    out = [f"assessment of {a.fy}" + (f", changes against {a.against} on {a.basis}" if a.against else
                                      " (no other year: no change is scored)")]
    if not a.has_set:
        out.append(f"the register holds no city priority set for {a.fy}: nothing is said of coverage")
        return out
    out.append("ranked high by the data, and covered by no priority of the year: "
               + ("; ".join(a.uncovered) if a.uncovered else "none"))
    out.append("priorities the data does not bear out: " + ("; ".join(a.unsupported) if a.unsupported else "none"))
    if a.unmeasurable:
        out.append("priorities open data cannot measure: " + "; ".join(a.unmeasurable))
    return out


def shown_table(a: Assessment, by: str, printed: bool = False) -> pd.DataFrame:
    """The categories (``by`` 'category') or wards as a reader takes them: rank, score,
    volume, rate, the change against the other year, the trend, concentration, no suspect,
    the priorities covering it. ``printed``: for a page of a pack, the shares as numbers of
    percent (narrow columns) and no trend column when no trend could be tested."""
    table = a.categories if by == "category" else a.wards
    first = "Category" if by == "category" else "Ward"
    out = pd.DataFrame({first: table[by], "Rank": table["rank"], "Score": table["score"].round(2),
                        "Incidents": table["count"], "Per 1,000 a year": table["rate"]})
    if a.against:
        out["Change" if printed else f"Change on {a.against}"] = [f"{d}{' *' if s else ''}" if d else "–"
                                         for d, s in zip(table["direction"], table["significant"].fillna(False))]
    if not printed or table["trend"].astype(bool).any():
        out["Trend"] = [t or "–" for t in table["trend"]]
    if printed:
        out["Conc. %"] = (table["concentration"] * 100).round()
        out["No suspect %"] = (table["no_suspect_share"] * 100).round()
    else:
        out["Concentration"] = [percent(c) for c in table["concentration"]]
        out["No suspect"] = [percent(s) for s in table["no_suspect_share"]]
    out["Covered by"] = [c.replace("; ", ", ") or "–" for c in table["covered_by"]]
    return out
