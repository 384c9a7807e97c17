"""Usage details: every connection session of a period, ten to a page as the seed's panel shows
them (login, logout, download, upload, the credit deducted, IP), with the period's totals.

Periods are calendar days in the subscriber's time zone; "this month" is the Jalali month for
Persian readers, who also type Jalali dates.

```mermaid
flowchart LR
    period -->|last 7 / 30 days, this month| report
    period -->|custom| from_date --> to_date --> report
    report -->|first, previous, next, last page| report
    report -->|another period| period
```

The period's picture (download and upload a day, bot/rendering/usage_chart.py) comes first,
once, where the chat shows pictures.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import jdatetime

from bot.dialogs.contract import Attachment, Option
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_, InvalidDate
from bot.rendering.usage_chart import (
    chart_file_name,
    daily_usage,
    draw_usage_chart,
    period_title,
    today_against_yesterday,
)
from core.billing import units
from core.billing.read_models import UsageLine
from core.billing.units import BYTES_PER_MB
from core.billing.usage_pages import UsagePage

# The report's choices: the seed's page buttons, and another period.
FIRST, PREVIOUS, NEXT, LAST = "page:first", "page:previous", "page:next", "page:last"
ANOTHER_PERIOD = "usage:period"
# A page number past any period's last: the query gives the last page.
PAST_THE_END = 1_000_000
# The longest period one report covers, in days.
MAX_PERIOD_DAYS = 93
PERIODS: list[tuple[str, str]] = [
    ("7", N_("Last 7 days")),
    ("30", N_("Last 30 days")),
    ("month", N_("This month")),
    ("custom", N_("Choose dates")),
]
TODAY = "usage:today"


class UsageFlow(Flow):
    name = "usage"
    menu_label = N_("Usage details")
    menu_order = 30

    async def ask_period(self, ctx: Context) -> None:
        options = [ctx.option(f"period:{key}", ctx._(label)) for key, label in PERIODS]
        ctx.say(ctx._("Which period would you like to see?"), options=options)

    async def on_period(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        key = choice.removeprefix("period:") if choice.startswith("period:") else None
        today = _today(ctx)
        if key == "custom":
            await ctx.goto(self.FROM_DATE)
        elif key == "month":
            await _report(ctx, month_start(today, ctx.language), today)
        elif key in ("7", "30"):
            await _report(ctx, today - timedelta(days=int(key) - 1), today)
        else:
            await ctx.refuse(ctx._("Please choose one of the periods below."))

    async def ask_from_date(self, ctx: Context) -> None:
        ctx.say(
            ctx._("From which day? Please write the date like %(example)s.", example=example(ctx)),
            numbered=False,
        )

    async def on_from_date(self, ctx: Context) -> None:
        day = await _typed_date(ctx)
        if day is None:
            return
        ctx.data["from"] = day.isoformat()
        await ctx.goto(self.TO_DATE)

    async def ask_to_date(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Up to which day? Write the date like %(example)s, or choose Today.",
                example=example(ctx),
            ),
            options=[ctx.option(TODAY, ctx._("Today"))],
            numbered=False,
        )

    async def on_to_date(self, ctx: Context) -> None:
        if ctx.input.choice == TODAY:
            day: date | None = _today(ctx)
        else:
            day = await _typed_date(ctx)
        if day is None:
            return
        start = date.fromisoformat(ctx.data["from"])
        if day < start:
            await ctx.refuse(
                ctx._(
                    "That is before the first day you chose (%(start)s). Please write a later "
                    "date.",
                    start=ctx.t.date(start),
                )
            )
            return
        if (day - start).days + 1 > MAX_PERIOD_DAYS:
            await ctx.refuse(
                ctx._(
                    "That period is too long. Please choose at most %(days)s days at a time.",
                    days=MAX_PERIOD_DAYS,
                )
            )
            return
        await _report(ctx, start, day)

    async def ask_report(self, ctx: Context) -> None:
        page = await _page(ctx)
        # The page actually shown (the period may have fewer pages than when it was chosen).
        ctx.data["page"] = page.page
        ctx.say(report_text(ctx, page), options=page_options(ctx, page))

    async def on_report(self, ctx: Context) -> None:
        choice = ctx.input.choice
        current = int(ctx.data.get("page", 1))
        moves = {FIRST: 1, PREVIOUS: current - 1, NEXT: current + 1, LAST: PAST_THE_END}
        if choice == ANOTHER_PERIOD:
            await ctx.goto(self.PERIOD)
        elif choice in moves:
            ctx.data["page"] = moves[choice]
            await ctx.stay()
        else:
            await ctx.refuse(ctx._("Please choose one of the options below."))

    # ---- the steps ---------------------------------------------------------------------------
    PERIOD = Step("period", ask_period, on_period)
    FROM_DATE = Step("from_date", ask_from_date, on_from_date)
    TO_DATE = Step("to_date", ask_to_date, on_to_date)
    REPORT = Step("report", ask_report, on_report)
    first_step = PERIOD


def _today(ctx: Context) -> date:
    return ctx.services.clock.now().astimezone(ctx.t.zone).date()


def month_start(today: date, language: str) -> date:
    """The first day of the month today is in: of the Jalali month for Persian readers."""
    if language == "fa":
        jalali = jdatetime.date.fromgregorian(date=today)
        return jdatetime.date(jalali.year, jalali.month, 1).togregorian()
    return today.replace(day=1)


def example(ctx: Context) -> str:
    return ctx.t.date_example(_today(ctx))


async def _typed_date(ctx: Context) -> date | None:
    """The date typed at this step, or None once the problem was explained and asked again."""
    try:
        day = ctx.t.parse_date(ctx.input.text)
    except InvalidDate:
        await ctx.refuse(
            ctx._(
                "That is not a date I can read. Please write it like %(example)s.",
                example=example(ctx),
            )
        )
        return None
    if day > _today(ctx):
        await ctx.refuse(ctx._("That date is in the future. Please write a day up to today."))
        return None
    return day


async def _report(ctx: Context, first: date, last: date) -> None:
    """The period's first page; a period of one page ends the flow under it, a longer one stays
    at the report, where the pages are turned."""
    ctx.data.update({"from": first.isoformat(), "to": last.isoformat(), "page": 1})
    page = await _page(ctx)
    if page.sessions:
        await _picture(ctx, first, last)
    if page.pages <= 1:
        await ctx.finish(report_text(ctx, page))
        return
    await ctx.goto(UsageFlow.REPORT)


async def _picture(ctx: Context, first: date, last: date) -> None:
    """The period's picture (download and upload a day), once when the period is chosen, with
    today against yesterday in words; where pictures do not show (SMS) the words alone."""
    zone = ctx.t.zone
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    report = await ctx.services.billing_queries.usage(ctx.subscriber_id, start, end)
    days = daily_usage(report, ctx.t, first, last)
    title = period_title(ctx.t, first, last)
    # Off the event loop: a picture is milliseconds of CPU that other chats need not wait for.
    picture = await asyncio.to_thread(draw_usage_chart, ctx.t, days, title)
    comparison = today_against_yesterday(ctx.t, days, _today(ctx))
    text = f"{title}\n{comparison}" if comparison else title
    ctx.say(text, attachment=Attachment(chart_file_name(first, last), "image/png", picture))


async def _page(ctx: Context) -> UsagePage:
    first = date.fromisoformat(ctx.data["from"])
    last = date.fromisoformat(ctx.data["to"])
    zone = ctx.t.zone
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    return await ctx.services.billing_queries.usage_page(
        ctx.subscriber_id, start, end, int(ctx.data.get("page", 1))
    )


def page_options(ctx: Context, page: UsagePage) -> list[Option]:
    """The seed's First, Previous, Next, Last (those that lead somewhere new), then the ways out."""
    options = []
    if page.page > 2:
        options.append(ctx.option(FIRST, ctx._("First page")))
    if page.page > 1:
        options.append(ctx.option(PREVIOUS, ctx._("Previous page")))
    if page.page < page.pages:
        options.append(ctx.option(NEXT, ctx._("Next page")))
    if page.page < page.pages - 1:
        options.append(ctx.option(LAST, ctx._("Last page")))
    options.append(ctx.option(ANOTHER_PERIOD, ctx._("Another period")))
    options.append(ctx.option("cmd:menu", ctx._("Main menu")))
    return options


