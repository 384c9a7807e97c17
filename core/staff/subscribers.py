"""Subscribers as the console finds and shows them: a search by username, mobile, national ID
or name, paged by key (each page starts after the last id seen, so page 1,000 costs what page 1
does), and personal data masked for a role that may not see it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tortoise.expressions import Q

from core.accounts.identifiers import clean_identifier, without_leading_zero
from core.accounts.models import Subscriber
from core.accounts.national_id import clean_digits
from core.accounts.phones import CALLING_CODES, normalise_phone
from core.accounts.queries import ChatView, SubscriberView, chats_of, subscriber_view
from core.handoff.masking import mask_national_id, mask_phone

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Names are matched from this many characters on (a shorter one matches half the country).
MIN_NAME_LENGTH = 2


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
    rows = Subscriber.all()
    condition = _matching(clean_identifier(text))
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


def _matching(term: str) -> Q | None:
    if not term:
        return None
    if term.lstrip("+").isdigit():
        usernames = {term, without_leading_zero(term)}
        condition = Q(username__in=sorted(usernames)) | Q(national_id=clean_digits(term))
        phones = {normalise_phone(term, country) for country in CALLING_CODES}
        phones.discard(None)
        if phones:
            condition |= Q(mobile__in=sorted(p for p in phones if p))
        return condition
    condition = Q(username=term)
    if len(term) >= MIN_NAME_LENGTH:
        condition |= Q(full_name__icontains=term)
    return condition


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
