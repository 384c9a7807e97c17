"""Broadcasts: an announcement composed per language for everyone, an exchange centre's
subscribers or a plan's; previewed first (how many, on which channel each would be tried
first: core/alerts/preview.py, the notifier's own order) and only then sent; then its progress
while it goes out at the platforms' pace (htmx polls a small fragment of sent, failed and
waiting counts per channel). Sent through the staff's alerts service, audited."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.staff.context import WIRING, actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.ops_forms import field_errors, render_ops, typed_texts
from bot.staff.pages.outages import PLANS_LISTED, SHOWN, page_id
from bot.staff.sessions import PATH, new_token
from core.alerts.announcements import announcement_sent, announcements_before
from core.alerts.broadcast import announcement_batch
from core.alerts.progress import batch_progress
from core.alerts.queries import exchange_centres
from core.alerts.texts import LANGUAGES, TEXT_MAX_LENGTH
from core.billing.queries import plans_page
from core.errors import FieldErrors, InvalidInput, NotFound
from core.staff.alerts import Audience, checked_send
from core.staff.roles import Permission

routes = web.RouteTableDef()

MAX_ID = 2**31 - 1
# The token a preview gives its Send button (bot/staff/sessions.py's new_token), remembered
# this long once used.
SEND_KEY = re.compile(r"[A-Za-z0-9_-]{20,100}")
SEND_KEY_SECONDS = 24 * 3600
AUDIENCES = ("everyone", "exchange_centre", "plan")


def _audience(form: dict[str, str]) -> Audience:
    """The audience the form chose; the field of the kind not chosen is not read."""
    chosen = form.get("audience", "everyone")
    return Audience(
        exchange_centre=form.get("exchange_centre") or None
        if chosen == "exchange_centre"
        else None,
        plan_code=form.get("plan_code") or None if chosen == "plan" else None,
        force=form.get("force") == "yes",
    )


def _missing_audience(form: dict[str, str], audience: Audience) -> FieldErrors | None:
    """A centre or plan chosen as the audience but left blank (else it would mean everyone)."""
    chosen = form.get("audience", "everyone")
    if chosen not in AUDIENCES:
        return FieldErrors([("audience", "name_exchange_centre_or_plan")])
    if chosen == "exchange_centre" and audience.exchange_centre is None:
        return FieldErrors([("exchange_centre", "name_exchange_centre_or_plan")])
    if chosen == "plan" and audience.plan_code is None:
        return FieldErrors([("plan_code", "name_exchange_centre_or_plan")])
    return None


@routes.get("/broadcasts")
@requires(Permission.SEND_BROADCASTS)
async def broadcast_list(request: web.Request) -> web.StreamResponse:
    return await _compose(request, {}, {"audience": "everyone"})


async def _compose(
    request: web.Request,
    errors: dict[str, str],
    form: dict[str, str],
    *,
    preview: Any = None,
    status: int = 200,
) -> web.Response:
    before = page_id(request.query.get("before"))
    sent = await announcements_before(before, SHOWN + 1)
    shown = sent[:SHOWN]
    progress = await batch_progress(announcement_batch(a.id) for a in shown)
    context = {
        "announcements": [(a, progress[announcement_batch(a.id)]) for a in shown],
        "next_before": shown[-1].id if len(sent) > SHOWN else None,
        "before": before,
        "centres": await exchange_centres(),
        "plans": await plans_page(0, PLANS_LISTED),
        "errors": errors,
        "form": form,
        "preview": preview,
        "done": request.query.get("done", ""),
        "languages": LANGUAGES,
        "max_text": TEXT_MAX_LENGTH,
    }
    return render_ops(request, "broadcasts.html", context, status=status)


async def _form(request: web.Request) -> dict[str, str]:
    posted = await request.post()
    return {name: str(value) for name, value in posted.items() if name != "csrf"}


@routes.post("/broadcasts/preview")
@requires(Permission.SEND_BROADCASTS)
async def preview(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    audience = _audience(form)
    texts = current_texts(request)
    try:
        missing = _missing_audience(form, audience)
        if missing is not None:
            raise missing
        _, named = checked_send(typed_texts(await request.post()), audience, required=False)
        counted = await services(request).previews.preview(
            request.app[WIRING].senders.keys(),
            exchange_centre=named.exchange_centre,
            plan_code=named.plan_code,
            force=named.force,
        )
    except (FieldErrors, InvalidInput, NotFound) as refused:
        return await _compose(request, field_errors(texts, refused, {}), form, status=422)
    # The send this preview offers, once: a second click (or a resent form) sends nothing more.
    return await _compose(request, {}, {**form, "send_key": new_token()}, preview=counted)


@routes.post("/broadcasts")
@requires(Permission.SEND_BROADCASTS)
async def send(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    audience = _audience(form)
    key = form.get("send_key", "")
    try:
        if not SEND_KEY.fullmatch(key):
            raise FieldErrors([("", "preview_first")])
        missing = _missing_audience(form, audience)
        if missing is not None:
            raise missing
        if await request.app[WIRING].store.seen(f"staff:broadcast:{key}", SEND_KEY_SECONDS):
            raise web.HTTPSeeOther(f"{PATH}/broadcasts?done=already_sent")
        sent = await services(request).alerts.broadcast(
            actor(request), typed_texts(await request.post()), audience
        )
    except FieldErrors as refused:
        errors = field_errors(current_texts(request), refused)
        return await _compose(request, errors, form, status=422)
    raise web.HTTPSeeOther(f"{PATH}/broadcasts/{sent.target_id}?sent={sent.messages}")


def _announcement_id(request: web.Request) -> int:
    value = int(request.match_info["announcement_id"])
    if value > MAX_ID:
        raise NotFound("announcement_not_found")
    return value


async def _progress(announcement_id: int) -> dict[str, Any]:
    batch = announcement_batch(announcement_id)
    progress = (await batch_progress([batch]))[batch]
    return {"a_id": announcement_id, "p": progress}


@routes.get(r"/broadcasts/{announcement_id:\d{1,10}}")
@requires(Permission.SEND_BROADCASTS)
async def broadcast_page(request: web.Request) -> web.StreamResponse:
    announcement_id = _announcement_id(request)
    context = {
        "a": await announcement_sent(announcement_id),
        "sent": page_id(request.query.get("sent"), "sent"),
        **await _progress(announcement_id),
    }
    return render_ops(request, "broadcast.html", context)


@routes.get(r"/broadcasts/{announcement_id:\d{1,10}}/progress")
@requires(Permission.SEND_BROADCASTS)
async def broadcast_progress(request: web.Request) -> web.StreamResponse:
    """The progress alone, for htmx to swap in every few seconds while any message waits."""
    announcement_id = _announcement_id(request)
    await announcement_sent(announcement_id)  # NotFound for an unknown one
    return render_ops(request, "broadcast_progress.html", await _progress(announcement_id))
