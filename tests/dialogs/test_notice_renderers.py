"""Every notice the core can enqueue has a renderer in bot/dialogs/notices/, listed by kind."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.dialogs.notices import RENDERERS, known_kinds
from core.alerts import kinds

CORE = Path(__file__).resolve().parents[2] / "core"
# The core's calls that write a notice to the outbox, and the place of the kind among their
# arguments: the inbox's enqueue, the orders' and the agents' actions' helpers, the sweeps'
# due alerts.
KIND_ARGUMENT = {"enqueue": 1, "_outbox": 1, "_given": 3, "DueAlert": 1}


def _kind_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "kinds":
        return str(getattr(kinds, node.attr))
    return None  # a variable: the kind is a literal at its caller's call, found there


def kinds_the_core_enqueues() -> set[str]:
    found = {
        value for name, value in vars(kinds).items() if name.isupper() and isinstance(value, str)
    }
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            place = KIND_ARGUMENT.get(called or "")
            if place is not None and len(node.args) > place:
                kind = _kind_of(node.args[place])
                if kind is not None:
                    found.add(kind)
    return found


def test_every_notice_the_core_can_enqueue_has_a_renderer() -> None:
    enqueued = kinds_the_core_enqueues()
    # The walk sees the kinds written outside core/alerts/kinds.py too.
    assert {"order_not_applied", "ticket_closed", "handoff_started", "agent_extension"} <= enqueued
    assert enqueued - known_kinds() == set()


def test_each_renderer_is_listed_under_its_own_kind() -> None:
    assert all(notice.kind == kind for kind, notice in RENDERERS.items())
