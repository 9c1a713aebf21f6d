"""Hotspot statistics on wards, LSOAs and grid cells (square or hexagonal): validation, units and the grid,
Getis-Ord Gi*, kernel density, patterns across periods (sfhotspot-like, and emerging hot spot analysis
after Esri), and runs for a dataset."""
from sia.analysis.hotspots.density import (  # noqa: F401
    bandwidth_rule,
    distinct_places,
    kernel_density,
)
from sia.analysis.hotspots.emerging import (  # noqa: F401
    EHSA_PATTERNS,
    NO_PATTERN,
    EhsaRules,
    ehsa_classify,
    ehsa_pattern,
    ehsa_rules,
    emerging_hotspots,
    z_trend,
)
from sia.analysis.hotspots.gistar import (  # noqa: F401
    COLD_CLASSES,
    CONFIDENCE,
    CONTIGUITY_TOLERANCE_M,
    CORRECTIONS,
    GI_CLASSES,
    HOT_CLASSES,
    MAX_PERMUTATIONS,
    NO_NEIGHBOURS,
    NOT_SIGNIFICANT,
    PERMUTATIONS,
    SEED,
    GiStar,
    adjust_p_values,
    gi_class,
    hotspots_gistar,
    spatial_weights,
)
from sia.analysis.hotspots.patterns import (  # noqa: F401
    HOT_AT_LEVEL,
    PATTERN_METHODS,
    PATTERNS,
    SHIFT_LEVEL,
    SHIFTS,
    PatternRules,
    PeriodGiStar,
    gistar_by_period,
    hotspot_classify,
    hotspot_shift,
    hotspots_by_period,
)
from sia.analysis.hotspots.units import (  # noqa: F401
    add_rates,
    count_by_grid,
    count_by_polygons,
    counts_from_placement,
    grid_units,
    hex_units,
    incident_points,
    lsoa_units,
    place_in_polygons,
    read_lsoa_units,
    ward_units,
)
from sia.analysis.hotspots.validation import (  # noqa: F401
    check_overlap,
    check_points,
    check_same_crs,
    check_units,
    check_values,
)
