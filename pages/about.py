"""About: how the figures are made, their caveats, and the data licences."""
from sia.app.navigation import run_through_app_navigation

# First, before the imports below (which take a moment on a freshly started server): a
# link opened first must not show Streamlit's own page list meanwhile.
run_through_app_navigation()

import streamlit as st

from sia.analysis.hotspots import (
    CONTIGUITY_TOLERANCE_M,
    PERMUTATIONS,
    SHIFT_LEVEL,
    EhsaRules,
    PatternRules,
    ehsa_rules,
)
from sia.analysis.stability import MIN_INCIDENTS, TOP_SHARE
from sia.app.chrome import page_header
from sia.app.loaders import outcome_groups
from sia.app.page import page_context
from sia.app.sign_in import app_access_policy
from sia.dataset.geography import SNAP_DISTANCE_M
from sia.dataset.location import DATA_DIR_VARIABLE
from sia.views.hotspot_layers import SHADINGS
from sia.views.outcomes import OPEN_CAUTION_SHARE
from sia.views.shown_text import markdown_text
from sia.views.wording import DATA_SOURCES, LICENCE, what_it_shows

dataset, _ = page_context(need_months=False)  # the shared sidebar; this page shows no figures
page_header("About this dashboard", dataset)
WHAT_IT_SHOWS = markdown_text(what_it_shows(dataset))

# The emerging hot spot rules as the code states them (sia/analysis/hotspots/emerging.py).
EHSA_TABLE = "\n".join(["| Pattern | Rule |", "|---|---|",
                        *(f"| {markdown_text(name)} | {markdown_text(rule)} |" for name, rule in ehsa_rules())])

# The outcome groups as data/outcomes.toml states them.
OUTCOMES = outcome_groups()
OTHER = OUTCOMES.by_role("other")
OUTCOME_TABLE = "\n".join(["| Group | police.uk outcomes |", "|---|---|",
                           *(f"| {markdown_text(g.title)} | {markdown_text('; '.join(g.outcomes))} |"
                             for g in OUTCOMES.groups)])

