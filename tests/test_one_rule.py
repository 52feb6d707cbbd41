"""A rule lives in one place and every caller uses it; what nothing uses is gone.

These read the source (ast), so a copy of a rule written again elsewhere fails
here before it drifts from the original.
"""

import ast
from pathlib import Path

from django.conf import settings

from abl.calc.fees import FeeStatement
from abl.calc.receivables import CustomerResult
from abl.models import User

ROOT = Path(__file__).resolve().parent.parent
APPS = ("abl", "covenants", "reporting", "config")


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(), filename=str(path)))
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def _is_request_user(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "user"
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _mentions_line_cap(node: ast.expr) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "line_cap")
        or (isinstance(n, ast.Attribute) and n.attr == "line_cap")
        or (isinstance(n, ast.Constant) and n.value == "line_cap")
        for n in ast.walk(node)
    )


def test_views_get_the_signed_in_user_from_one_helper():
    helpers = [
        f"{path}:{function.name}"
        for path, tree in _modules()
        for function in _functions(tree)
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and _is_request_user(node.value)
    ]

    assert helpers == ["abl/access.py:signed_in_user"]


def test_excess_availability_is_worked_out_only_by_its_rule():
    subtractions = [
        f"{path}:{function.name}"
        for path, tree in _modules()
        for function in _functions(tree)
        for node in ast.walk(function)
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and _mentions_line_cap(node.left)
    ]

    assert subtractions == ["abl/calc/loans.py:excess_availability"]


def test_no_two_access_predicates_compute_the_same_thing():
    bodies: dict[str, list[str]] = {}
    for path in ("abl/access.py", "covenants/access.py"):
        tree = ast.parse((ROOT / path).read_text())
        for function in tree.body:
            if isinstance(function, ast.FunctionDef):
                body = [n for n in function.body if not _is_docstring(n)]
                key = ast.dump(ast.Module(body=body, type_ignores=[]))
                bodies.setdefault(key, []).append(f"{path}:{function.name}")

    assert [names for names in bodies.values() if len(names) > 1] == []


def test_unused_helpers_and_the_htmx_middleware_are_gone():
    assert not hasattr(User, "is_borrower")
    assert not hasattr(FeeStatement, "total_text")
    assert not hasattr(CustomerResult, "whole_balance_category")
    assert not [app for app in settings.INSTALLED_APPS if app.startswith("django_htmx")]
    assert not [m for m in settings.MIDDLEWARE if m.startswith("django_htmx")]


def _calls(function: ast.FunctionDef, name: str) -> bool:
    return any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
        for node in ast.walk(function)
    )


def test_terms_are_parsed_only_by_the_one_cache_of_parsed_terms():
    # Views, presenters and services read parsed terms through abl/services/terms.py
    # (parsed_terms, parsed_version, facility_terms, newest_terms, computation_terms),
    # which parses a version once while it is in use.
    parsers = [
        f"{path}:{function.name}"
        for path, tree in _modules()
        for function in _functions(tree)
        if _calls(function, "parse_terms")
    ]

    assert parsers == [
        "abl/calc/terms/parsing.py:load_terms_yaml",
        "abl/services/terms.py:parsed_terms",
        "abl/services/terms.py:parsed_version",
    ]
