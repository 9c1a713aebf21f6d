"""Building the dataset: police.uk files, boundaries and denominators in; one tidy
table on disk out, every row accounted for (sources -> ingest -> geography -> store)."""
