"""xling's import graph goes one way: the layer rules hold, and nothing forms a cycle.

Every ``import``/``from ... import`` of an xling module counts, also those inside functions
(a lazy import hides a cycle from Python, not from the reader). A package importing one of its
own submodules, or a submodule importing its package's names, is how packages work and is
not counted as going through the package twice: edges are between the modules named.

The rules are one table, ``MAY_IMPORT`` (kept equal to DESIGN.md's "Imports go one way"): the
top-level parts of ``src/xling`` by layer, each with the parts it may import. A part that is not
in the table fails the test: a new part gets its place here (and in DESIGN.md) first.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

FOUNDATION = frozenset({"xling", "xling.schema", "xling.languages", "xling.registry", "xling.paths",
                        "xling.hub", "xling.checkpoint", "xling.progress", "xling.interrupts",
                        "xling.provenance", "xling.config"})
"""Import nothing above them (and may import one another, without a cycle)."""
LEAVES = frozenset({"xling.scoring", "xling.metrics", "xling.generate"})
"""Verdicts, formulas, completions: the foundation only (so scoring can be tested, benchmarked
and used as an RL reward without loading a trainer or a benchmark)."""
DATA = frozenset({"xling.data"})
"""Where Examples come from. A benchmark declares how it is scored and summarised: a card's gold
answers are checked with its scorer's reader, PolyMath's and IFEval's summaries use metrics'
formulas. It never samples (translation is a composer)."""
STORE = frozenset({"xling.store"})
"""The run directory (``RunDir``): every path and marker of a run, written with data's atomic
writers; read by evaluation, studies and reports."""
EVALUATION = frozenset({"xling.evaluation"})
"""A stage of its own: benchmark items -> completions -> verdicts -> rows and metrics in a run
directory. Composers (probes) and studies run evaluations; it runs no trainer."""
BELOW_COMPOSERS = FOUNDATION | LEAVES | DATA | STORE | EVALUATION
COMPOSERS = frozenset({"xling.train", "xling.probes", "xling.scaling", "xling.translate",
                       "xling.tiny"})
"""Compose the stages below; none imports another."""
STUDY = frozenset({"xling.study"})
REPORT = frozenset({"xling.report"})
TOP = frozenset({"xling.demo", "xling.cli", "xling.cli_settings", "xling.cli_train",
                 "xling.cli_translate"})
"""Compose everything (and one another)."""

MAY_IMPORT: dict[str, frozenset[str]] = {
    **{part: FOUNDATION for part in FOUNDATION},
    **{part: FOUNDATION for part in LEAVES},
    **{part: FOUNDATION | {"xling.scoring", "xling.metrics"} for part in DATA},
    **{part: FOUNDATION | DATA for part in STORE},
    **{part: FOUNDATION | LEAVES | DATA | STORE for part in EVALUATION},
    **{part: BELOW_COMPOSERS for part in COMPOSERS},
    **{part: BELOW_COMPOSERS | COMPOSERS for part in STUDY},
    **{part: BELOW_COMPOSERS | COMPOSERS | STUDY for part in REPORT},
    **{part: BELOW_COMPOSERS | COMPOSERS | STUDY | REPORT | TOP for part in TOP},
}
"""Top-level part -> the parts it may import (itself always)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the xling modules it imports (a name imported from a package counts as that
    submodule when one exists, else as the package)."""
    modules = {module_name(p): p for p in (SRC / "xling").rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path (first node repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def subpackage_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Edges between xling's top-level parts (``xling.study``, ``xling.report``, ...)."""
    top = lambda m: ".".join(m.split(".")[:2])  # noqa: E731
    out: dict[str, set[str]] = {}
    for src, targets in graph.items():
        out.setdefault(top(src), set()).update(top(t) for t in targets if top(t) != top(src))
    return out


def test_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_graph_counts_imports_inside_functions():
    # runner imports train only inside _train: the edge must be seen all the same.
    assert "xling.train" in import_graph()["xling.study.runner"]


def test_no_module_import_cycle():
    graph = import_graph()
    assert "xling.study.runner" in graph and "xling.data.benchmarks.card" in graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_no_subpackage_import_cycle():
    graph = subpackage_graph(import_graph())
    assert {"xling.study", "xling.report", "xling.data"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_every_part_has_its_place_in_the_layer_table():
    parts = set(subpackage_graph(import_graph()))
    unplaced = sorted(parts - set(MAY_IMPORT))
    assert not unplaced, f"place {unplaced} in MAY_IMPORT (and DESIGN.md's layer rules)"
    assert not set(MAY_IMPORT) - parts, "the table names a part that no longer exists"


def test_the_table_itself_points_down():
    # Outside the foundation and the top, nothing may import a part that may import it back.
    mutual = sorted((a, b) for a, allowed in MAY_IMPORT.items() for b in allowed
                    if a != b and a in MAY_IMPORT.get(b, ()) and not {a, b} <= FOUNDATION
                    and not {a, b} <= TOP)
    assert not mutual


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """The imports between parts that ``MAY_IMPORT`` does not allow, as "module -> module"."""
    top = lambda m: ".".join(m.split(".")[:2])  # noqa: E731
    return sorted(f"{src} -> {dst}" for src, targets in graph.items() for dst in targets
                  if top(src) != top(dst) and top(dst) not in MAY_IMPORT.get(top(src), ()))


def test_the_layer_check_sees_a_violation():
    graph = {"xling.data.pools": {"xling.generate.hf", "xling.scoring.math"},
             "xling.scoring.math": {"xling.schema"}, "xling.report.study": {"xling.study.spec"}}
    assert layer_violations(graph) == ["xling.data.pools -> xling.generate.hf"]


def test_no_upward_import():
    bad = layer_violations(import_graph())
    assert not bad, "imports against the layer rules:\n" + "\n".join(bad)
