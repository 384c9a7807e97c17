"""Free text, understood: where a message that is no menu label and answers no question leads.

A confident match leads to its step, never further: buying, paying, a password or a ticket's
closing each still ask their usual confirmation, so text alone changes nothing. Unsure: "Did you
mean ...?" with the likeliest as options. Nothing fits: one sentence, the menu (an agent is one
of its options). Inside a question, an answer the question refused that clearly asks for
something else is offered beside the question, never taken (``offer_instead``).

```mermaid
flowchart LR
    text --> verdict{matcher}
    verdict -->|confident| step[the step: a flow, an FAQ answer, the connection check]
    verdict -->|unsure| ask[Did you mean ...?] -->|picked| step
    verdict -->|nothing| menu[not understood + menu] --> kept[(unmatched, scrubbed)]
    ask --> kept
```
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.dialogs.contract import Link, Option, Reply
from bot.dialogs.flow import Context
from bot.dialogs.menu import flow_choice
from bot.i18n import N_
from bot.understanding.intents import FAQ_PREFIX, NONE, is_faq
from bot.understanding.service import Verdict
from core.alerts.current import outages_concerning
from core.tickets.enums import Department
from core.understanding.queries import FaqView, faq_entry_by_topic

INTENT_PREFIX = "intent:"

# Where each label leads: a flow and the data it starts with.
FLOW_OF: dict[str, tuple[str, dict[str, Any]]] = {
    "my_service": ("status", {}),
    "days_left": ("status", {}),
    "traffic_left": ("status", {}),
    "buy_traffic": ("buy", {"asked": "buy_traffic"}),
    "renew": ("buy", {"asked": "service"}),
    "change_plan": ("buy", {"asked": "change_service"}),
    "usage": ("usage", {}),
    "free_charge": ("free_charge", {}),
    "history": ("history", {}),
    "receipts": ("history", {"section": "receipts"}),
    "ticket_new": ("tickets", {"action": "new"}),
    "my_tickets": ("tickets", {}),
    "agent": ("agent", {}),
    "profile": ("profile", {}),
    "documents": ("documents", {}),
    "language": ("language", {}),
    "pause": ("pause", {}),
}

# What a "Did you mean" option says for each label.
TITLES: dict[str, str] = {
    "my_service": N_("My service"),
    "days_left": N_("Days left on my service"),
    "traffic_left": N_("Traffic left"),
    "buy_traffic": N_("Buy traffic"),
    "renew": N_("Renew my service"),
    "change_plan": N_("Change service"),
    "usage": N_("Usage details"),
    "free_charge": N_("Free charge"),
    "history": N_("History"),
    "receipts": N_("Receipts"),
    "ticket_new": N_("New ticket"),
    "my_tickets": N_("My tickets"),
    "agent": N_("Talk to an agent"),
    "check_connection": N_("My Internet does not work"),
    "outage": N_("Outages in my area"),
    "pause": N_("Pause my service"),
    "forgot_password": N_("Forgot password"),
    "passwords": N_("Change a password"),
    "profile": N_("My profile"),
    "documents": N_("My documents"),
    "language": N_("Language"),
    "logout": N_("Log out"),
    "help": N_("Help"),
}


def intent_choice(label: str) -> str:
    return INTENT_PREFIX + label


def label_of(choice: str | None) -> str | None:
    if choice and choice.startswith(INTENT_PREFIX):
        return choice.removeprefix(INTENT_PREFIX) or None
    return None


async def answer_free_text(ctx: Context, verdict: Verdict) -> None:
    """A message at no question (the menu, or nothing shown yet): lead, ask, or say so."""
    text = ctx.turn.text or ""
    if verdict.understood and verdict.label is not None:
        await lead_to(ctx, verdict.label)
        return
    options = [await _option(ctx, scored.label) for scored in verdict.candidates]
    offered = [option for option in options if option is not None]
    if not offered and not ctx.state.get("options"):
        # The chat's first words ("hi", "salam"): the menu is the answer.
        await ctx.finish(None)
        return
    await ctx.services.understanding.keep_unmatched(text, ctx.language, ctx.turn.channel, verdict)
    if offered:
        offered.append(ctx.option("cmd:menu", ctx._("None of these: the main menu")))
        ctx.say(ctx._("Did you mean one of these?"), options=offered)
        return
    ctx.say(
        ctx._(
            "Sorry, I could not tell what you need. Here is the menu; you can also talk to an "
            "agent."
        )
    )
    await ctx.finish(None)


async def lead_to(ctx: Context, label: str) -> None:
    """The step ``label`` asks for (help is the engine's own, before this is called)."""
    if label in FLOW_OF:
        name, data = FLOW_OF[label]
        await ctx.start(name, **data)
    elif is_faq(label):
        await faq_answer(ctx, label.removeprefix(FAQ_PREFIX))
    elif label == "check_connection":
        await connection_check(ctx)
    elif label == "outage":
        await outage_info(ctx)
    elif label == "forgot_password" and ctx.subscriber is None:
        await ctx.start("password_reset")
    elif label in ("passwords", "forgot_password"):
        await _passwords(ctx)
    elif label == "logout":
        await _logout(ctx)
    else:  # none, or a label a newer version dropped
        await ctx.finish(None)


def offer_instead(ctx: Context, label: str, title: str) -> None:
    """The question was put again after a refused answer that asks for ``label``: offer it
    beside the question's own options (a typed number still picks those)."""
    if not ctx.replies or label == NONE:
        return
    question = ctx.replies[-1]
    option = Option(intent_choice(label), title)
    ctx.replies[-1] = replace(question, options=(*question.options, option))
    ctx.state.setdefault("options", []).append(option.id)
    ctx.state.setdefault("labels", []).append(option.label)
    ctx.replies.insert(
        len(ctx.replies) - 1,
        Reply(
            ctx._("Did you mean %(title)s? Choose it below, or answer the question.", title=title),
            language=ctx.language,
        ),
    )


async def title_of(ctx: Context, label: str) -> str | None:
    option = await _option(ctx, label)
    return option.label if option else None


async def _option(ctx: Context, label: str) -> Option | None:
    if is_faq(label):
        entry = await faq_entry_by_topic(label.removeprefix(FAQ_PREFIX))
        question = _first_question(entry, ctx.language) if entry else None
        return ctx.option(intent_choice(label), question) if question else None
    title = TITLES.get(label)
    return ctx.option(intent_choice(label), ctx._(title)) if title else None


def _first_question(entry: FaqView, language: str) -> str | None:
    for code in (language, "en", *sorted(entry.questions)):
        if entry.questions.get(code):
            return entry.questions[code][0]
    return None


# ---- the steps that are no flow ------------------------------------------------------------


async def faq_answer(ctx: Context, topic: str) -> None:
    entry = await faq_entry_by_topic(topic)
    answer = entry.answer_in(ctx.language) if entry else None
    if entry is None or answer is None:
        await ctx.finish(None)
        return
    links = []
    if entry.link:
        links.append(Link(entry.link, ctx._("Read more")))
    if entry.picture_url:
        links.append(Link(entry.picture_url, ctx._("See the picture")))
    ctx.say(
        answer,
        links=links,
        options=[
            ctx.option(flow_choice("agent"), ctx._("This did not help: talk to an agent")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ],
    )


async def connection_check(ctx: Context) -> None:
    """ "My Internet is down": the connection check's flow (a guest logs in first)."""
    await ctx.start("connection_check")


async def outage_info(ctx: Context) -> None:
    """Known outages on the subscriber's exchange centre or plan, and a technical ticket."""
    if ctx.subscriber is None:
        await ctx.finish(ctx._("Please log in, and I will check your line for known outages."))
        return
    lines = await _outage_lines(ctx)
    if not lines:
        lines.append(ctx._("We know of no outage on your line right now."))
    _say_with_next_steps(ctx, "\n\n".join(lines))


async def _outage_lines(ctx: Context) -> list[str]:
    subscriber = ctx.logged_in
    status = await ctx.reads.status(subscriber)
    plan_code = status.plan.code if status.plan else None
    outages = await outages_concerning(subscriber.exchange_centre, plan_code)
    lines = []
    for outage in outages:
        said = outage.texts.get(ctx.language) or outage.texts.get("en") or ""
        line = ctx._("A known outage affects your line: %(text)s", text=said)
        if outage.estimated_repair_at is not None:
            line += "\n" + ctx._(
                "Expected repair: %(when)s", when=ctx.t.datetime(outage.estimated_repair_at)
            )
        lines.append(line)
    return lines


def _say_with_next_steps(ctx: Context, text: str) -> None:
    ctx.say(
        text,
        options=[
            ctx.option(
                flow_choice("tickets", action="new", department=Department.TECHNICAL.value),
                ctx._("Open a technical ticket"),
            ),
            ctx.option(flow_choice("status"), ctx._("My service")),
            ctx.option(flow_choice("agent"), ctx._("Talk to an agent")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ],
    )


async def _passwords(ctx: Context) -> None:
    ctx.say(
        ctx._("Which password?"),
        options=[
            ctx.option(flow_choice("panel_password"), ctx._("Change panel password")),
            ctx.option(flow_choice("internet_password"), ctx._("Change internet password")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ],
    )


async def _logout(ctx: Context) -> None:
    if ctx.subscriber is None:
        await ctx.finish(None)
        return
    ctx.say(
        ctx._("Log out of this chat?"),
        options=[
            ctx.option(flow_choice("logout"), ctx._("Log out")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ],
    )
