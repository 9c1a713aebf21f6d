"""The house's rules, enforced: imports run one way (dataset -> analysis -> views -> app), and
Streamlit is imported only by sia/app/, app.py, serve.py and the pages."""
import ast
import subprocess
import sys

import pytest

from support import ROOT

# Each layer may import itself and the layers before it; the root vocabulary (errors,
# categories, periods, paths) may import only itself.
LAYERS = ["root", "dataset", "analysis", "views", "app"]
ENTRY_POINTS = {"sia/cli.py", "sia/__main__.py"}  # the command line spans every layer


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "root"


def imports(path) -> list[str]:
    """Every module a file imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


SIA_FILES = sorted(p for p in (ROOT / "sia").rglob("*.py"))


def test_every_module_is_in_a_layer():
    folders = {p.relative_to(ROOT / "sia").parts[0] for p in SIA_FILES if len(p.relative_to(ROOT / "sia").parts) > 1}
    assert folders == set(LAYERS) - {"root"}


@pytest.mark.parametrize("path", SIA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path):
    relative = str(path.relative_to(ROOT))
    if relative in ENTRY_POINTS:
        return
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = LAYERS.index(layer_of(module))
    upward = [m for m in imports(path) if m.startswith("sia.") and LAYERS.index(layer_of(m)) > own]
    assert not upward, f"{relative} ({LAYERS[own]}) imports {upward}"


@pytest.mark.parametrize("path", [p for p in SIA_FILES if "app" not in p.relative_to(ROOT / "sia").parts[:1]],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_streamlit_is_imported_only_by_the_app(path):
    assert not [m for m in imports(path) if m.split(".")[0] == "streamlit"], path


def test_the_package_below_the_app_loads_without_streamlit():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in SIA_FILES
               if p.relative_to(ROOT / "sia").parts[0] in ("dataset", "analysis", "views")]
    script = f"import sys\nfor m in {modules!r}:\n    __import__(m)\nprint('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
