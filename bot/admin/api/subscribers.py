"""Admin API: subscribers (create, update, line status, deposit, postpaid bills, free charge,
chats)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import (
    BillList,
    BillOut,
    ChatLink,
    ChatOut,
    DepositChange,
    DepositOwed,
    FreeChargeReset,
    LineStatusChange,
    LineStatusResult,
    LoginLinkCreate,
    LoginLinkOut,
    NoticePreferencesIn,
    NoticePreferencesOut,
    PauseOut,
    PauseStateOut,
    PostpaidChange,
    SubscriberCreate,
    SubscriberList,
    SubscriberOut,
    SubscriberQuery,
    SubscriberUpdate,
)
from bot.admin.api.spec import TEXT_PATH, Operation
from bot.login_link_urls import login_link_urls
from core.accounts.queries import SubscriberView, subscriber_by_username, subscriber_page
from core.alerts.preferences import MUTABLE, NoticeSettings
from core.billing.pauses import PauseView
from core.billing.read_models import BillView
from core.errors import NotFound

USERNAME = {"username": {**TEXT_PATH, "maxLength": 32}}


def out(subscriber: SubscriberView) -> SubscriberOut:
    return SubscriberOut.model_validate(subscriber, from_attributes=True)


async def list_subscribers(api: ApiContext, query: SubscriberQuery) -> SubscriberList:
    found = await subscriber_page(
        query.limit,
        query.offset,
        username=query.username,
        exchange_centre=query.exchange_centre,
        line_status=query.line_status,
    )
    return SubscriberList(items=[out(s) for s in found])


async def get_subscriber(api: ApiContext, username: str) -> SubscriberOut:
    return out(await subscriber_by_username(username))


async def create_subscriber(api: ApiContext, body: SubscriberCreate) -> SubscriberOut:
    return out(await api.subscribers.create(body.as_cells()))


async def update_subscriber(
    api: ApiContext, username: str, body: SubscriberUpdate
) -> SubscriberOut:
    return out(await api.subscribers.update(username, body.as_cells()))


async def set_line_status(
    api: ApiContext, username: str, body: LineStatusChange
) -> LineStatusResult:
    subscriber = await subscriber_by_username(username)
    changed = await api.services.line_statuses.set_line_status(
        subscriber.id, body.status.value, body.reason
    )
    return LineStatusResult(username=username, line_status=body.status, changed=changed)


async def set_deposit(api: ApiContext, username: str, body: DepositChange) -> DepositOwed:
    """What the new line owes; owing anything isolates it, nothing any more opens it."""
    subscriber = await subscriber_by_username(username)
    line = await api.services.deposits.set_owed(subscriber.id, body.deposit, body.installation_fee)
    return DepositOwed(
        username=username,
        deposit_due=line.deposit_due,
        installation_fee_due=line.installation_fee_due,
        currency=line.currency,
        line_status=line.line_status,
    )


def bill_out(bill: BillView) -> BillOut:
    return BillOut(
        starts_on=bill.starts_on,
        ends_on=bill.ends_on,
        days=bill.days,
        carried_days=bill.carried_days,
        plan=bill.plan.code,
        amount=bill.amount,
        vat=bill.vat,
        total=bill.total,
        currency=bill.currency,
        due_on=bill.due_on,
        state=bill.state,
        issued_at=bill.issued_at,
        paid_at=bill.paid_at,
        tracking_number=bill.tracking_number,
    )


async def list_bills(api: ApiContext, username: str) -> BillList:
    """The line's postpaid bills, the newest month first (empty for a prepaid line)."""
    subscriber = await subscriber_by_username(username)
    return BillList(items=[bill_out(b) for b in await api.services.bills.bills_of(subscriber.id)])


async def set_postpaid(api: ApiContext, username: str, body: PostpaidChange) -> BillList:
    """Bill the line after each month from its activation date; the months already ended are
    billed at once, and listed."""
    subscriber = await subscriber_by_username(username)
    await api.services.bills.enrol(subscriber.id, body.plan, body.activated_on)
    return await list_bills(api, username)


async def reset_free_charge(api: ApiContext, username: str) -> FreeChargeReset:
    subscriber = await subscriber_by_username(username)
    generation = await api.services.free_charges.reset(subscriber.id)
    return FreeChargeReset(username=username, free_charge_generation=generation)


