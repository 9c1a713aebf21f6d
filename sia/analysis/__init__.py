"""Figures from a dataset: what the filters select, measures and rates, counts,
change between years, hotspot statistics and the priorities' evidence. No display here."""
