"""Logging in and out: username or registered mobile in any form, linked chats, and the seed's
rule "3 wrong passwords block further attempts for 30 minutes", per account and per chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts import passwords, queries
from core.accounts.chats import Chats, language_from_hint
from core.accounts.enums import Language
from core.accounts.identifiers import clean_identifier
from core.accounts.keys import login_account_key
from core.accounts.lockout import Lockout
from core.accounts.login import Login
from core.accounts.models import ChatIdentity, Subscriber, Throttle
from core.errors import DomainError
from tests.core.test_accounts_support import (
    PASSWORD,
    SEED_USERNAME,
    make_indonesian,
    make_subscriber,
    password_hash,
)

WRONG = "not-the-password"


@pytest.fixture
def chats(clock) -> Chats:
    return Chats(clock)


@pytest.fixture
def login(settings, clock, chats) -> Login:
    return Login(settings, clock, chats, Lockout(settings, clock))


async def fail_login(login: Login, chat: str, identifier: str, password: str = WRONG):
    with pytest.raises(DomainError) as caught:
        await login.log_in("telegram", chat, identifier, password)
    return caught.value


# ---- who can log in ------------------------------------------------------------------------


async def test_logs_in_by_username_and_links_the_chat(db, login):
    subscriber = await make_subscriber()

    logged_in = await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    assert logged_in.id == subscriber.id
    assert (await queries.subscriber_for_chat("telegram", "100")).id == subscriber.id


async def test_logs_in_by_username_typed_with_the_lines_leading_zero(db, login):
    subscriber = await make_subscriber()

    logged_in = await login.log_in("telegram", "100", "0" + SEED_USERNAME, PASSWORD)

    assert logged_in.id == subscriber.id


MOBILE_FORMS = [
    "+989121234567",
    "00989121234567",
    "09121234567",
    "0912 123 4567",
    "0912-123-4567",
    "۰۹۱۲۱۲۳۴۵۶۷",
    "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
    "9121234567",
]


async def test_logs_in_by_registered_mobile_in_any_form(db, login):
    subscriber = await make_subscriber()

    for n, typed in enumerate(MOBILE_FORMS):
        logged_in = await login.log_in("whatsapp", f"chat-{n}", typed, PASSWORD)
        assert logged_in.id == subscriber.id, typed


async def test_indonesian_subscriber_logs_in_by_mobile_in_plus62_or_trunk_zero_form(db, login):
    subscriber = await make_indonesian()

    for n, typed in enumerate(["+6281234567890", "081234567890", "0812-3456-7890"]):
        logged_in = await login.log_in("whatsapp", f"chat-{n}", typed, PASSWORD)
        assert logged_in.id == subscriber.id, typed


async def test_a_mobile_shared_by_two_lines_logs_into_the_line_whose_password_was_given(db, login):
    await make_subscriber("1132455123")
    second = await make_subscriber("1132455124", password="Second-line-2")

    logged_in = await login.log_in("telegram", "100", "09121234567", "Second-line-2")

    assert logged_in.id == second.id


async def test_log_out_unlinks_the_chat(db, login, chats):
    await make_subscriber()
    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    await chats.log_out("telegram", "100")

    assert await queries.subscriber_for_chat("telegram", "100") is None
    chat = await ChatIdentity.get(channel="telegram", external_id="100")
    assert chat.logged_in_at is None


async def test_one_subscriber_is_logged_in_on_several_channels_at_once(db, login, chats):
    subscriber = await make_subscriber()

    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)
    await login.log_in("whatsapp", "+989121234567", "09121234567", PASSWORD)
    await login.log_in("web", "session-abc", SEED_USERNAME, PASSWORD)
    await chats.log_out("web", "session-abc")

    linked = await queries.chats_of(subscriber.id)
    assert [(c.channel, c.external_id) for c in linked] == [
        ("telegram", "100"),
        ("whatsapp", "+989121234567"),
    ]


async def test_login_stamps_the_chats_login_time(db, login, clock):
    await make_subscriber()

    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    chat = await ChatIdentity.get(channel="telegram", external_id="100")
    assert chat.logged_in_at == clock.now()


async def test_login_upgrades_a_hash_made_with_older_weaker_costs(db, login):
    weak = password_hash(PASSWORD, memory_kib=512)
    subscriber = await make_subscriber(password_hash=weak)

    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    stored = (await Subscriber.get(id=subscriber.id)).password_hash
    assert stored != weak
    assert not passwords.needs_rehash(login.settings, stored)
    await login.log_in("telegram", "101", SEED_USERNAME, PASSWORD)


# ---- digits in any script -------------------------------------------------------------------


async def test_a_password_typed_with_persian_or_arabic_indic_digits_logs_in(db, login):
    subscriber = await make_subscriber(password="demo1234")

    for n, typed in enumerate(["demo۱۲۳۴", "demo١٢٣٤", "demo1۲3٤"]):
        logged_in = await login.log_in("telegram", f"chat-{n}", SEED_USERNAME, typed)
        assert logged_in.id == subscriber.id, typed

    account = await Throttle.get_or_none(key=login_account_key(subscriber.id))
    assert account is None or account.failures == 0


@pytest.mark.parametrize("hashed_as", ["demo۱۲۳۴", "demo١٢٣٤"])
async def test_a_hash_made_of_persian_digits_before_folding_logs_in_and_is_made_anew(
    db, login, hashed_as
):
    """Hashes from before digits were folded are of the password as typed then: it still logs
    in, typed with any digits, and the next hash is of the folded password."""
    old = password_hash(hashed_as)
    subscriber = await make_subscriber(password_hash=old)

    await login.log_in("telegram", "100", SEED_USERNAME, "demo1234")

    stored = (await Subscriber.get(id=subscriber.id)).password_hash
    assert stored != old
    assert passwords.hasher(login.settings).verify(stored, "demo1234")
    for n, typed in enumerate(["demo1234", "demo۱۲۳۴", "demo١٢٣٤"]):
        await login.log_in("telegram", f"again-{n}", SEED_USERNAME, typed)


async def test_a_hash_of_a_password_that_mixed_digit_scripts_still_logs_in_as_typed(db, login):
    subscriber = await make_subscriber(password_hash=password_hash("demo۱2۳4"))

    await login.log_in("telegram", "100", SEED_USERNAME, "demo۱2۳4")

    stored = (await Subscriber.get(id=subscriber.id)).password_hash
    assert passwords.hasher(login.settings).verify(stored, "demo1234")


async def test_a_wrong_password_with_digits_costs_one_attempt_and_is_kept(db, login):
    subscriber = await make_subscriber(password_hash=password_hash("demo۱۲۳۴"))

    first = await fail_login(login, "100", SEED_USERNAME, "demo5678")
    second = await fail_login(login, "100", SEED_USERNAME, "demo۵۶۷۸")

    assert first.details == {"attempts_left": 2}
    assert second.details == {"attempts_left": 1}
    assert (await Subscriber.get(id=subscriber.id)).password_hash == password_hash("demo۱۲۳۴")


async def test_an_unknown_user_costs_the_argon2_checks_of_a_wrong_password_with_digits(
    db, login, monkeypatch
):
    """A spy on the real argon2 check, calling through: trying the old spellings of a wrong
    password's digits must not tell a known username from an unknown one by its time."""
    await make_subscriber()
    checks = 0
    real_verify = passwords._verify_sync

    def counting_verify(settings, hashed, plain):
        nonlocal checks
        checks += 1
        return real_verify(settings, hashed, plain)

    monkeypatch.setattr(passwords, "_verify_sync", counting_verify)

    await fail_login(login, "100", SEED_USERNAME, "guess-۱۲۳۴")
    for_wrong_password = checks
    await fail_login(login, "200", "nobody", "guess-۱۲۳۴")

    assert for_wrong_password == 3  # folded, all Persian, all Arabic-Indic
    assert checks - for_wrong_password == for_wrong_password


# ---- wrong passwords -----------------------------------------------------------------------


async def test_wrong_password_and_unknown_user_give_the_same_answer(db, login):
    await make_subscriber()

    wrong_password = await fail_login(login, "100", SEED_USERNAME)
    unknown_user = await fail_login(login, "200", "9999999999")

    assert wrong_password.code == unknown_user.code == "login_failed"
    assert wrong_password.details == unknown_user.details == {"attempts_left": 2}


async def test_unknown_user_costs_the_same_hash_check_as_a_wrong_password(db, login, monkeypatch):
    """A spy that calls through: the count of real argon2 checks, not a replacement."""
    await make_subscriber()
    checks = 0
    real_verify = passwords.check_password

    async def counting_verify(settings, hashed, plain):
        nonlocal checks
        checks += 1
        return await real_verify(settings, hashed, plain)

    monkeypatch.setattr(passwords, "check_password", counting_verify)

    await fail_login(login, "100", SEED_USERNAME)
    for_wrong_password = checks
    await fail_login(login, "200", "nobody")

    assert for_wrong_password == 1
    assert checks - for_wrong_password == 1


async def test_three_wrong_passwords_block_the_chat_for_thirty_minutes(db, login):
    await make_subscriber()

    first = await fail_login(login, "100", SEED_USERNAME)
    second = await fail_login(login, "100", SEED_USERNAME)
    third = await fail_login(login, "100", SEED_USERNAME)
    fourth = await fail_login(login, "100", SEED_USERNAME, PASSWORD)

    assert (first.code, first.details) == ("login_failed", {"attempts_left": 2})
    assert (second.code, second.details) == ("login_failed", {"attempts_left": 1})
    assert (third.code, third.details) == ("login_locked", {"minutes_left": 30})
    assert (fourth.code, fourth.details) == ("login_locked", {"minutes_left": 30})


