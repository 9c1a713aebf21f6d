"""Fetching the real data for real users: police.uk archive zips and ONS boundaries.

``fetch_dataset`` (in :mod:`sia.dataset.fetch.dataset`) downloads what a build needs into a
cache under the data directory and ingests it through the normal path
(:func:`sia.dataset.ingest.build_dataset`). One concern a module:

- :mod:`.http`: HTTP with retries, backoff and clear errors;
- :mod:`.rangefile`: a seekable file over HTTP range requests, for ``zipfile``;
- :mod:`.cache`: the download cache and its checksums (what is verified is not fetched again);
- :mod:`.police_archive`: choosing archive zips and reading the months asked for, with their
  stop-and-search and outcomes files;
- :mod:`.ons`: ward boundaries and the LSOA to ward lookup from ONS ArcGIS services;
- :mod:`.progress`: progress reporting (a stderr bar for the CLI; the app has its own).
"""