async def get_pause(api: ApiContext, username: str) -> PauseStateOut:
    subscriber = await subscriber_by_username(username)
    seen = await api.services.pauses.state(subscriber.id)
    limits = seen.limits

    def pause_out(pause: PauseView) -> PauseOut:
        return PauseOut.model_validate(pause, from_attributes=True)

    return PauseStateOut(
        username=username,
        paused=seen.current is not None,
        current=pause_out(seen.current) if seen.current else None,
        min_days=limits.min_days,
        max_days=limits.max_days,
        times_a_year=limits.times_a_year,
        fee=limits.fee,
        currency=limits.currency,
        used_this_year=seen.used_this_year,
        next_allowed_at=seen.next_allowed_at,
        recent=[pause_out(pause) for pause in seen.recent],
    )


def preferences_out(username: str, settings: NoticeSettings) -> NoticePreferencesOut:
    return NoticePreferencesOut(
        username=username,
        preferred_channel=settings.preferred_channel,
        muted=sorted(settings.muted),
        mutable=list(MUTABLE),
        reachable_channels=list(settings.reachable),
    )


async def get_notice_preferences(api: ApiContext, username: str) -> NoticePreferencesOut:
    subscriber = await subscriber_by_username(username)
    return preferences_out(username, await api.services.notice_preferences.of(subscriber.id))


async def set_notice_preferences(
    api: ApiContext, username: str, body: NoticePreferencesIn
) -> NoticePreferencesOut:
    """Both at once; a kind that may not be muted, or an unknown channel, is a 422 field error."""
    subscriber = await subscriber_by_username(username)
    settings = await api.services.notice_preferences.replace(
        subscriber.id, body.preferred_channel, body.muted
    )
    return preferences_out(username, settings)


async def link_chat(api: ApiContext, username: str, body: ChatLink) -> ChatOut:
    """Link a chat to the subscriber, as if it had logged in (e.g. a number the ISP knows)."""
    subscriber = await subscriber_by_username(username)
    await api.services.chats.link_by_operator(body.channel, body.external_id, subscriber.id)
    return ChatOut(channel=body.channel, external_id=body.external_id, username=username)


async def create_login_link(api: ApiContext, username: str, body: LoginLinkCreate) -> LoginLinkOut:
    """A one-time link for the ISP's site or an operator to hand to the subscriber."""
    subscriber = await subscriber_by_username(username)
    link = await api.services.login_links.issue(subscriber.id, send_sms=body.send_sms)
    return LoginLinkOut(
        username=username,
        code=link.code,
        expires_at=link.expires_at,
        links=login_link_urls(api.services.settings, link),
        sent_sms=body.send_sms,
    )


async def unlink_chat(api: ApiContext, username: str, channel: str, external_id: str) -> None:
    subscriber = await subscriber_by_username(username)
    if not await api.services.chats.unlink(subscriber.id, channel, external_id):
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
        "PUT",
        "/subscribers/{username}/deposit",
        set_deposit,
        "Set what a new line owes at installation (deposit and installation fee)",
        "subscribers",
        DepositOwed,
        body=DepositChange,
        path_params=USERNAME,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        "/subscribers/{username}/bills",
        list_bills,
        "A postpaid line's bills, the newest first, with their state and last day to pay",
        "subscribers",
        BillList,
        path_params=USERNAME,
    ),
    Operation(
        "GET",
        "/subscribers/{username}/pause",
        get_pause,
        "Whether the service is paused (until when), the limits, and the last pauses",
        "subscribers",
        PauseStateOut,
        path_params=USERNAME,
    ),
    Operation(
        "PUT",
        "/subscribers/{username}/postpaid",
        set_postpaid,
        "Bill a line after each month on a postpaid plan from its activation (BAAB) date",
        "subscribers",
        BillList,
        body=PostpaidChange,
        path_params=USERNAME,
        errors=(404, 409),
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
        "GET",
        "/subscribers/{username}/notifications",
        get_notice_preferences,
        "Where the subscriber's notices go first, and the kinds they muted",
        "subscribers",
        NoticePreferencesOut,
        path_params=USERNAME,
    ),
    Operation(
        "PUT",
        "/subscribers/{username}/notifications",
        set_notice_preferences,
        "Set the channel notices try first and the kinds muted (payments, bills, documents and "
        "tickets are always sent)",
        "subscribers",
        NoticePreferencesOut,
        body=NoticePreferencesIn,
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
        "POST",
        "/subscribers/{username}/login-link",
        create_login_link,
        "A one-time link that logs a chat in without the password (optionally sent by SMS)",
        "subscribers",
        LoginLinkOut,
        status=201,
        body=LoginLinkCreate,
        path_params=USERNAME,
        errors=(404,),
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
