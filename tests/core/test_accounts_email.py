"""The email address as a channel, in the core: who confirms it, what a bounce marks, when
notices by email may be turned on, and a code spent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.email_addresses import EmailAddresses
from core.accounts.lockout import Lockout
from core.accounts.models import EmailCheck, Subscriber
from core.accounts.profile_edits import ProfileEdits
from core.accounts.queries import subscriber_view
from core.alerts.reach import first_channels
from core.errors import Conflict, Forbidden
from core.imports.subscriber_edits import SubscriberEdits
from core.ports import EmailNotSent
from tests.alerts import builders as b
from tests.conftest import NOW


class Outbox:
    """Codes kept as a mail server would have delivered them (the SMTP path has its own tests
    in tests/handlers/test_email_channel.py); ``failure`` makes the next send fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failure: EmailNotSent | None = None

    async def send_email_code(
        self, to: str, code: str, *, language: str, username: str, minutes: int
    ) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append((to, code, language))


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def addresses(settings, clock, outbox) -> EmailAddresses:
    return EmailAddresses(clock, Lockout(settings, clock), outbox)


async def confirmed(who: Subscriber, address: str = "sara@mail.example") -> Subscriber:
    await Subscriber.filter(id=who.id).update(email=address, email_verified_at=NOW)
    return await Subscriber.get(id=who.id)


async def test_an_address_given_by_an_operator_counts_as_confirmed(db, settings, clock):
    who = await b.subscriber()
    edits = SubscriberEdits(settings, clock, None)

    view = await edits.update(who.username, {"email": "Sara@Mail.Example"})

    assert (view.email, view.email_verified_at, view.email_usable) == (
        "Sara@mail.example",
        clock.now(),
        True,
    )


async def test_an_address_typed_without_a_code_is_not_used_and_forgets_an_old_bounce(
    db, settings, clock
):
    who = await confirmed(await b.subscriber())
    await Subscriber.filter(id=who.id).update(email_bounced_at=NOW, email_bounce="550")

    view = await ProfileEdits(settings, clock).update_profile(who.id, email="new@mail.example")

    assert (view.email_verified_at, view.email_bounced_at, view.email_usable) == (
        None,
        None,
        False,
    )


async def test_a_bounce_marks_every_subscriber_with_the_address_once(db, addresses, clock):
    first = await confirmed(await b.subscriber())
    second = await confirmed(await b.subscriber())
    other = await confirmed(await b.subscriber(), "someone@else.example")

    assert await addresses.mark_bounced("sara@MAIL.EXAMPLE", "550 5.1.1 no such user") == 2
    clock.advance(timedelta(hours=1))
    assert await addresses.mark_bounced("sara@mail.example", "a later report") == 0

    for row in (first, second):
        view = await subscriber_view(row.id)
        assert (view.email_bounced_at, view.email_bounce) == (NOW, "550 5.1.1 no such user")
        assert not view.email_usable
    assert (await subscriber_view(other.id)).email_usable


async def test_notices_by_email_turn_on_only_for_a_confirmed_address_that_did_not_bounce(
    db, addresses
):
    who = await b.subscriber()
    with pytest.raises(Conflict) as refused:
        await addresses.set_notices(who.id, True)
    assert refused.value.code == "email_not_confirmed"

    await confirmed(who)
    assert not (await addresses.set_notices(who.id, False)).email_usable
    assert (await addresses.set_notices(who.id, True)).email_usable
    await addresses.mark_bounced("sara@mail.example", "550")
    with pytest.raises(Conflict) as refused:
        await addresses.set_notices(who.id, True)
    assert refused.value.code == "email_bounced"


async def test_a_code_is_spent_once_and_lapses(db, addresses, outbox, clock):
    who = await b.subscriber(language="fa")
    await addresses.send_code(who.id, "sara@mail.example")
    [(to, code, language)] = outbox.sent
    assert (to, language) == ("sara@mail.example", "fa")

    assert (await addresses.confirm(who.id, code)).email_usable
    with pytest.raises(Conflict) as again:
        await addresses.confirm(who.id, code)
    assert again.value.code == "email_code_expired"

    await addresses.send_code(who.id, "new@mail.example")
    clock.advance(timedelta(minutes=31))
    with pytest.raises(Conflict) as late:
        await addresses.confirm(who.id, outbox.sent[-1][1])
    assert late.value.code == "email_code_expired"
    assert (await subscriber_view(who.id)).email == "sara@mail.example"


async def test_a_code_that_did_not_go_leaves_nothing_waiting(db, addresses, outbox):
    who = await b.subscriber()
    outbox.failure = EmailNotSent("451 later", permanent=False)

    with pytest.raises(Conflict) as refused:
        await addresses.send_code(who.id, "sara@mail.example")

    assert refused.value.code == "email_not_sent"
    assert not await EmailCheck.exists()


async def test_without_a_mail_server_no_code_is_sent(db, settings, clock):
    who = await b.subscriber()
    addresses = EmailAddresses(clock, Lockout(settings, clock), None)

    with pytest.raises(Forbidden) as refused:
        await addresses.send_code(who.id, "sara@mail.example")
    assert refused.value.code == "email_not_offered"


async def test_the_dry_run_counts_email_before_sms_for_a_usable_address(db):
    by_email = await confirmed(await b.subscriber(mobile="+989121234567"))
    turned_off = await confirmed(await b.subscriber(mobile="+989121234568"))
    await Subscriber.filter(id=turned_off.id).update(email_notices=False)

    first = await first_channels([by_email.id, turned_off.id], {"email", "sms"})

    assert first == {by_email.id: "email", turned_off.id: "sms"}


async def test_codes_are_sent_at_most_five_times_an_hour_to_a_line(db, addresses, outbox, clock):
    who = await b.subscriber()
    for _ in range(5):
        await addresses.send_code(who.id, "sara@mail.example")

    with pytest.raises(Conflict) as refused:
        await addresses.send_code(who.id, "other@mail.example")
    assert refused.value.code == "email_code_rate_limited"
    assert len(outbox.sent) == 5

    clock.advance(timedelta(hours=1, minutes=1))
    await addresses.send_code(who.id, "sara@mail.example")
    assert len(outbox.sent) == 6


async def test_codes_to_one_address_count_whoever_asks(db, addresses, outbox):
    for _ in range(5):
        await addresses.send_code((await b.subscriber()).id, "victim@mail.example")

    with pytest.raises(Conflict) as refused:
        await addresses.send_code((await b.subscriber()).id, "Victim@mail.example")
    assert refused.value.code == "email_code_rate_limited"
