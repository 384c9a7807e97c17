"""Subscribers as the console finds and shows them: a search by username, mobile, national ID
or name, paged by key (each page starts after the last id seen, so page 1,000 costs what page 1
does), and personal data masked for a role that may not see it."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from tortoise.expressions import Q

from core import sql
from core.accounts.identifiers import clean_identifier, without_leading_zero
from core.accounts.models import Subscriber
from core.accounts.national_id import clean_digits
from core.accounts.phones import CALLING_CODES, normalise_phone
from core.accounts.queries import ChatView, SubscriberView, chats_of, subscriber_view
from core.db import is_postgres
from core.handoff.masking import mask_national_id, mask_phone

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Names are matched from this many characters on (a shorter one matches half the country).
MIN_NAME_LENGTH = 2
# What LIKE reads as wildcards (and its escape), matched as themselves in a name.
_LIKE_SPECIAL = re.compile(r"[\\%_]")


@dataclass(frozen=True, slots=True)
class SubscriberPage:
    rows: tuple[SubscriberView, ...]
    # The id to pass as ``after`` for the next page; None on the last one.
    next_after: int | None


def masked(view: SubscriberView) -> SubscriberView:
    """The subscriber with what identifies a person hidden: enough to confirm who it is."""
    return dataclasses.replace(
        view,
        national_id=mask_national_id(view.national_id) if view.national_id else None,
        mobile=mask_phone(view.mobile) if view.mobile else None,
        email="***" if view.email else None,
        address="***" if view.address else None,
        postal_code="***" if view.postal_code else None,
        birth_date=None,
    )


def shown(view: SubscriberView, personal_data: bool) -> SubscriberView:
    return view if personal_data else masked(view)


async def search(
    text: str = "",
    *,
    after: int | None = None,
    limit: int = PAGE_SIZE,
    personal_data: bool = True,
) -> SubscriberPage:
    """Subscribers matching ``text`` (every one when empty), in the order they were added,
    after the id ``after``. A number is a username (with or without the line's leading zero),
    a mobile in any form, or a national ID; other text is a username or part of a name."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    term = clean_identifier(text)
    rows = Subscriber.all()
    if term and not term.lstrip("+").isdigit() and len(term) >= MIN_NAME_LENGTH:
        rows = rows.filter(id__in=await _username_or_name(term, after, limit + 1))
    else:
        condition = _matching(term)
        if condition is not None:
            rows = rows.filter(condition)
    if after is not None:
        rows = rows.filter(id__gt=after)
    found = await rows.order_by("id").limit(limit + 1)
    page = found[:limit]
    return SubscriberPage(
        rows=tuple(shown(SubscriberView.of(s), personal_data) for s in page),
        next_after=page[-1].id if len(found) > limit else None,
    )


async def _username_or_name(term: str, after: int | None, limit: int) -> list[int]:
    """The ids of the page of subscribers with this username or with ``term`` in their name
    (any case). On PostgreSQL the ILIKE is answered by the trigram index on the names
    (migration 0010) instead of reading a million rows; SQLite's LIKE ignores ASCII case."""
    like = "ILIKE" if is_postgres() else "LIKE"
    pattern = "%" + _LIKE_SPECIAL.sub(r"\\\g<0>", term) + "%"
    rows = await sql.fetch(
        f"SELECT id FROM subscriber WHERE (username = $1 OR full_name {like} $2 ESCAPE '\\')"
        " AND id > $3 ORDER BY id LIMIT $4",
        term,
        pattern,
        after if after is not None else 0,
        limit,
    )
    return [int(row["id"]) for row in rows]


def _matching(term: str) -> Q | None:
    if not term:
        return None
    if term.lstrip("+").isdigit():
        # A number longer than a column is nobody's (and the ORM refuses to compare it).
        usernames = {u for u in (term, without_leading_zero(term)) if _fits("username", u)}
        condition = Q(id__in=[])
        if usernames:
            condition |= Q(username__in=sorted(usernames))
        national_id = clean_digits(term)
        if _fits("national_id", national_id):
            condition |= Q(national_id=national_id)
        phones = {normalise_phone(term, country) for country in CALLING_CODES}
        phones = {p for p in phones if p and _fits("mobile", p)}
        if phones:
            condition |= Q(mobile__in=sorted(phones))
        return condition
    return Q(username=term)  # a name is matched from MIN_NAME_LENGTH on (_username_or_name)


def _fits(field: str, value: str) -> bool:
    limit = Subscriber._meta.fields_map[field].max_length  # type: ignore[attr-defined]
    return len(value) <= int(limit)


def chat_shown(chat: ChatView, personal_data: bool) -> ChatView:
    """A chat with its address (a phone number on WhatsApp and SMS, an account id elsewhere)
    cut to its last four characters when personal data is not to be seen."""
    if personal_data:
        return chat
    hidden = "…" + chat.external_id[-4:] if len(chat.external_id) > 4 else "…"
    return dataclasses.replace(chat, external_id=hidden, subscriber=None)


async def chats_shown(subscriber_id: int, personal_data: bool) -> list[ChatView]:
    return [chat_shown(c, personal_data) for c in await chats_of(subscriber_id)]


async def subscriber_shown(subscriber_id: int, personal_data: bool) -> SubscriberView:
    """The subscriber; NotFound ``subscriber_not_found`` when there is none."""
    return shown(await subscriber_view(subscriber_id), personal_data)
