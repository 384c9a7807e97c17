"""Usage details: the connection sessions of a period (the last ones), with the period's totals.

Periods are calendar days in the subscriber's time zone; "this month" is the Jalali month for
Persian readers, who also type Jalali dates.

```mermaid
flowchart LR
    period -->|last 7 / 30 days, this month| report
    period -->|custom| from_date --> to_date --> report
```
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import jdatetime

from bot.dialogs.contract import Attachment
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_, InvalidDate
from bot.rendering.usage_chart import (
    chart_file_name,
    daily_usage,
    draw_usage_chart,
    period_title,
    today_against_yesterday,
)
from core.billing.read_models import UsageLine, UsageReport
from core.billing.units import BYTES_PER_MB

# The sessions shown at most (the latest ones); the totals always cover the whole period.
SHOWN_SESSIONS = 10
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

    # ---- the steps ---------------------------------------------------------------------------
    PERIOD = Step("period", ask_period, on_period)
    FROM_DATE = Step("from_date", ask_from_date, on_from_date)
    TO_DATE = Step("to_date", ask_to_date, on_to_date)
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
    zone = ctx.t.zone
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    report = await ctx.services.billing_queries.usage(ctx.subscriber_id, start, end)
    text = report_text(ctx, report, first, last)
    if not report.sessions:
        await ctx.finish(text)
        return
    days = daily_usage(report, ctx.t, first, last)
    comparison = today_against_yesterday(ctx.t, days, _today(ctx))
    if comparison:
        text = f"{text}\n{comparison}"
    # Off the event loop: a picture is milliseconds of CPU that other chats need not wait for.
    picture = await asyncio.to_thread(
        draw_usage_chart, ctx.t, days, period_title(ctx.t, first, last)
    )
    # The picture goes with the report (where pictures show: SMS keeps the text), then the menu.
    ctx.say(text, attachment=Attachment(chart_file_name(first, last), "image/png", picture))
    await ctx.finish()


def report_text(ctx: Context, report: UsageReport, first: date, last: date) -> str:
    t = ctx.t
    period = ctx._("from %(start)s to %(end)s", start=t.date(first), end=t.date(last))
    if not report.sessions:
        return ctx._("No connections %(period)s.", period=period)
    lines = [ctx._("Your connections %(period)s:", period=period)]
    shown = report.sessions[-SHOWN_SESSIONS:]
    if len(shown) < len(report.sessions):
        lines.append(
            ctx._("(the last %(shown)s of %(total)s)", shown=len(shown), total=len(report.sessions))
        )
    lines += [session_line(ctx, line) for line in shown]
    lines += [
        ctx._("Total download: %(traffic)s", traffic=megabytes(ctx, report.download_mb)),
        ctx._("Total upload: %(traffic)s", traffic=megabytes(ctx, report.upload_mb)),
        ctx._("Total used: %(traffic)s", traffic=megabytes(ctx, report.used_mb)),
        ctx._(
            "Deducted from your traffic: %(traffic)s",
            traffic=megabytes(ctx, report.deducted_mb),
        ),
    ]
    return "\n".join(lines)


def session_line(ctx: Context, line: UsageLine) -> str:
    t = ctx.t
    if line.ended_at is None:
        duration = ctx._("still connected")
    else:
        minutes = int((line.ended_at - line.started_at).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            duration = ctx._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
        else:
            duration = ctx._("%(minutes)s min", minutes=minutes)
    return ctx._(
        "• %(start)s, %(duration)s: down %(download)s, up %(upload)s",
        start=t.datetime(line.started_at),
        duration=duration,
        download=t.traffic(line.download_bytes, "MB"),
        upload=t.traffic(line.upload_bytes, "MB"),
    )


def megabytes(ctx: Context, value: Decimal) -> str:
    """A figure the core already rounded to 0.01 MB (the deducted one rounded down), shown with
    the language's unit. Back to whole bytes is within a byte of it, so rounding keeps it."""
    return ctx.t.traffic(int(value * BYTES_PER_MB), "MB")


FLOWS = [UsageFlow()]
