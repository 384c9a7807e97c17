"""Admin API: subscribers (create, update, line status, free charge, chats)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import (
    ChatLink,
    ChatOut,
    FreeChargeReset,
    LineStatusChange,
    LineStatusResult,
    SubscriberCreate,
    SubscriberList,
    SubscriberOut,
    SubscriberQuery,
    SubscriberUpdate,
)
from bot.admin.api.spec import TEXT_PATH, Operation
from core.accounts.models import ChatIdentity, Subscriber
from core.errors import Conflict, InvalidInput, NotFound
from core.imports.subscriber_rows import CleanRow, RowChecker
from core.imports.subscribers import service_plans

USERNAME = {"username": {**TEXT_PATH, "maxLength": 32}}


async def _subscriber(username: str) -> Subscriber:
    subscriber = await Subscriber.get_or_none(username=username)
    if subscriber is None:
        raise NotFound("subscriber_not_found", username=username)
    return subscriber


def out(subscriber: Subscriber) -> SubscriberOut:
    return SubscriberOut.model_validate(subscriber, from_attributes=True)


async def _save(api: ApiContext, cells: dict[str, str], current: Subscriber | None) -> Subscriber:
    owners: dict[str, str] = {}
    checker = RowChecker(
        api.services.settings.currency,
        await service_plans(),
        owners.get,
        api.services.clock.now().date(),
    )
    checked = checker.check(cells, current)
    if isinstance(checked, CleanRow) and "mobile" in checked.fields:
        # Check again knowing who holds the mobile (one query for the one number).
        phone = checked.fields["mobile"]
        owners.update(await Subscriber.filter(mobile=phone).values_list("mobile", "username"))
        checked = checker.check(cells, current)
    if isinstance(checked, list):
        raise FieldErrors(checked)
    await api.subscribers.hash_password(checked, current)
    async with in_transaction():
        subscriber, _ = await api.subscribers.write(checked, current)
    return subscriber


class FieldErrors(InvalidInput):
    """Several bad fields at once (the views answer 422 with each)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__("validation_failed", fields=fields)


async def list_subscribers(api: ApiContext, query: SubscriberQuery) -> SubscriberList:
    rows = Subscriber.all().order_by("id")
    for name in ("username", "exchange_centre", "line_status"):
        if getattr(query, name) is not None:
            rows = rows.filter(**{name: getattr(query, name)})
    found = await rows.offset(query.offset).limit(query.limit)
    return SubscriberList(items=[out(s) for s in found])


async def get_subscriber(api: ApiContext, username: str) -> SubscriberOut:
    return out(await _subscriber(username))


async def create_subscriber(api: ApiContext, body: SubscriberCreate) -> SubscriberOut:
    if await Subscriber.filter(username=body.username).exists():
        raise Conflict("username_taken", username=body.username)
    cells = body.as_cells()
    if (
        cells.get("customer_number")
        and await Subscriber.filter(customer_number=cells["customer_number"]).exists()
    ):
        raise FieldErrors([("customer_number", "customer number taken")])
    return out(await _save(api, cells, None))


async def update_subscriber(
    api: ApiContext, username: str, body: SubscriberUpdate
) -> SubscriberOut:
    current = await _subscriber(username)
    cells = body.as_cells()
    number = cells.get("customer_number")
    if number and await Subscriber.filter(customer_number=number).exclude(id=current.id).exists():
        raise FieldErrors([("customer_number", "customer number taken")])
    return out(await _save(api, {**cells, "username": username}, current))


async def set_line_status(
    api: ApiContext, username: str, body: LineStatusChange
) -> LineStatusResult:
    subscriber = await _subscriber(username)
    changed = await api.services.accounts.set_line_status(
        subscriber.id, body.status.value, body.reason
    )
    return LineStatusResult(username=username, line_status=body.status, changed=changed)


async def reset_free_charge(api: ApiContext, username: str) -> FreeChargeReset:
    subscriber = await _subscriber(username)
    generation = await api.services.billing.reset_free_charge(subscriber.id)
    return FreeChargeReset(username=username, free_charge_generation=generation)


async def link_chat(api: ApiContext, username: str, body: ChatLink) -> ChatOut:
    """Link a chat to the subscriber, as if it had logged in (e.g. a number the ISP knows)."""
    subscriber = await _subscriber(username)
    now = api.services.clock.now()
    chat, _ = await ChatIdentity.get_or_create(channel=body.channel, external_id=body.external_id)
    await ChatIdentity.filter(id=chat.id).update(subscriber_id=subscriber.id, logged_in_at=now)
    return ChatOut(channel=body.channel, external_id=body.external_id, username=username)


async def unlink_chat(api: ApiContext, username: str, channel: str, external_id: str) -> None:
    subscriber = await _subscriber(username)
    moved = await ChatIdentity.filter(
        subscriber_id=subscriber.id, channel=channel, external_id=external_id
    ).update(subscriber_id=None, logged_in_at=None)
    if not moved:
        raise NotFound("chat_not_linked", channel=channel)


OPERATIONS = [
    Operation(
        "GET",
        "/subscribers",
        list_subscribers,
        "List subscribers",
        "subscribers",
        SubscriberList,
        query=SubscriberQuery,
        errors=(),
    ),
    Operation(
        "POST",
        "/subscribers",
        create_subscriber,
        "Create a subscriber",
        "subscribers",
        SubscriberOut,
        status=201,
        body=SubscriberCreate,
        errors=(409,),
    ),
    Operation(
        "GET",
        "/subscribers/{username}",
        get_subscriber,
        "One subscriber",
        "subscribers",
        SubscriberOut,
        path_params=USERNAME,
    ),
    Operation(
        "PATCH",
        "/subscribers/{username}",
        update_subscriber,
        "Change a subscriber",
        "subscribers",
        SubscriberOut,
        body=SubscriberUpdate,
        path_params=USERNAME,
    ),
    Operation(
        "POST",
        "/subscribers/{username}/line-status",
        set_line_status,
        "Change the line's status",
        "subscribers",
        LineStatusResult,
        body=LineStatusChange,
        path_params=USERNAME,
    ),
    Operation(
        "POST",
        "/subscribers/{username}/free-charge/reset",
        reset_free_charge,
        "Let the subscriber take the free charge once more",
        "subscribers",
        FreeChargeReset,
        path_params=USERNAME,
    ),
    Operation(
        "POST",
        "/subscribers/{username}/chats",
        link_chat,
        "Link a chat",
        "subscribers",
        ChatOut,
        body=ChatLink,
        path_params=USERNAME,
    ),
    Operation(
        "DELETE",
        "/subscribers/{username}/chats/{channel}/{external_id}",
        unlink_chat,
        "Unlink a chat",
        "subscribers",
        None,
        status=204,
        path_params={
            **USERNAME,
            "channel": {**TEXT_PATH, "maxLength": 16},
            "external_id": TEXT_PATH,
        },
    ),
]
