"""How the app's caches key their arguments: every cached figure and view goes through
``cache_data`` or ``cache_resource`` here, Streamlit's own with faster keys for the two
kinds of argument a page passes a dozen times a view.

- Filters: Streamlit hashes a dataclass field by field, every crime type and month a value
  of its own (0.5 ms a call); its repr names every field's value, strings quoted, in 4 us.
- Tables: a digest of the pickled table (0.2 ms for a ward table; Streamlit's hashing takes
  4 ms, a digest of its Arrow form 1 ms). Pickling is lossless, so different tables never
  share a key; equal tables built differently may not share one, which costs a recompute,
  never a wrong view. The same digest keys a chart by all its inputs at once (``digest``).
"""
from __future__ import annotations

import hashlib
import pickle

import pandas as pd
import streamlit as st

from sia.analysis.filters import Filters


def digest(value) -> bytes:
    """A digest of a value's content (a table's: index, columns, types and values)."""
    return hashlib.md5(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).digest()


KEYS = {Filters: repr, pd.DataFrame: digest}


def cache_data(*, max_entries: int, show_spinner: bool | str = False, hash_funcs=None):
    """st.cache_data with the keys above (and ``hash_funcs``, for other types)."""
    return st.cache_data(max_entries=max_entries, show_spinner=show_spinner,
                         hash_funcs={**KEYS, **(hash_funcs or {})})


def cache_resource(*, max_entries: int, show_spinner: bool | str = False, hash_funcs=None):
    """st.cache_resource with the keys above: one value shared, not copied, by every session
    (callers must not change it)."""
    return st.cache_resource(max_entries=max_entries, show_spinner=show_spinner,
                             hash_funcs={**KEYS, **(hash_funcs or {})})