st.markdown(f"""
### What it shows
{WHAT_IT_SHOWS} ASB is always counted apart from crime.

### How the figures are made
- **Wards.** Each incident is placed in the ward whose boundary contains its map point,
  measured in British National Grid. police.uk moves every incident to an anonymised point
  on a nearby street, so a few real incidents sit just outside the generalised ward
  boundaries: a point within {SNAP_DISTANCE_M:.0f} m of a ward goes to the nearest ward;
  further out it is left out and counted on the Data page.
- **Financial years** run April to March (2014-15 is April 2014 to March 2015).
- **Per month** divides a year's incidents by the months it covers. **Per 1,000 residents
  a year** annualises that (× 12) and divides by the ward's residents (ONS mid-year
  estimates: mid-2015 for 2014-15, mid-2019 for 2019-20).
- **Like-for-like months** compares two years on the months of the year that both cover.
- **Map classes** are natural breaks (Fisher-Jenks) in five classes; every ward also carries
  its name and rank, so the map does not depend on colour.

### Hotspot statistics
- **Getis-Ord Gi\\*** compares the incidents in a unit *and its neighbours* with the city as
  a whole. A large positive z-score means more incidents there than chance would put
  together; a negative one, fewer. Units are wards, LSOAs or grid cells in British National
  Grid, square or hexagonal of the same area (by default about 50 cells across the city's
  shorter side).
  Neighbours: polygons whose edges come within {CONTIGUITY_TOLERANCE_M:g} m of each other
  (published boundaries are generalised, so neighbours do not share exact points); grid
  cells, the 8 around each square or the 6 around each hexagon. Computed with PySAL's esda.
- **p-values.** The analytic p-value (two-sided, normal approximation) decides the
  classes; a permutation pseudo p-value ({PERMUTATIONS:,} random rearrangements with a fixed
  seed) is given beside it. Testing every unit at once would find some "hotspots" by chance,
  so the p-values are **adjusted for multiple testing** (Benjamini-Hochberg false discovery
  rate by default; Holm on request) before units are classed **hot or cold at 99%, 95% or
  90% confidence**, or not significant. A unit with no neighbours is reported, not tested.
- **Assumptions.** Gi\\* asks whether incidents cluster in space, not why; it depends on the
  unit and neighbourhood chosen (a cluster can be significant on a grid and vanish in the 17
  wards, which are few and large); the normal approximation is rough for small counts,
  which is why the permutation p-value is shown too. Counts follow where people are and go
  (the city centre draws visitors), so a hotspot of counts is not a hotspot of risk to
  residents.
- **Kernel density** (the map's density layer) spreads each incident over a Gaussian
  kernel whose width follows the normal-reference rule (1.06 × the smaller of the standard
  deviation and the interquartile range / 1.34 × n^-1/5, on each axis, averaged), evaluated
  on the grid. It shows where incidents concentrate; it is not a significance test.
- **Patterns across periods** (the map's "{SHADINGS['sfhotspot']}"; the `hotspots --across`
  command): a unit significant in at least {PatternRules().persistent_share:.0%} of the
  periods is a persistent hotspot; one
  significant recently (the last {PatternRules().recent_share:.0%} of periods) but not
  before is emerging; before but not recently, former; otherwise, in at least
  {PatternRules().hotspot_share:.0%} of periods, intermittent (and the same for coldspots).
  With `--method ehsa`, the patterns are those of ArcGIS Pro's Emerging Hot Spot Analysis
  instead (below).
- **Emerging hot spot analysis** (the map's "{SHADINGS['ehsa']}"; `hotspots --across month
  --method ehsa`): Gi\\* in each month, within the year on the map, a unit counting as a
  hot (cold) spot in a month at an adjusted p-value below {EhsaRules().alpha:g} with a
  positive (negative) z-score, and a Mann-Kendall trend test (the pymannkendall package)
  of the unit's z-scores over the months, a trend counting at p below
  {EhsaRules().trend_alpha:g}. It needs at least {EhsaRules().fewest_periods()} months,
  the fewest in which a trend can be significant; with fewer than ten, "at least
  {EhsaRules().percent()}" means every month. Each month's Gi\\* uses that month alone.
  The patterns, each unit getting exactly one:

{EHSA_TABLE}

- **Between two years** (the map's "{SHADINGS['shift']}"; `hotspots --compare-years
  2014-15 2019-20`): Gi\\* in each year on the same units; a unit is hot in a year when it
  is a hotspot at {SHIFT_LEVEL} confidence or more, and is reported as hot in both years,
  the earlier only, the later only or neither. Each year is tested against itself, so this
  shows where the hotspots are in each year, not a tested change.

### Concentration and stability
- **How concentrated** (the overview, and beside the map for the units it shows; `python -m
  sia concentration`): the Lorenz curve ranks
  small areas from the busiest down against the share of incidents they hold; the **Gini
  coefficient** measures how far it bows from the even spread (0: every area alike; near 1:
  all in a few). With fewer incidents than areas, most areas must be empty even when
  incidents are as spread out as they can be, so the ordinary Gini overstates concentration;
  the **generalised Gini** of Bernasco and Steenbeek (2017) compares with that spread
  instead and is given then. "Half of the incidents in N% of the areas" is the smallest share
  of areas that together hold half.
- **Do the busy places stay busy** (the overview, and beside the map; `python -m sia stability`): the busiest
  {TOP_SHARE:.0%} of areas in the earlier year (never an area with none) are taken, and the
  **hit rate** is the share of the later year's incidents that fall in them; the
  **Predictive Accuracy Index** divides that by the share of the area they cover (1: no better
  than chance). **Spearman's rank correlation** says how alike the two years rank all areas.
  With fewer than {MIN_INCIDENTS} incidents in a year, a handful of incidents decide these
  figures, and the page says so.
- Areas are the dataset's LSOAs (about 1,500 residents each) when it holds them, else grid
  squares over the wards; wards are too few and too unequal for these figures. The commands
  also take grid squares or hexagons of one size.

### Outcomes
What happened after a crime was reported (the overview, the ward profile, the priorities,
the briefing packs; `python -m sia outcomes`): the latest outcome police.uk records for each
crime (a later one from police.uk's outcomes files, when the data was loaded with them), in
the groups of `data/outcomes.toml`. An outcome the table does not list is
counted under its own name in "{markdown_text(OTHER.title)}", never dropped. Anti-social
behaviour has no outcomes. A year with {OPEN_CAUTION_SHARE:.0%} or more of its crimes still
open is flagged: police.uk archives are cut soon after their last month, so the latest
months' outcomes are not final.

{OUTCOME_TABLE}

### Caveats
- The years held may be partial: every page says which months each year covers. Compare
  partial years per month, per 1,000 residents a year, or on like-for-like months.
- Recording practice changed between 2014 and 2019 (notably for violence and public order
  offences after the 2014 HMIC inspection of crime recording), so some rises reflect
  recording as much as behaviour.
- Locations are anonymised points: the street names are approximate, and several incidents
  often share one point. police.uk snaps each incident to one of a fixed set of map points
  near its street, so a hotspot is located to within a street or two, and grid cells with
  no map point always count zero.
- Recording rules and practice changed between 2014-15 and 2019-20, and the years held
  cover different months: hotspots of the two years are each tested against their own
  year, not compared as like with like.
- **Changes between the years** (overview, ward profile, map panel, priorities, the
  `change` command) compare incidents a month: the counts over the months each year covers
  are tested with an exact Poisson test (conditional binomial, as R's `poisson.test`),
  with a 95% confidence interval for the rate ratio. The test assumes incidents arrive
  independently at a steady rate; repeat locations and sprees make real counts vary more,
  so it calls changes significant too readily, and each ward or category is tested alone,
  so among many, about one in twenty unchanged ones will show as significant by chance.
  When the years cover different months, seasonality enters the comparison: like-for-like
  months avoid it.

### Data
Set `{DATA_DIR_VARIABLE}` to a dataset built with `python -m sia ingest`; without it the app
shows synthetic demo data on schematic wards.

Sources, all under the {LICENCE}:
{chr(10).join("- " + source for source in DATA_SOURCES)}

Briefing packs (ward profile, priorities, `python -m sia brief`) carry the same sources.

### Access
{app_access_policy().describe()}
""")