def report_text(ctx: Context, page: UsagePage) -> str:
    t = ctx.t
    first = date.fromisoformat(ctx.data["from"])
    last = date.fromisoformat(ctx.data["to"])
    period = ctx._("from %(start)s to %(end)s", start=t.date(first), end=t.date(last))
    if not page.sessions:
        return ctx._("No connections %(period)s.", period=period)
    lines = [ctx._("Your connections %(period)s:", period=period)]
    if page.pages > 1:
        lines.append(
            ctx._(
                "(page %(page)s of %(pages)s, %(count)s connections in all)",
                page=page.page,
                pages=page.pages,
                count=page.session_count,
            )
        )
    lines += [
        session_line(ctx, number, line)
        for number, line in enumerate(page.sessions, start=page.first_number)
    ]
    lines += [
        ctx._("Total download: %(traffic)s", traffic=megabytes(ctx, page.download_mb)),
        ctx._("Total upload: %(traffic)s", traffic=megabytes(ctx, page.upload_mb)),
        ctx._("Total used: %(traffic)s", traffic=megabytes(ctx, page.used_mb)),
        ctx._(
            "Deducted from your traffic: %(traffic)s",
            traffic=megabytes(ctx, page.deducted_mb),
        ),
    ]
    return "\n".join(lines)


def session_line(ctx: Context, number: int, line: UsageLine) -> str:
    """The seed's row: login, logout, download, upload, the credit deducted, the IP."""
    t = ctx.t
    if line.ended_at is None:
        end = ctx._("now (still connected)")
    elif t.day(line.ended_at) == t.day(line.started_at):
        end = t.time(line.ended_at)
    else:
        end = t.datetime(line.ended_at)
    params = {
        "number": number,
        "start": t.datetime(line.started_at),
        "end": end,
        "download": t.traffic(line.download_bytes, "MB"),
        "upload": t.traffic(line.upload_bytes, "MB"),
        "deducted": megabytes(ctx, units.deducted_mb(line.deducted_bytes)),
    }
    if line.ip:
        return ctx._(
            "#%(number)s %(start)s to %(end)s: down %(download)s, up %(upload)s, deducted "
            "%(deducted)s, IP %(ip)s",
            ip=line.ip,
            **params,
        )
    return ctx._(
        "#%(number)s %(start)s to %(end)s: down %(download)s, up %(upload)s, deducted %(deducted)s",
        **params,
    )


def megabytes(ctx: Context, value: Decimal) -> str:
    """A figure the core already rounded to 0.01 MB (the deducted one rounded down), shown with
    the language's unit. Back to whole bytes is within a byte of it, so rounding keeps it."""
    return ctx.t.traffic(int(value * BYTES_PER_MB), "MB")


FLOWS = [UsageFlow()]
