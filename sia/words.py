"""Counting and quoting in English, for every layer: '1 month', '7 months', '3rd'."""
import re
import unicodedata


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """'1 month', '7 months', '1,204 incidents'."""
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def quoted(value: str, limit: int = 40) -> str:
    """A value from outside (a link, an option) as a message quotes it: short, for a value
    can be anything, as long as anything."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def slug(text: str) -> str:
    """Text as a file name's part: 'Bristol, City of' -> 'bristol-city-of', 'Ynys Môn' -> 'ynys-mon'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
