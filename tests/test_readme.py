"""The README opens with the two commands, and CI runs the second one verbatim."""
import re

from support import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_opens_with_run_and_test_commands():
    run, test = readme_commands()
    assert "streamlit run serve.py" in run and "requirements.txt" in run
    assert "pytest" in test and "ruff check ." in test and ".ci/setup" in test
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "requirements-dev.txt" in setup and "apt-get install" in setup and "chromium" in setup


def test_ci_runs_the_readme_test_command():
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci
