"""Where the app's own files are: the folder that holds app.py, data/ and geo/."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
