"""The package's layers (ARCHITECTURE.md): imports only go downward, and `import cxlib` is cheap."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cxlib"

LAYERS = {"errors": 0, "stats": 1, "data": 2, "registry": 2, "analyses": 3, "notebook": 4,
          "app": 5}
"""Layer of each top-level part of the package; a module may import from a lower layer or
from its own part, never from a higher layer or from another part of the same layer."""


def part_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "cxlib" or len(parts) < 2:
        return None
    return parts[1]


DYNAMIC = {"import_module", "__import__", "find_spec"}
"""Functions that import a module named by a string (importlib.import_module, __import__,
importlib.util.find_spec): what they load is an import like any other."""


def _dynamic_target(call: ast.Call) -> str | None:
    """The module a dynamic import names: the string itself, the part of an f-string before
    its first placeholder (``f"cxlib.app.{x}"`` → ``cxlib.app.``), a relative name resolved
    against ``package=``; "?" when the name is not written in the code."""
    if not call.args:
        return "?"
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        name = arg.value
    elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        name = str(arg.values[0].value)
    else:
        return "?"
    if name.startswith("."):
        package = next((k.value for k in call.keywords if k.arg == "package"), None)
        if not isinstance(package, ast.Constant):
            return "?"
        name = f"{package.value}{name}"
    return name


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every cxlib import in a file, at any depth (lazy imports too), and
    of every dynamic import (:data:`DYNAMIC`) that names a cxlib module or a module the code
    does not spell out ("?": its layer cannot be read)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = set(DYNAMIC)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("importlib", "importlib.util"):
            aliases |= {a.asname or a.name for a in node.names if a.name in DYNAMIC}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}: relative import at line {node.lineno}; use "
                                     "absolute cxlib.<layer>.<module> imports")
            if node.module and node.module.startswith("cxlib"):
                names = [f"{node.module}.{a.name}" for a in node.names] \
                    if node.module == "cxlib" else [node.module]
                found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("cxlib")]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in aliases:
                target = _dynamic_target(node)
                if target == "?" or target.startswith("cxlib"):
                    found.append((node.lineno, target))
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in ("__init__.py", "__main__.py"))


def test_every_module_belongs_to_a_layer():
    for path in modules():
        top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        assert top in LAYERS, f"{path} is in no layer; add it to ARCHITECTURE.md and LAYERS"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_downward(path):
    here = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    for line, module in imports(path):
        if module == "cxlib.__version__":
            continue
        assert module != "?", (f"{path.relative_to(PACKAGE)}:{line} imports a module it does "
                               "not name: write the module's name so that its layer can be "
                               "checked")
        there = part_of(module)
        assert there in LAYERS, f"{path.name}:{line} imports {module} through the facade"
        if there == here:
            continue
        assert LAYERS[there] < LAYERS[here], (
            f"{path.relative_to(PACKAGE)}:{line} ({here}, layer {LAYERS[here]}) imports "
            f"{module} ({there}, layer {LAYERS[there]}): imports must go downward")


def test_import_cxlib_is_cheap():
    code = ("import sys, cxlib; heavy = [m for m in ('pandas', 'numpy', 'scipy', 'statsmodels', "
            "'matplotlib', 'cxlib.stats', 'cxlib.data') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]", f"import cxlib loaded {out}"


def test_the_command_line_answers_without_loading_the_stack():
    code = ("import sys; from cxlib.app import cli; "
            "print([m for m in ('pandas', 'numpy', 'scipy', 'matplotlib') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]", f"the CLI module loaded {out} at import"


def test_dynamic_imports_are_checked_like_static_ones(tmp_path):
    """An import by name (importlib.import_module, __import__, find_spec, under any alias)
    is an import: one that reaches up a layer fails the check, and one whose module the code
    does not spell out is refused."""
    from_stats = tmp_path / "formatting.py"
    cases = {
        'import importlib\nimportlib.import_module("cxlib.app.evidence")\n': "cxlib.app.evidence",
        'from importlib import import_module as load\nload("cxlib.app.runner")\n':
            "cxlib.app.runner",
        '__import__("cxlib.notebook.session")\n': "cxlib.notebook.session",
        'import importlib\nimportlib.import_module(f"cxlib.app.{name}")\n': "cxlib.app.",
        'import importlib\nimportlib.import_module(".app", package="cxlib")\n': "cxlib.app",
        'import importlib\nimportlib.import_module(name)\n': "?",
        '__import__("pyarrow")\n': None,
    }
    for source, module in cases.items():
        from_stats.write_text(source, encoding="utf-8")
        found = [m for _, m in imports(from_stats)]
        assert found == ([module] if module else []), source
        if module and module != "?":
            assert LAYERS[part_of(module)] > LAYERS["stats"]  # the check above would fail


def test_the_facade_says_which_layer_each_name_comes_from():
    """Every name of ``cx`` comes from the layer the facade's table says, and the table
    and the facade's docstring list the same names."""
    import importlib

    import cxlib

    for name in cxlib.__all__:
        if name in ("LAYERS", "layer_of", "__version__"):
            continue
        value = getattr(cxlib, name)
        module = value.__name__ if inspect.ismodule(value) else value.__module__
        assert part_of(module) == cxlib.layer_of(name), (name, module)
        assert importlib.import_module(module)
        assert f"``{name}``" in cxlib.__doc__, f"{name} is not in the facade's table"
    assert cxlib.layer_of("customer_base") == "stats"
    assert cxlib.layer_of("customer_value") == "analyses"


def import_graph() -> dict[str, set[str]]:
    """Module → the cxlib modules it imports (lazy imports too)."""
    names = {"cxlib." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts): p
             for p in modules()}
    graph = {}
    for mod, path in names.items():
        deps = set()
        for _, target in imports(path):
            while target not in names and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in names and target != mod:
                deps.add(target)
        graph[mod] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = set()
            while not part or v not in part:
                part.add(stack.pop())
            if len(part) > 1:
                found.append(part)

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_round_a_cycle():
    """Before: data/datasets.py ↔ data/store.py (the store built the Dataset it stores);
    the Dataset now has a module of its own that both read. And app/runner.py ↔
    app/teaching.py ↔ app/outdir.py (both read the notebook list from the runner); the list
    is app/catalogue.py now, and the runner's other jobs are modules of their own."""
    assert cycles(import_graph()) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
