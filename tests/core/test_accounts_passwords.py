"""Passwords: the forgotten-password SMS (username + national ID + registered mobile), changing
the panel password and the internet (PPPoE) password, and the strength rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts import passwords
from core.accounts.chats import Chats
from core.accounts.lockout import Lockout
from core.accounts.login import Login
from core.accounts.models import Subscriber
from core.accounts.password_changes import PasswordChanges
from core.errors import DomainError
from tests.core.test_accounts_support import (
    ID_USERNAME,
    MOBILE,
    NATIONAL_ID,
    NIK,
    PASSWORD,
    SEED_USERNAME,
    make_indonesian,
    make_subscriber,
)
from tests.fakes import RecordingSmsSender

NEW = "Tehran-Karaj-99"


@pytest.fixture
def sms() -> RecordingSmsSender:
    return RecordingSmsSender()


@pytest.fixture
def chats(clock) -> Chats:
    return Chats(clock)


@pytest.fixture
def lockout(settings, clock) -> Lockout:
    return Lockout(settings, clock)


@pytest.fixture
def login(settings, clock, chats, lockout) -> Login:
    return Login(settings, clock, chats, lockout)


@pytest.fixture
def password_changes(settings, clock, sms, chats, lockout) -> PasswordChanges:
    return PasswordChanges(settings, clock, sms, chats, lockout)


def password_in(text: str) -> str:
    return text.rsplit(": ", 1)[1]


async def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


# ---- forgotten password --------------------------------------------------------------------


async def test_full_match_sends_one_sms_with_a_new_password_that_logs_in(
    db, password_changes, login, sms
):
    subscriber = await make_subscriber()

    answer = await password_changes.forgot_password(
        "telegram", "100", SEED_USERNAME, NATIONAL_ID, "09121234567"
    )

    assert answer is None
    assert len(sms.sent) == 1
    to, text = sms.sent[0]
    assert to == MOBILE
    new_password = password_in(text)
    assert SEED_USERNAME in text
    logged_in = await login.log_in("telegram", "100", SEED_USERNAME, new_password)
    assert logged_in.id == subscriber.id
    old = await refused(login.log_in("telegram", "101", SEED_USERNAME, PASSWORD))
    assert old.code == "login_failed"


async def test_details_typed_in_persian_digits_and_other_forms_still_match(
    db, password_changes, sms
):
    await make_subscriber()

    await password_changes.forgot_password(
        "telegram", "100", "۰۱۱۳۲۴۵۵۱۲۳", "۰۰۷-۶۲۲۹۶۴-۵", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷"
    )

    assert [to for to, _ in sms.sent] == [MOBILE]


async def test_an_indonesian_subscriber_gets_the_sms_on_his_plus62_mobile(
    db, password_changes, sms
):
    await make_indonesian()

    await password_changes.forgot_password("whatsapp", "x", ID_USERNAME, NIK, "0812-3456-7890")

    assert [to for to, _ in sms.sent] == ["+6281234567890"]


async def test_any_wrong_part_sends_nothing_and_answers_the_same(db, password_changes, sms, clock):
    subscriber = await make_subscriber()
    wrong = [
        ("1132455999", NATIONAL_ID, "09121234567"),  # nobody's username
        (SEED_USERNAME, "0499370899", "09121234567"),  # someone else's national ID
        (SEED_USERNAME, NATIONAL_ID, "09351234567"),  # another mobile
        (SEED_USERNAME, "", "09121234567"),
        (SEED_USERNAME, NATIONAL_ID, ""),
    ]

    for n, (username, national_id, mobile) in enumerate(wrong):
        clock.advance(timedelta(hours=1))  # past the hourly allowance of the last try
        answer = await password_changes.forgot_password(
            "telegram", f"chat-{n}", username, national_id, mobile
        )
        assert answer is None, (username, national_id, mobile)

    assert sms.sent == []
    assert (await Subscriber.get(id=subscriber.id)).password_hash == subscriber.password_hash


async def test_a_subscriber_without_a_registered_mobile_gets_nothing(db, password_changes, sms):
    await make_subscriber(mobile=None)

    await password_changes.forgot_password("telegram", "100", SEED_USERNAME, NATIONAL_ID, "")

    assert sms.sent == []


async def test_resets_are_rate_limited_per_chat_after_the_hourly_allowance(
    db, password_changes, sms, settings, clock
):
    await make_subscriber()
    for n in range(settings.password_reset_per_hour):
        await password_changes.forgot_password("telegram", "100", f"guess-{n}", NATIONAL_ID, MOBILE)

    limited = await refused(
        password_changes.forgot_password("telegram", "100", SEED_USERNAME, NATIONAL_ID, MOBILE)
    )

    assert limited.code == "reset_rate_limited"
    assert limited.details == {"minutes_left": 60}
    assert sms.sent == []
    clock.advance(timedelta(hours=1))
    await password_changes.forgot_password("telegram", "100", SEED_USERNAME, NATIONAL_ID, MOBILE)
    assert len(sms.sent) == 1


async def test_resets_are_rate_limited_per_username_across_chats(
    db, password_changes, sms, settings
):
    await make_subscriber()
    for n in range(settings.password_reset_per_hour):
        await password_changes.forgot_password("telegram", f"chat-{n}", SEED_USERNAME, "0", MOBILE)

    limited = await refused(
        password_changes.forgot_password("telegram", "fresh", SEED_USERNAME, NATIONAL_ID, MOBILE)
    )

    assert limited.code == "reset_rate_limited"
    assert sms.sent == []


async def test_the_username_with_its_leading_zero_counts_against_the_same_allowance(
    db, password_changes, sms, settings
):
    await make_subscriber()
    forms = [SEED_USERNAME, "0" + SEED_USERNAME, "۰" + SEED_USERNAME]
    for n in range(settings.password_reset_per_hour):
        await password_changes.forgot_password("telegram", f"chat-{n}", forms[n % 3], "0", MOBILE)

    limited = await refused(
        password_changes.forgot_password(
            "telegram", "fresh", "0" + SEED_USERNAME, NATIONAL_ID, MOBILE
        )
    )

    assert limited.code == "reset_rate_limited"
    assert sms.sent == []


async def test_a_reset_lifts_the_login_block_on_the_account(db, login, password_changes, sms):
    subscriber = await make_subscriber()
    for chat in ("1", "2", "3"):
        await refused(login.log_in("telegram", chat, SEED_USERNAME, "wrong-password"))

    await password_changes.forgot_password("telegram", "owner", SEED_USERNAME, NATIONAL_ID, MOBILE)
    new_password = password_in(sms.sent[0][1])

    logged_in = await login.log_in("telegram", "owner", SEED_USERNAME, new_password)
    assert logged_in.id == subscriber.id


async def test_when_the_sms_cannot_go_the_old_password_stays_and_nothing_is_told(
    db, settings, clock, chats, lockout
):
    failing = RecordingSmsSender(error=OSError("gateway down"))
    password_changes = PasswordChanges(settings, clock, failing, chats, lockout)
    subscriber = await make_subscriber()

    answer = await password_changes.forgot_password(
        "telegram", "100", SEED_USERNAME, NATIONAL_ID, MOBILE
    )

    assert answer is None
    assert (await Subscriber.get(id=subscriber.id)).password_hash == subscriber.password_hash


async def test_the_reset_sms_text_is_supplied_by_the_caller(
    db, settings, clock, sms, chats, lockout
):
    password_changes = PasswordChanges(
        settings,
        clock,
        sms,
        chats,
        lockout,
        reset_sms_text=lambda s, p: f"رمز جدید {s.username}: {p}",
    )
    await make_subscriber()

    await password_changes.forgot_password("telegram", "100", SEED_USERNAME, NATIONAL_ID, MOBILE)

    assert sms.sent[0][1].startswith(f"رمز جدید {SEED_USERNAME}: ")


# ---- panel password ------------------------------------------------------------------------


async def test_changing_the_panel_password_makes_the_new_one_log_in(db, password_changes, login):
    subscriber = await make_subscriber()

    await password_changes.change_panel_password(subscriber.id, PASSWORD, NEW, NEW)

    await login.log_in("telegram", "100", SEED_USERNAME, NEW)
    old = await refused(login.log_in("telegram", "101", SEED_USERNAME, PASSWORD))
    assert old.code == "login_failed"


async def test_a_bad_new_panel_password_is_refused_and_costs_no_attempt(db, password_changes):
    subscriber = await make_subscriber()
    weak = {"min_length": 8}
    cases = [
        (NEW, NEW + "x", "passwords_differ", {}),
        ("short1", "short1", "password_too_weak", {"reason": "too_short", **weak}),
        ("aaaaaaaaaa", "aaaaaaaaaa", "password_too_weak", {"reason": "one_character", **weak}),
        (SEED_USERNAME, SEED_USERNAME, "password_too_weak", {"reason": "same_as_username", **weak}),
        ("x" * 129, "x" * 129, "password_too_long", {"max_length": 128}),
        (PASSWORD, PASSWORD, "password_unchanged", {}),
    ]

    for new, repeat, code, details in cases:
        error = await refused(
            password_changes.change_panel_password(subscriber.id, PASSWORD, new, repeat)
        )
        assert (error.code, error.details) == (code, details), new

    assert (await Subscriber.get(id=subscriber.id)).password_hash == subscriber.password_hash
    wrong = await refused(
        password_changes.change_panel_password(subscriber.id, "wrong-old", NEW, NEW)
    )
    assert wrong.details == {"attempts_left": 2}


async def test_a_wrong_old_panel_password_counts_down_then_locks_the_account(
    db, password_changes, login
):
    subscriber = await make_subscriber()

    first = await refused(
        password_changes.change_panel_password(subscriber.id, "guess-one", NEW, NEW)
    )
    second = await refused(
        password_changes.change_panel_password(subscriber.id, "guess-two", NEW, NEW)
    )
    third = await refused(
        password_changes.change_panel_password(subscriber.id, "guess-3!", NEW, NEW)
    )
    right_old = await refused(
        password_changes.change_panel_password(subscriber.id, PASSWORD, NEW, NEW)
    )
    logging_in = await refused(login.log_in("telegram", "100", SEED_USERNAME, PASSWORD))

    assert (first.code, first.details) == ("wrong_password", {"attempts_left": 2})
    assert (second.code, second.details) == ("wrong_password", {"attempts_left": 1})
    assert (third.code, third.details) == ("login_locked", {"minutes_left": 30})
    assert right_old.code == "login_locked"
    assert logging_in.code == "login_locked"
    stored = (await Subscriber.get(id=subscriber.id)).password_hash
    assert stored == subscriber.password_hash


async def test_a_right_old_panel_password_clears_earlier_wrong_ones(db, password_changes):
    subscriber = await make_subscriber()
    await refused(password_changes.change_panel_password(subscriber.id, "guess-one", NEW, NEW))
    await refused(password_changes.change_panel_password(subscriber.id, "guess-two", NEW, NEW))

    await password_changes.change_panel_password(subscriber.id, PASSWORD, NEW, NEW)
    after = await refused(
        password_changes.change_panel_password(
            subscriber.id, "guess-3!", "Other-pw-1", "Other-pw-1"
        )
    )

    assert after.details == {"attempts_left": 2}


async def test_changing_the_password_of_an_unknown_subscriber_is_not_found(db, password_changes):
    error = await refused(password_changes.change_panel_password(404, PASSWORD, NEW, NEW))

    assert error.code == "subscriber_not_found"


async def test_a_panel_password_set_with_persian_digits_logs_in_with_latin_ones(
    db, password_changes, login
):
    subscriber = await make_subscriber()

    await password_changes.change_panel_password(
        subscriber.id, "Partak-۱۳۹۴", "Karaj-۱۴۰۳", "Karaj-1403"
    )

    stored = (await Subscriber.get(id=subscriber.id)).password_hash
    assert passwords.hasher(login.settings).verify(stored, "Karaj-1403")
    await login.log_in("telegram", "100", SEED_USERNAME, "Karaj-1403")
    await login.log_in("telegram", "101", SEED_USERNAME, "Karaj-١٤٠٣")


async def test_a_new_password_that_differs_from_the_old_only_in_digit_script_is_unchanged(
    db, password_changes
):
    subscriber = await make_subscriber()

    error = await refused(
        password_changes.change_panel_password(
            subscriber.id, PASSWORD, "Partak-۱۳۹۴", "Partak-۱۳۹۴"
        )
    )

    assert error.code == "password_unchanged"


def test_a_password_of_the_usernames_digits_in_persian_is_the_username():
    with pytest.raises(DomainError) as caught:
        passwords.check_strength("۱۱۳۲۴۵۵۱۲۳", SEED_USERNAME)
    assert caught.value.details["reason"] == "same_as_username"


# ---- internet (PPPoE) password -------------------------------------------------------------


async def test_changing_the_internet_password_stores_the_new_one_for_radius(db, password_changes):
    subscriber = await make_subscriber()

    await password_changes.change_internet_password(subscriber.id, "modem-1394", NEW, NEW)

    stored = await Subscriber.get(id=subscriber.id)
    assert stored.internet_password == NEW
    assert stored.password_hash == subscriber.password_hash  # the panel password is separate


async def test_an_internet_password_with_persian_digits_is_stored_with_latin_ones(
    db, password_changes
):
    subscriber = await make_subscriber()

    await password_changes.change_internet_password(
        subscriber.id, "modem-۱۳۹۴", "Karaj-۱۴۰۳", "Karaj-1403"
    )

    assert (await Subscriber.get(id=subscriber.id)).internet_password == "Karaj-1403"


async def test_an_internet_password_a_modem_cannot_take_is_refused(db, password_changes):
    subscriber = await make_subscriber()

    for new in ["pass word 1", "رمزعبور۱۲۳۴", "tab\there-1", "naïve-pass1"]:
        error = await refused(
            password_changes.change_internet_password(subscriber.id, "modem-1394", new, new)
        )
        assert error.code == "password_invalid_characters", new

    assert (await Subscriber.get(id=subscriber.id)).internet_password == "modem-1394"


async def test_internet_password_shares_the_panel_passwords_rules(db, password_changes):
    subscriber = await make_subscriber()

    for new, repeat, code in [
        (NEW, NEW.lower(), "passwords_differ"),
        ("abc", "abc", "password_too_weak"),
    ]:
        error = await refused(
            password_changes.change_internet_password(subscriber.id, "modem-1394", new, repeat)
        )
        assert error.code == code


async def test_unchanged_internet_password_is_refused(db, password_changes):
    subscriber = await make_subscriber(internet_password="modem-1394")

    error = await refused(
        password_changes.change_internet_password(
            subscriber.id, "modem-1394", "modem-1394", "modem-1394"
        )
    )

    assert error.code == "password_unchanged"


async def test_a_wrong_old_internet_password_counts_and_locks_like_a_login(db, password_changes):
    subscriber = await make_subscriber()

    codes = []
    for guess in ("guess-one", "guess-two", "guess-3!", "modem-1394"):
        error = await refused(
            password_changes.change_internet_password(subscriber.id, guess, NEW, NEW)
        )
        codes.append((error.code, error.details))

    assert codes == [
        ("wrong_password", {"attempts_left": 2}),
        ("wrong_password", {"attempts_left": 1}),
        ("login_locked", {"minutes_left": 30}),
        ("login_locked", {"minutes_left": 30}),
    ]
    assert (await Subscriber.get(id=subscriber.id)).internet_password == "modem-1394"


# ---- pure rules ----------------------------------------------------------------------------


def test_generated_passwords_mix_letters_and_digits_without_look_alikes():
    for _ in range(50):
        password = passwords.generate_password()
        assert len(password) == 10
        assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
        assert not set(password) & set("0O1lI")
        passwords.check_strength(password)


async def test_a_damaged_hash_never_verifies(settings):
    assert await passwords.verify_password(settings, "not-a-hash", PASSWORD) is False
    assert await passwords.dummy_verify(settings, PASSWORD) is False
