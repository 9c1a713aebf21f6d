"""Derby community safety analysis: police.uk data placed in wards, counted and compared."""
