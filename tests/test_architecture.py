"""The package's layers (ARCHITECTURE.md): imports only go downward, and `import cxlib` is cheap."""

from __future__ import annotations

import ast
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


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every cxlib import in a file, at any depth (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
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
