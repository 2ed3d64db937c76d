"""The import graph: data flows one way (connectors -> rules -> reports -> pipelines) and no package
module imports another in a circle. Read from the source with `ast`, so type-only imports count too:
a circle through `if TYPE_CHECKING:` still shows code in the wrong home."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A layer may import the layers before it, never those after it. xuncha/ is the shared core.
LAYERS = ["connectors", "rules", "reports", "pipelines"]


def _modules() -> dict[str, Path]:
    out = {}
    for package in [*LAYERS, "xuncha"]:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _imports(path: Path, known: set[str]) -> set[str]:
    """Project modules `path` imports (anywhere in the file, including inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {m: _imports(p, known) - {m} for m, p in modules.items()}
    # A package's __init__ re-exporting its own submodules is not a circle in the design.
    return {m: {d for d in deps if not (modules[m].name == "__init__.py" and d.startswith(m + "."))}
            for m, deps in graph.items()}


def _cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """One import circle among `nodes`, as a path, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m] & nodes):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(nodes):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


# Circles known and owed a fix (each names where it came from); any other circle fails.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def test_no_import_circles_within_a_layer() -> None:
    graph = _graph()
    for a, b in (tuple(c) for c in KNOWN_CIRCLES):  # cut the known ones, so new ones still show
        graph[a] = graph[a] - {b}
    for package in [*LAYERS, "xuncha"]:
        nodes = {m for m in graph if m.startswith(package + ".")}
        assert _cycle(graph, nodes) is None, f"import circle in {package}: {' -> '.join(_cycle(graph, nodes))}"


def test_layers_import_only_downwards() -> None:
    graph = _graph()
    upward = []
    for m, deps in graph.items():
        layer = m.split(".")[0]
        if layer not in LAYERS:
            continue
        higher = LAYERS[LAYERS.index(layer) + 1:]
        upward += [f"{m} -> {d}" for d in sorted(deps) if d.split(".")[0] in higher]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_the_checker_sees_a_circle() -> None:
    """The cycle finder itself: a made-up graph with a circle is caught, one without is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph, set(graph)) == ["a", "b", "c", "a"]
    graph["c"] = set()
    assert _cycle(graph, set(graph)) is None


def test_connectors_files_stay_small_or_say_why() -> None:
    """No connectors module over ~400 lines without a reason stated at its top."""
    long = []
    for path in (ROOT / "connectors").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 420 and "long because" not in text[:1500].lower():
            long.append(f"{path.name}: {text.count(chr(10))} lines")
    assert not long, "connectors modules over ~400 lines without a reason at the top:\n" + "\n".join(long)
