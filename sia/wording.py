"""Small pieces of English shared by the pages, the CLI and the reports."""


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """'1 month', '7 months', '1,204 incidents'."""
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"
