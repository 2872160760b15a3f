"""No import circle inside the package: every ``imgconv/**/*.py`` is parsed,
its imports of imgconv modules collected (top level and inside functions,
relative and absolute), and the graph they make must be acyclic."""
import ast
from pathlib import Path

import pytest

import imgconv

# the package under test, where it is installed (the sources beside the tests
# when it is an editable install, site-packages when it is a wheel)
PACKAGE = Path(imgconv.__file__).resolve().parent


def module_names(root):
    """``{dotted name: path}`` of the Python modules of the package at ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imported_modules(name, path, modules):
    """The modules of ``modules`` that the module ``name`` at ``path`` imports,
    wherever the import statement stands. ``from P import x`` imports the
    module ``P.x`` when there is one, else the package ``P`` (whose
    ``__init__`` provides ``x``); the parent packages a dotted import passes
    through are not counted (Python has begun importing them already)."""
    is_package = path.name == "__init__.py"
    package = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules)
    found.discard(name)
    return found


def import_graph(root):
    modules = module_names(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph):
    """One import circle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_package_has_no_import_circle():
    graph = import_graph(PACKAGE)
    assert "imgconv.conv" in graph and "imgconv" in graph       # it saw the package
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_convolution_modules_import_in_layers():
    graph = import_graph(PACKAGE)
    assert graph["imgconv._conv_geometry"] <= {"imgconv._validate"}
    assert "imgconv.conv" not in graph["imgconv.kernels"]
    assert "imgconv.conv" not in graph["imgconv.lipschitz"]


def _write_package(tmp_path, files):
    root = tmp_path / "imgconv"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("files,expected", [
    ({"__init__.py": "", "a.py": "from .b import f\n",
      "b.py": "def f():\n    from . import a\n"}, ["imgconv.a", "imgconv.b", "imgconv.a"]),
    ({"__init__.py": "from .a import g\n", "a.py": "import imgconv.b as b\n",
      "b.py": "from imgconv import g\n"},
     ["imgconv", "imgconv.a", "imgconv.b", "imgconv"]),
    ({"__init__.py": "", "sub/__init__.py": "from ..a import x\n",
      "a.py": "class A:\n    def m(self):\n        from .sub import y\n"},
     ["imgconv.a", "imgconv.sub", "imgconv.a"]),
], ids=["inside-a-function", "absolute-through-the-package", "subpackage"])
def test_the_checker_finds_circles(tmp_path, files, expected):
    assert find_cycle(import_graph(_write_package(tmp_path, files))) == expected


def test_the_checker_accepts_layers(tmp_path):
    root = _write_package(tmp_path, {
        "__init__.py": "from .a import f\nfrom .b import g\n",
        "a.py": "from . import _v\nfrom ._ext import kernel\n",
        "b.py": "def g():\n    from .a import f\n    import numpy\n",
        "_v.py": "import os\n",
        "_ext/__init__.py": ""})
    graph = import_graph(root)
    assert graph["imgconv.a"] == {"imgconv._v", "imgconv._ext"}
    assert graph["imgconv.b"] == {"imgconv.a"}
    assert find_cycle(graph) is None
