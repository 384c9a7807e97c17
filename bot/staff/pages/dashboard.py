"""The dashboard: the core's figures over a period (today, 7 days, 30 days) as SVG charts, as
the worker last counted them (core/staff/dashboard_snapshots.py), with when that was.
With htmx the period picker swaps the figures in place; without it, it is a link."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from aiohttp import web
from babel import dates as babel_dates

from bot.i18n import Texts
from bot.staff import charts
from bot.staff.charts import Bar
from bot.staff.context import DASHBOARD, STAFF_SETTINGS, current_texts, member, services
from bot.staff.guard import requires
from bot.staff.labels import label
from bot.staff.rendering import render
from core.errors import InvalidInput
from core.staff.dashboard import Figures, PeriodName
from core.staff.roles import Permission

routes = web.RouteTableDef()

PERIODS = (PeriodName.TODAY, PeriodName.WEEK, PeriodName.MONTH)


@routes.get("/")
@requires(Permission.VIEW_DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    asked = request.query.get("period", PeriodName.TODAY.value)
    if asked not in {p.value for p in PERIODS}:
        raise InvalidInput("invalid_period", field="period")
    texts = current_texts(request)
    zone = texts.zone
    kept = await request.app[DASHBOARD].latest(PeriodName(asked), zone)
    context = {
        "period": asked,
        "periods": PERIODS,
        "counted_at": texts.time(kept.computed_at),
        "refresh_minutes": request.app[STAFF_SETTINGS].dashboard_refresh_minutes,
        **_figures_view(texts, kept.figures),
    }
    partial = request.headers.get("HX-Request") == "true"
    if not partial:
        # Counted live, not by the worker: each is money a person must settle by hand.
        may_settle = member(request).may(Permission.VIEW_BILLING)
        context["card_charges"] = (
            await services(request).money.cards.count_unresolved() if may_settle else 0
        )
    return render(request, "dashboard_figures.html" if partial else "dashboard.html", context)


def _figures_view(texts: Texts, figures: Figures) -> dict[str, Any]:
    rtl = texts.direction == "rtl"
    by_currency: dict[str, dict[Any, int]] = defaultdict(dict)
    for row in figures.revenue:
        by_currency[row.currency][row.day] = row.amount
    revenue = []
    for currency in sorted(by_currency):
        days = by_currency[currency]
        total = sum(days.values())
        columns = [
            Bar(_short_day(texts, day), days.get(day, 0), texts.money(days.get(day, 0), currency))
            for day in figures.period.days
        ]
        title = texts.gettext("Revenue in %(currency)s", currency=currency)
        revenue.append(
            {
                "currency": currency,
                "total": texts.money(total, currency),
                "chart": charts.columns(columns, rtl=rtl, title=title),
            }
        )
    orders = [
        Bar(label(texts, "order_status", status), n, texts.number(n))
        for status, n in figures.orders_by_status
    ]
    tickets = [
        Bar(
            f"{label(texts, 'department', t.department)} · {label(texts, 'priority', t.priority)}",
            t.count,
            texts.number(t.count),
        )
        for t in figures.open_tickets
    ]
    oldest_ticket = min((t.oldest_at for t in figures.open_tickets), default=None)
    alerts = [
        Bar(
            f"{label(texts, 'message_kind', a.kind)} · {label(texts, 'channel', a.channel)}",
            a.sent,
            texts.number(a.sent),
        )
        for a in figures.alerts_sent
    ]
    failing = [
        {"kind": label(texts, "message_kind", kind), "count": texts.number(n)}
        for kind, n in figures.alerts_failing
    ]
    chats = [
        Bar(label(texts, "channel", channel), n, texts.number(n))
        for channel, n in figures.chats_by_channel
    ]
    return {
        "figures": figures,
        "active": texts.number(figures.active_subscribers),
        "ending_today": texts.number(figures.ending_today),
        "ending_in_two_days": texts.number(figures.ending_in_two_days),
        "revenue": revenue,
        "orders_chart": charts.bars(orders, rtl=rtl, title=texts.gettext("Orders by state"))
        if orders
        else None,
        "tickets_chart": charts.bars(
            tickets, rtl=rtl, title=texts.gettext("Open tickets by department and priority")
        )
        if tickets
        else None,
        "tickets_open": texts.number(sum(t.count for t in figures.open_tickets)),
        "oldest_ticket": texts.datetime(oldest_ticket) if oldest_ticket else None,
        "oldest_ticket_age": _age(texts, figures.period.end, oldest_ticket),
        "alerts_chart": charts.bars(
            alerts, rtl=rtl, title=texts.gettext("Messages sent by kind and channel")
        )
        if alerts
        else None,
        "alerts_failing": failing,
        "chats_chart": charts.bars(chats, rtl=rtl, title=texts.gettext("Chats by channel"))
        if chats
        else None,
        "awaiting": texts.number(figures.awaiting_reconcile),
        "oldest_awaiting": texts.datetime(figures.oldest_awaiting_at)
        if figures.oldest_awaiting_at
        else None,
        "paid_not_applied": texts.number(figures.paid_not_applied),
    }


def _short_day(texts: Texts, day: date) -> str:
    """The month and day, enough under a column: "۰۹/۰۳" (Jalali), "Nov 24", "24 Nov"."""
    if texts.language == "fa":
        return texts.date(day)[5:]
    return babel_dates.format_skeleton("MMMd", day, locale=texts.language)


def _age(texts: Texts, now: datetime, since: datetime | None) -> str | None:
    if since is None:
        return None
    hours = int((now - since).total_seconds() // 3600)
    if hours < 48:
        return texts.ngettext("%(n)s hour", "%(n)s hours", hours)
    days = hours // 24
    return texts.ngettext("%(n)s day", "%(n)s days", days)
