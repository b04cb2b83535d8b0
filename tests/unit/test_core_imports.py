"""The protocol core stays pure Python: no web framework, database, crypto or HTTP library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import consentry.core

CORE = Path(consentry.core.__file__).resolve().parent
FORBIDDEN = frozenset(
    {"fastapi", "starlette", "sqlalchemy", "joserfc", "cryptography", "argon2", "httpx", "jinja2"}
)


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_core_files_are_found() -> None:
    assert CORE / "authorize.py" in CORE_FILES
    assert CORE / "grants" / "authorization_code.py" in CORE_FILES


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_framework(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert imported_roots(tree) & FORBIDDEN == set()


@pytest.mark.parametrize(
    ("source", "roots"),
    [
        pytest.param("import fastapi", {"fastapi"}, id="import"),
        pytest.param("import sqlalchemy.orm as orm", {"sqlalchemy"}, id="dotted-import"),
        pytest.param("from starlette.requests import Request", {"starlette"}, id="from-import"),
        pytest.param("def f():\n    import httpx\n", {"httpx"}, id="nested-import"),
        pytest.param(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import jinja2\n",
            {"typing", "jinja2"},
            id="type-checking-import",
        ),
        pytest.param("from . import pkce", set(), id="relative-import-ignored"),
    ],
)
def test_the_checker_sees_every_kind_of_import(source: str, roots: set[str]) -> None:
    assert imported_roots(ast.parse(source)) == roots
