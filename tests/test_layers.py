"""The packages stay layered and small: imports point down, files and functions fit a screen."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each package and the packages of ours it may import (ARCHITECTURE.md, "Packages").
ALLOWED = {
    "twin": set(),
    "migrations": {"twin"},
    "retrieval": {"twin"},
    "render": {"twin"},
    "persona": {"retrieval", "twin"},
    "bot": {"persona", "render", "retrieval", "twin"},
    "web": {"persona", "render", "retrieval", "twin"},
    "cli": {"bot", "web", "persona", "render", "retrieval", "twin", "migrations"},
}
OURS = set(ALLOWED)
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []


def _imported(path: Path) -> set[str]:
    """Our top-level packages that `path` imports anywhere (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported(path) - ALLOWED[package] - {package})
        for path in _modules(package)
    }
    assert not {path: names for path, names in wrong.items() if names}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_files_and_functions_fit_a_screen(package: str) -> None:
    too_long = []
    for path in _modules(package):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        if len(text.splitlines()) > MAX_FILE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert not too_long


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_files_import_nothing_heavy(package: str) -> None:
    init = ROOT / package / "__init__.py"
    if package == "cli" or not init.exists():
        return  # the command line's package file is its entry point
    tree = ast.parse(init.read_text(encoding="utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]


@pytest.mark.parametrize(
    "name",
    [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in ("render", "retrieval", "twin")
        for path in _modules(package)
        if path.name != "__init__.py"
    ],
)
def test_exported_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    assert len(set(exported)) == len(exported)
    assert all(hasattr(module, item) for item in exported)
