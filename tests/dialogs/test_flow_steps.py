"""Steps are declared, not found by name: a flow whose step is incomplete, named twice, or
moved to from a flow that lacks it fails when the class is made or here, never on a user's turn."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows import all_flows


async def _ask(self: Flow, ctx: Context) -> None:
    ctx.say("?")


async def _read(self: Flow, ctx: Context) -> None:
    await ctx.finish()


def _goto_targets(klass: type) -> list[ast.expr]:
    """What every ``ctx.goto(...)`` in the class's own source moves to."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    targets: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "goto":
            [target] = node.args
            targets += [target.body, target.orelse] if isinstance(target, ast.IfExp) else [target]
    return targets


@pytest.mark.parametrize("flow", all_flows(), ids=lambda flow: flow.name)
def test_every_goto_of_a_flow_moves_to_one_of_its_own_steps(flow: Flow) -> None:
    seen = 0
    for klass in type(flow).__mro__:
        if klass in (Flow, object):
            continue
        for target in _goto_targets(klass):
            assert isinstance(target, ast.Attribute), ast.unparse(target)
            assert isinstance(target.value, ast.Name) and target.value.id == "self"
            step = getattr(flow, target.attr)
            assert isinstance(step, Step) and flow.has(step), f"{flow.name}: {target.attr}"
            seen += 1
    # A flow of several steps moves between them: the walk above must have found it doing so.
    assert seen or len(flow.steps) < 2


@pytest.mark.parametrize("flow", all_flows(), ids=lambda flow: flow.name)
def test_a_flow_with_steps_starts_at_one_of_them_and_one_without_begins_on_its_own(
    flow: Flow,
) -> None:
    if flow.steps:
        assert flow.has(flow.first_step)
    else:
        assert type(flow).begin is not Flow.begin


def test_the_step_names_kept_in_saved_conversations_stay_as_they_were() -> None:
    # A conversation saved before steps were declared resumes at the step of that name.
    steps = {flow.name: sorted(flow.steps) for flow in all_flows()}
    assert steps["buy"] == ["confirm", "kind", "months", "plan"]
    assert steps["login"] == ["identifier", "password"]
    assert steps["tickets"] == [
        "department",
        "files",
        "list",
        "message",
        "pick",
        "priority",
        "rate",
        "related_service",
        "reply",
        "subject",
        "view",
    ]
    assert steps["profile"] == [
        "birth_date",
        "confirm_birth_date",
        "email_code",
        "field",
        "mobile_code",
        "owner_password",
        "value",
        "view",
    ]


def test_a_step_without_its_reading_fails_when_it_is_declared() -> None:
    with pytest.raises(TypeError):
        Step("amount", _ask, None)  # type: ignore[arg-type]


def test_two_steps_of_one_name_fail_when_the_flow_is_made() -> None:
    with pytest.raises(TypeError, match="two steps are named 'amount'"):

        class Twice(Flow):
            name = "twice"
            AMOUNT = Step("amount", _ask, _read)
            AGAIN = Step("amount", _ask, _read)
            first_step = AMOUNT


def test_a_first_step_of_another_flow_fails_when_the_flow_is_made() -> None:
    elsewhere = Step("amount", _ask, _read)
    with pytest.raises(TypeError, match="first step"):

        class Borrowed(Flow):
            name = "borrowed"
            first_step = elsewhere


def test_a_flow_with_no_first_step_and_no_begin_fails_when_it_is_made() -> None:
    with pytest.raises(TypeError, match="no first step"):

        class Nowhere(Flow):
            name = "nowhere"