async def test_rotating_chats_against_one_account_is_blocked(db, login):
    await make_subscriber()

    for chat in ("1", "2", "3"):
        await fail_login(login, chat, SEED_USERNAME)
    fresh_chat = await fail_login(login, "4", SEED_USERNAME, PASSWORD)

    assert fresh_chat.code == "login_locked"
    assert await queries.subscriber_for_chat("telegram", "4") is None


async def test_rotating_usernames_from_one_chat_is_blocked(db, login):
    await make_subscriber("1132455123")
    await make_subscriber("1132455124", mobile="+989351112233")

    await fail_login(login, "100", "1132455123")
    await fail_login(login, "100", "1132455124")
    await fail_login(login, "100", "nobody-at-all")
    blocked = await fail_login(login, "100", "1132455124", PASSWORD)

    assert blocked.code == "login_locked"
    # The accounts themselves were tried once each: they are not locked for their owners.
    await login.log_in("telegram", "200", "1132455124", PASSWORD)


async def test_the_block_shows_the_minutes_left(db, login, clock):
    await make_subscriber()
    for _ in range(3):
        await fail_login(login, "100", SEED_USERNAME)

    clock.advance(timedelta(minutes=10, seconds=30))
    blocked = await fail_login(login, "100", SEED_USERNAME, PASSWORD)

    assert blocked.details == {"minutes_left": 20}


async def test_the_block_lifts_after_thirty_minutes(db, login, clock):
    subscriber = await make_subscriber()
    for _ in range(3):
        await fail_login(login, "100", SEED_USERNAME)

    clock.advance(timedelta(minutes=29, seconds=59))
    still_blocked = await fail_login(login, "100", SEED_USERNAME, PASSWORD)
    clock.advance(timedelta(seconds=1))
    logged_in = await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    assert still_blocked.code == "login_locked"
    assert logged_in.id == subscriber.id


async def test_after_the_block_lifts_three_fresh_attempts_are_allowed(db, login, clock):
    await make_subscriber()
    for _ in range(3):
        await fail_login(login, "100", SEED_USERNAME)
    clock.advance(timedelta(minutes=30))

    again = await fail_login(login, "100", SEED_USERNAME)

    assert (again.code, again.details) == ("login_failed", {"attempts_left": 2})


async def test_a_correct_login_clears_the_count(db, login):
    await make_subscriber()
    await fail_login(login, "100", SEED_USERNAME)
    await fail_login(login, "100", SEED_USERNAME)

    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)
    after = await fail_login(login, "100", SEED_USERNAME)

    assert (after.code, after.details) == ("login_failed", {"attempts_left": 2})


async def test_wrong_passwords_spread_over_more_than_thirty_minutes_do_not_add_up(db, login, clock):
    await make_subscriber()
    await fail_login(login, "100", SEED_USERNAME)
    await fail_login(login, "100", SEED_USERNAME)

    clock.advance(timedelta(minutes=31))
    later = await fail_login(login, "100", SEED_USERNAME)

    assert (later.code, later.details) == ("login_failed", {"attempts_left": 2})


async def test_typing_an_unknown_name_that_is_an_account_id_does_not_lock_that_account(db, login):
    subscriber = await make_subscriber()
    for chat in ("1", "2", "3"):
        await fail_login(login, chat, str(subscriber.id))

    await login.log_in("telegram", "4", SEED_USERNAME, PASSWORD)


async def test_purging_throttles_forgets_only_what_is_over(db, login, clock):
    await make_subscriber()
    for _ in range(3):
        await fail_login(login, "100", SEED_USERNAME)

    assert await login.purge_throttles() == 0
    clock.advance(timedelta(hours=2))
    assert await login.purge_throttles() == 2  # the chat's and the account's
    assert await Throttle.all().count() == 0


# ---- concurrency (PostgreSQL: real row locks) ----------------------------------------------


