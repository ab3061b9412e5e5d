"""What xling leaves to maintained libraries, and what it must not ship (issue #13, item 8).

The formulas themselves are pinned against their library beside their other tests:
Wilson interval -> tests/test_metrics.py (scipy.stats.binomtest), power law ->
tests/test_scaling.py (scipy.stats.linregress), Markdown -> tests/test_report_html.py
(markdown-it-py). Here: every third-party module the package imports is a declared dependency
(a library that only happens to be installed, through another package, can vanish with that
package's next release: typer 0.2x stopped installing click), and no test-only server lives in
the package.

Run: pytest tests/test_library_pins.py -v
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "xling"


def imported_top_level(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one module (including lazy ones)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def declared_distributions() -> set[str]:
    """Normalised names of every requirement in pyproject (dependencies and extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {normalise(re.match(r"[A-Za-z0-9_.\-]+", r).group(0)) for r in reqs}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_a_declared_dependency():
    modules = set().union(*(imported_top_level(p) for p in SRC.rglob("*.py")))
    third_party = sorted(m for m in modules if m not in sys.stdlib_module_names and m != "xling")
    dists = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    undeclared = {}
    for module in third_party:
        # An optional extra that is not installed here (vllm, verl): its module name is its name.
        owners = {normalise(d) for d in dists.get(module, [module])}
        if not owners & declared:
            undeclared[module] = sorted(owners)
    assert not undeclared, f"imported by src/xling but not declared in pyproject.toml: {undeclared}"


def test_the_package_ships_no_test_server():
    """The OpenAI-compatible test server is a test helper (tests/helpers), not package code."""
    assert importlib.util.find_spec("xling.generate.server") is None
    serving = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if "http" in imported_top_level(p) and "http.server" in p.read_text(encoding="utf-8")]
    assert serving == []
    assert (ROOT / "tests" / "helpers" / "openai_server.py").is_file()


def test_usage_errors_are_one_line_without_click(monkeypatch, capsys):
    """typer vendors click (typer._click); the CLI catches its usage errors without importing
    click, so an unknown option is click's short message and exit 2, not a traceback."""
    from xling import cli

    monkeypatch.setattr(sys, "argv", ["xling", "benchmarks", "--no-such-flag"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    err = capsys.readouterr().err
    assert info.value.code == 2 and "No such option: --no-such-flag" in err and "Traceback" not in err
