"""What the Outages, Broadcasts and Plans pages share: the words for the core's field codes,
the texts-per-language fields, the estimated time of repair typed as hours from now, and the
labels of outage stages, plan kinds and billing modes."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.dialogs.normalize import to_ascii_digits
from bot.i18n import N_, Texts
from bot.staff.context import current_texts
from bot.staff.rendering import render
from core.alerts.texts import LANGUAGES, TEXT_MAX_LENGTH, field_of
from core.billing.plan_rules import NAME_MAX_LENGTH
from core.errors import DomainError, FieldErrors
from core.numbers import whole_number
from core.staff.alerts import EXCHANGE_CENTRE_MAX_LENGTH

# An estimated time of repair is said in hours from now, up to a month.
ETA_MAX_HOURS = 720

FIELD_MESSAGES: dict[str, str] = {
    "text_required": N_("Write what the subscribers are told, in at least one language."),
    "text_too_long": N_("The text is too long (at most %(max_length)s characters)."),
    "text_has_nul": N_("The text holds a character that cannot be stored."),
    "name_exchange_centre_or_plan": N_("Name an exchange centre or a plan, not both."),
    "exchange_centre_too_long": N_(
        "The exchange centre's name is too long (at most %(max_length)s characters)."
    ),
    "invalid_plan_code": N_(
        "A plan code is 1 to 40 letters, digits, dots, dashes or underscores, without spaces."
    ),
    "plan_not_found": N_("There is no plan with that code."),
    "no_subscriber_at_exchange_centre": N_(
        'No subscriber is served by that exchange centre. Check the name, or tick "Send anyway".'
    ),
    "no_subscriber_on_plan": N_(
        'No subscriber is on that plan now. Tick "Send anyway" to send all the same.'
    ),
    "eta_hours": N_("Give the hours until the repair as a whole number from 1 to %(max_hours)s."),
    "name_too_long": N_("The name is too long (at most %(max_length)s characters)."),
    "whole_number_too_small": N_("Give a whole number (at least %(smallest)s)."),
    "unknown_plan_kind": N_("Choose one of the kinds."),
    "unknown_billing": N_("Choose prepaid or postpaid."),
    "invalid_currency": N_("A currency is three letters, such as IRR or IDR."),
    "pack_needs_traffic": N_("A traffic pack needs its traffic in MB."),
    "price_required": N_("Give the price, in whole minor units of the currency."),
    "plan_code_taken": N_("A plan with this code exists already."),
    "outage_already_resolved": N_("This outage is resolved already; nothing was sent."),
    "outage_already_open": N_(
        "An outage is open for these subscribers already: give its progress on its page, "
        "or resolve it first. Nothing was sent."
    ),
    "preview_first": N_("Preview the announcement first, then send it from the preview."),
}
STAGES = {
    "started": N_("Started"),
    "progress": N_("Progress report"),
    "repaired": N_("Repaired"),
}
PLAN_KINDS = {
    "service": N_("Service"),
    "traffic": N_("Traffic pack"),
    "timed_traffic": N_("Timed traffic pack"),
    "static_ip": N_("Static IP"),
}
BILLING_MODES = {"prepaid": N_("Prepaid"), "postpaid": N_("Postpaid")}
# What the audit log's entries of these pages did.
ACTIONS = {
    "outage.open": N_("opened the outage"),
    "outage.progress": N_("reported progress"),
    "outage.resolve": N_("reported the repair"),
    "announcement.send": N_("sent the announcement"),
    "plan.create": N_("created the plan"),
    "plan.retire": N_("retired the plan"),
}


def field_message(texts: Texts, code: str, field: str = "", smallest: int = 0) -> str:
    word = FIELD_MESSAGES.get(code)
    if word is None:
        return texts.gettext("The request was not understood.")
    values: dict[str, object] = {
        "max_length": NAME_MAX_LENGTH if field.startswith("name_") else TEXT_MAX_LENGTH,
        "max_hours": ETA_MAX_HOURS,
        "smallest": smallest,
    }
    if code == "exchange_centre_too_long":
        values["max_length"] = EXCHANGE_CENTRE_MAX_LENGTH
    wanted = {k: v for k, v in values.items() if f"%({k})s" in word}
    return texts.gettext(word, **wanted)


def field_errors(
    texts: Texts, error: DomainError, smallest: dict[str, int] | None = None
) -> dict[str, str]:
    """Each refusal's words under its form field (the first for a field); a refusal that
    names no field goes under ""."""
    if isinstance(error, FieldErrors):
        pairs = [(str(f), str(c)) for f, c in error.details.get("fields", [])]
    else:
        field = error.details.get("field") or ("plan_code" if "plan_code" in error.details else "")
        pairs = [(str(field), error.code)]
    shown: dict[str, str] = {}
    for field, code in pairs:
        least = (smallest or {}).get(field, 0)
        shown.setdefault(field, field_message(texts, code, field, least))
    return shown


def typed_texts(form: MultiDictProxy[str | bytes]) -> dict[str, str]:
    """The per-language texts of a form (``text_fa``, ``text_id``, ``text_en``)."""
    return {language: str(form.get(field_of(language), "")) for language in LANGUAGES}


def estimated_repair(typed: str, now: datetime) -> datetime | None:
    """The time of repair ``typed`` hours from now (Persian digits too); None when blank.
    Errors: FieldErrors ``eta_hours``."""
    text = to_ascii_digits(typed.strip())
    if not text:
        return None
    hours = whole_number(text, 1, ETA_MAX_HOURS)
    if hours is None:
        raise FieldErrors([("eta_hours", "eta_hours")])
    return now + timedelta(hours=hours)


_VOCABULARIES = {
    "stage": STAGES,
    "plan_kind": PLAN_KINDS,
    "billing": BILLING_MODES,
    "action": ACTIONS,
}


def ops_label(texts: Texts, vocabulary: str, code: object) -> str:
    """The word for ``code`` (an enum or its value) among the stages, kinds or billing modes."""
    value = str(getattr(code, "value", code))
    word = _VOCABULARIES[vocabulary].get(value)
    return texts.gettext(word) if word is not None else value


def render_ops(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """``render`` with ``ops_label`` for the templates of these pages."""
    texts = current_texts(request)
    labelled = {"ops_label": functools.partial(ops_label, texts), **context}
    return render(request, template, labelled, status=status)