async def test_twenty_concurrent_wrong_passwords_verify_at_most_three(pg, login, monkeypatch):
    subscriber = await make_subscriber()
    checks = 0
    real_verify = passwords.check_password

    async def counting_verify(settings, hashed, plain):
        nonlocal checks
        checks += 1
        return await real_verify(settings, hashed, plain)

    monkeypatch.setattr(passwords, "check_password", counting_verify)

    results = await asyncio.gather(
        *(login.log_in("telegram", f"bot-{n}", SEED_USERNAME, WRONG) for n in range(20)),
        return_exceptions=True,
    )

    codes = [r.code for r in results if isinstance(r, DomainError)]
    assert len(codes) == 20
    assert checks == 3  # only the three reserved attempts reach argon2
    assert codes.count("login_failed") <= 3
    assert codes.count("login_locked") >= 17
    account = await Throttle.get(key=login_account_key(subscriber.id))
    assert account.failures == 3
    assert account.locked_until is not None
    owner = await fail_login(login, "owner", SEED_USERNAME, PASSWORD)
    assert owner.code == "login_locked"


async def test_concurrent_wrong_passwords_from_one_chat_are_blocked_too(pg, login):
    await make_subscriber()

    results = await asyncio.gather(
        *(login.log_in("telegram", "100", f"name-{n}", WRONG) for n in range(10)),
        return_exceptions=True,
    )

    codes = [r.code for r in results if isinstance(r, DomainError)]
    assert len(codes) == 10
    assert codes.count("login_failed") <= 3
    blocked = await fail_login(login, "100", SEED_USERNAME, PASSWORD)
    assert blocked.code == "login_locked"


# ---- chats and identifiers -----------------------------------------------------------------


async def test_a_chat_is_created_once_and_keeps_its_first_language(db, chats):
    first = await chats.identify_chat("telegram", "100", language_hint="fa-IR")
    again = await chats.identify_chat("telegram", "100", language_hint="en")

    assert again.id == first.id
    assert again.language == Language.FA
    assert await ChatIdentity.all().count() == 1


async def test_a_chat_comes_with_its_subscriber_and_its_last_seen_moves_by_steps(
    db, login, chats, clock
):
    subscriber = await make_subscriber()
    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)
    chat = await chats.identify_chat("telegram", "100")
    assert chat.subscriber.id == subscriber.id
    seen = (await ChatIdentity.get(id=chat.id)).last_seen_at

    clock.advance(timedelta(seconds=30))  # within a step: not written again
    await chats.identify_chat("telegram", "100")
    assert (await ChatIdentity.get(id=chat.id)).last_seen_at == seen

    await ChatIdentity.filter(id=chat.id).update(unreachable=True)  # the user blocked the bot
    await chats.identify_chat("telegram", "100")  # and writes again: reachable at once
    row = await ChatIdentity.get(id=chat.id)
    assert (row.unreachable, row.last_seen_at) == (False, clock.now())

    clock.advance(timedelta(minutes=1))
    await chats.identify_chat("telegram", "100")
    assert (await ChatIdentity.get(id=chat.id)).last_seen_at == clock.now()


async def test_choosing_a_language_also_sets_the_logged_in_subscribers(db, login, chats):
    subscriber = await make_subscriber()
    await login.log_in("telegram", "100", SEED_USERNAME, PASSWORD)

    await chats.set_language("telegram", "100", "en")

    assert (await Subscriber.get(id=subscriber.id)).language == Language.EN
    with pytest.raises(DomainError) as caught:
        await chats.set_language("telegram", "100", "de")
    assert caught.value.code == "language_not_supported"


async def test_a_language_for_the_session_only_leaves_the_subscribers_as_it_is(db, login, chats):
    subscriber = await make_subscriber(language=Language.FA)
    await login.log_in("console", "op-1", SEED_USERNAME, PASSWORD)

    chat = await chats.set_language("console", "op-1", "en", subscriber_too=False)

    assert chat.language == Language.EN
    assert (await Subscriber.get(id=subscriber.id)).language == Language.FA


async def test_an_empty_or_oversized_chat_id_is_refused(db, chats):
    for channel, external_id in [("telegram", ""), ("", "100"), ("telegram", "9" * 129)]:
        with pytest.raises(DomainError) as caught:
            await chats.identify_chat(channel, external_id)
        assert caught.value.code == "invalid_chat"


@pytest.mark.parametrize(
    ("hint", "language"),
    [("fa-IR", Language.FA), ("en_US", Language.EN), ("in", Language.ID), ("de", None), ("", None)],
)
def test_platform_language_codes_map_to_ours(hint, language):
    assert language_from_hint(hint) == language


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "09121234567"),
        (" +98-912-123-4567 ", "+989121234567"),
        ("PADI 0042", "PADI 0042"),
    ],
)
def test_typed_identifiers_are_cleaned(typed, clean):
    assert clean_identifier(typed) == clean
