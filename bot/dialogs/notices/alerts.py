"""What the bot says on its own before a service runs out, when traffic runs low, when a free
charge is about to end with nothing bought, when a document was rejected, during an outage,
and in announcements. Each notice offers the next step as options that start a flow (renew,
buy traffic, free charge, documents, a support ticket); on SMS they read as numbered lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.contract import Option, Reply
from bot.dialogs.flows.documents import KIND_LABELS, reject_reason_text
from bot.dialogs.menu import flow_choice
from bot.dialogs.notices.renderer import Notice
from bot.dialogs.operator_texts import in_language
from bot.i18n import Texts
from core.alerts import kinds


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _local_date(t: Texts, value: Any) -> str:
    moment = _moment(value)
    return t.day(moment) if moment else ""


def _renew(t: Texts) -> Option:
    return Option(flow_choice("buy"), t.gettext("Buy or renew"))


def _ticket(t: Texts) -> Option:
    return Option(flow_choice("tickets"), t.gettext("Support tickets"))


async def service_expiring(t: Texts, params: dict[str, Any]) -> list[Reply]:
    days = int(params.get("days_before") or 0)
    ends_at = _moment(params.get("ends_at"))
    when = t.time(ends_at) if ends_at else ""
    options = [_renew(t), Option(flow_choice("status"), t.gettext("My service"))]
    if days > 0 and params.get("auto_renew"):
        text = _automatic_renewal(t, days, params)
        short = int(params.get("short") or 0)
        top_up = flow_choice("topup", amount=short) if short > 0 else flow_choice("topup")
        options = [
            Option(top_up, t.gettext("Top up my wallet")),
            Option(flow_choice("auto_renew"), t.gettext("Automatic renewal")),
        ]
    elif days > 0:
        text = t.ngettext(
            "Your internet service ends in %(n)s day, on %(date)s. Renew now to stay connected.",
            "Your internet service ends in %(n)s days, on %(date)s. Renew now to stay connected.",
            days,
            date=_local_date(t, params.get("ends_at")),
        )
    elif params.get("ended"):
        text = t.gettext(
            "Your internet service ended today at %(time)s. Renew it to connect again.",
            time=when,
        )
        options.insert(1, Option(flow_choice("free_charge"), t.gettext("Free charge")))
    else:
        text = t.gettext(
            "Your internet service ends today at %(time)s. Renew now to stay connected.",
            time=when,
        )
    return [Reply(text, options=tuple(options), language=t.language)]


def _automatic_renewal(t: Texts, days: int, params: dict[str, Any]) -> str:
    """The expiry alert of a line that renews itself: when, and what the wallet lacks for it
    (the option under it tops up that much)."""
    date = _local_date(t, params.get("ends_at"))
    short = int(params.get("short") or 0)
    currency = str(params.get("currency") or "")
    if short > 0 and currency and params.get("card"):
        return t.ngettext(
            "Your internet service ends in %(n)s day, on %(date)s. Automatic renewal is on, "
            "but your wallet is short of %(short)s for it (the renewal costs %(total)s). If it "
            "is still short in the service's last hours, your saved card is charged what it "
            "lacks; I tell you before. To stop it, top up your wallet, or choose Automatic "
            "renewal to remove the card.",
            "Your internet service ends in %(n)s days, on %(date)s. Automatic renewal is on, "
            "but your wallet is short of %(short)s for it (the renewal costs %(total)s). If it "
            "is still short in the service's last hours, your saved card is charged what it "
            "lacks; I tell you before. To stop it, top up your wallet, or choose Automatic "
            "renewal to remove the card.",
            days,
            date=date,
            short=t.money(short, currency),
            total=t.money(int(params.get("renewal_total") or 0), currency),
        )
    if short > 0 and currency:
        return t.ngettext(
            "Your internet service ends in %(n)s day, on %(date)s. Automatic renewal is on, "
            "but your wallet is short of %(short)s for it (the renewal costs %(total)s). Top "
            "up your wallet before then and it is renewed from the wallet in its last hours.",
            "Your internet service ends in %(n)s days, on %(date)s. Automatic renewal is on, "
            "but your wallet is short of %(short)s for it (the renewal costs %(total)s). Top "
            "up your wallet before then and it is renewed from the wallet in its last hours.",
            days,
            date=date,
            short=t.money(short, currency),
            total=t.money(int(params.get("renewal_total") or 0), currency),
        )
    return t.ngettext(
        "Your internet service ends in %(n)s day, on %(date)s. Automatic renewal is on: it "
        "is renewed from your wallet in its last hours. Keep enough in the wallet; if it "
        "falls short, I tell you at once.",
        "Your internet service ends in %(n)s days, on %(date)s. Automatic renewal is on: it "
        "is renewed from your wallet in its last hours. Keep enough in the wallet; if it "
        "falls short, I tell you at once.",
        days,
        date=date,
    )


async def traffic_low(t: Texts, params: dict[str, Any]) -> list[Reply]:
    text = t.gettext(
        "You have %(left)s of traffic left. Buy extra traffic to stay connected.",
        left=t.traffic(int(params.get("remaining_bytes") or 0)),
    )
    options = (
        Option(flow_choice("buy"), t.gettext("Buy traffic")),
        Option(flow_choice("usage"), t.gettext("Usage details")),
    )
    return [Reply(text, options=options, language=t.language)]


async def free_charge_ending(t: Texts, params: dict[str, Any]) -> list[Reply]:
    ends_at = _moment(params.get("expires_at"))
    text = t.gettext(
        "Your free charge ends on %(when)s. Renew your service before then, or your line will "
        "be suspended.",
        when=t.datetime(ends_at) if ends_at else "",
    )
    return [Reply(text, options=(_renew(t),), language=t.language)]


async def document_rejected(t: Texts, params: dict[str, Any]) -> list[Reply]:
    label = KIND_LABELS.get(str(params.get("document_kind")))
    document = t.gettext(label) if label else t.gettext("document")
    days = int(params.get("days_left") or 0)
    lines = [t.gettext("Your %(document)s was not accepted.", document=document)]
    reason = reject_reason_text(
        t.gettext,
        reason_code=str(params.get("reason_code") or ""),
        reason=str(params.get("reason") or ""),
    )
    if reason:
        lines.append(t.gettext("Reason: %(reason)s", reason=reason))
    lines.append(
        t.ngettext(
            "Please upload a valid copy within %(n)s day (by %(date)s), or your line will be "
            "cut until it is approved.",
            "Please upload a valid copy within %(n)s days (by %(date)s), or your line will be "
            "cut until it is approved.",
            days,
            date=_local_date(t, params.get("grace_until")),
        )
    )
    options = (Option(flow_choice("documents"), t.gettext("My documents")), _ticket(t))
    return [Reply("\n".join(lines), options=options, language=t.language)]


async def outage(t: Texts, params: dict[str, Any]) -> list[Reply]:
    stage = params.get("stage")
    if stage == "repaired":
        head = t.gettext("The service disruption in your area is repaired. Thank you for waiting.")
    elif stage == "progress":
        head = t.gettext("An update on the service disruption in your area.")
    else:
        head = t.gettext("There is a service disruption in your area. We are working on it.")
    lines = [head]
    if note := in_language(t, params.get("texts")):
        lines.append(note)
    repair = _moment(params.get("estimated_repair_at"))
    if repair is not None and stage != "repaired":
        lines.append(t.gettext("Estimated repair: %(when)s", when=t.datetime(repair)))
    return [Reply("\n".join(lines), options=(_ticket(t),), language=t.language)]


async def outage_repaired(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """The repair, to those who asked to be told or whose ticket is about it."""
    lines = [
        t.gettext("The service disruption you asked about is repaired. Thank you for waiting.")
    ]
    if note := in_language(t, params.get("texts")):
        lines.append(note)
    lines.append(
        t.gettext("If your Internet still does not work, restart the modem and check again.")
    )
    options = (Option(flow_choice("connection_check"), t.gettext("Check my connection")),)
    return [Reply("\n".join(lines), options=options, language=t.language)]


async def announcement(t: Texts, params: dict[str, Any]) -> list[Reply]:
    return [Reply(in_language(t, params.get("texts")), language=t.language)]


NOTICES = (
    Notice(kinds.EXPIRY, service_expiring),
    Notice(kinds.LOW_TRAFFIC, traffic_low),
    Notice(kinds.FREE_CHARGE_ENDING, free_charge_ending),
    Notice(kinds.DOCUMENT_REJECTED, document_rejected),
    Notice(kinds.OUTAGE, outage),
    Notice(kinds.ANNOUNCEMENT, announcement),
    Notice(kinds.OUTAGE_REPAIRED, outage_repaired),
)
