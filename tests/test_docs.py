"""The README cannot drift from the code: every command, every option of every command and
every SIA_* environment variable the code reads is named in it."""
import argparse
import re

import pytest

from sia.cli import build_parser

from support import ROOT

README = (ROOT / "README.md").read_text()


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_is_in_the_readme():
    missing = [name for name in commands() if f"python -m sia {name}" not in README]
    assert not missing, f"commands missing from the README: {missing}"


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_option_is_in_the_readme(command):
    parser = commands()[command]
    options = [o for action in parser._actions if action.help != argparse.SUPPRESS
               for o in action.option_strings if o.startswith("--") and o != "--help"]
    missing = [o for o in options if not re.search(rf"`[^`]*{re.escape(o)}\b[^`]*`", README)]
    assert not missing, f"'{command}' options missing from the README: {missing}"


def test_every_environment_variable_is_in_the_readme():
    code = [p for p in [ROOT / "app.py", *ROOT.glob("sia/**/*.py"), *ROOT.glob("pages/*.py")]]
    variables = {v for p in code for v in re.findall(r"SIA_[A-Z_]+", p.read_text())}
    assert len(variables) >= 8  # the search finds them
    missing = sorted(v for v in variables if f"`{v}" not in README and f"${v}" not in README)
    assert not missing, f"environment variables missing from the README: {missing}"


def test_the_emerging_hotspot_rules_are_the_codes():
    """The README's table of emerging hot spot patterns is the text the code renders (and the
    About page shows): each hot spot rule, and 'no pattern'."""
    from sia.analysis.hotspots import ehsa_rules

    missing = [name for name, rule in ehsa_rules() if not name.endswith("coldspot")
               and f"| `{name}` | {rule} |" not in README]
    assert not missing, f"emerging hot spot rules missing from the README or worded otherwise: {missing}"
