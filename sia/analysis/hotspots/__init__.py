"""Hotspot statistics on wards, LSOAs and grid cells: validation, units and the grid,
Getis-Ord Gi*, kernel density, patterns across periods, and runs for a dataset."""
