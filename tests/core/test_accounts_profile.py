"""The profile form: validation codes per country, all-or-nothing writes, the write-once birth
date, and the list of missing fields that makes every login ask to complete the profile."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.accounts import queries
from core.accounts.models import Subscriber
from core.accounts.profile import clean_field
from core.accounts.profile_edits import ProfileEdits
from core.errors import DomainError
from tests.core.test_accounts_support import (
    MOBILE,
    NATIONAL_ID,
    NIK,
    SEED_NAME,
    make_indonesian,
    make_subscriber,
)

COMPLETE = {
    "email": "kamal@example.com",
    "postal_code": "1234567890",
    "education": "کارشناسی",
    "birth_date": date(1985, 3, 21),
    "address": "تهران، خیابان آزادی",
}


@pytest.fixture
def profile_edits(settings, clock) -> ProfileEdits:
    return ProfileEdits(settings, clock)


async def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


# ---- editing ---------------------------------------------------------------------------------


async def test_profile_fields_are_stored_in_their_clean_form(db, profile_edits):
    subscriber = await make_subscriber(mobile=None, national_id=None)

    updated = await profile_edits.update_profile(
        subscriber.id,
        full_name="  کمال   نصیری ",
        mobile="۰۹۱۲ ۱۲۳ ۴۵۶۷",
        email="Kamal@Example.COM",
        national_id="۰۰۷-۶۲۲۹۶۴-۵",
        postal_code="۱۲۳۴۵-۶۷۸۹۰",
        city="تهران",
    )

    assert updated.full_name == SEED_NAME
    assert updated.mobile == MOBILE
    assert updated.email == "Kamal@example.com"
    assert updated.national_id == NATIONAL_ID
    assert updated.postal_code == "1234567890"
    assert (await Subscriber.get(id=subscriber.id)).city == "تهران"


async def test_direction_controls_typed_in_a_profile_field_are_not_stored(db, profile_edits):
    subscriber = await make_subscriber()

    updated = await profile_edits.update_profile(
        subscriber.id,
        full_name="\u202eکمال\u202c \u2067نصیری\u2069",
        city="\u202bتهران\u202c",
    )

    assert updated.full_name == SEED_NAME
    assert (await Subscriber.get(id=subscriber.id)).city == "تهران"
    with pytest.raises(DomainError) as caught:
        clean_field("address", "\u202a\u202e\u2066", country="IR", is_company=False)
    assert caught.value.code == "profile_field_required"


async def test_a_national_code_that_lost_its_leading_zeros_gets_them_back(db, profile_edits):
    subscriber = await make_subscriber(national_id=None)

    updated = await profile_edits.update_profile(subscriber.id, national_id="76229645")

    assert updated.national_id == NATIONAL_ID


async def test_an_indonesian_subscriber_uses_nik_plus62_mobile_and_five_digit_postcode(
    db, profile_edits
):
    subscriber = await make_indonesian(mobile=None, national_id=None)

    updated = await profile_edits.update_profile(
        subscriber.id, mobile="0812-3456-7890", national_id=NIK, postal_code="12950"
    )

    assert (updated.mobile, updated.national_id, updated.postal_code) == (
        "+6281234567890",
        NIK,
        "12950",
    )


async def test_a_company_gives_its_eleven_digit_legal_id(db, profile_edits):
    subscriber = await make_subscriber(is_company=True, national_id=None)

    updated = await profile_edits.update_profile(subscriber.id, national_id="10380284790")
    error = await refused(profile_edits.update_profile(subscriber.id, national_id=NATIONAL_ID))

    assert updated.national_id == "10380284790"
    assert error.code == "invalid_national_id"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "kamal@example", "invalid_email"),
        ("email", "kamal.example.com", "invalid_email"),
        ("email", "kamal@@example.com", "invalid_email"),
        ("mobile", "0912123456", "invalid_mobile"),  # a digit short
        ("mobile", "abc", "invalid_mobile"),
        ("mobile", "02144556677", "invalid_mobile"),  # a Tehran landline takes no SMS
        ("national_id", "0076229646", "invalid_national_id"),  # wrong check digit
        ("national_id", "1111111111", "invalid_national_id"),  # one repeated digit
        ("national_id", NIK, "invalid_national_id"),  # a NIK is no Iranian code
        ("postal_code", "12345", "invalid_postal_code"),
        ("postal_code", "12345678901", "invalid_postal_code"),
        ("full_name", "K", "invalid_full_name"),
        ("full_name", "ک" * 121, "profile_value_too_long"),
        ("city", "   ", "profile_field_required"),
        ("username", "0000", "profile_field_not_editable"),
        ("line_status", "in_operation", "profile_field_not_editable"),
    ],
)
def test_a_bad_iranian_value_is_refused_with_its_code(field, value, code):
    with pytest.raises(DomainError) as caught:
        clean_field(field, value, country="IR", is_company=False)

    assert caught.value.code == code
    if code != "profile_field_not_editable":
        assert caught.value.details["field"] == field


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("national_id", "3174095012900000", "invalid_national_id"),  # serial 0000
        ("national_id", "3174093212900001", "invalid_national_id"),  # day 32
        ("national_id", "3174091513900001", "invalid_national_id"),  # month 13
        ("national_id", "0912345678901234", "invalid_national_id"),  # province 09
        ("national_id", NATIONAL_ID, "invalid_national_id"),  # an Iranian code
        ("postal_code", "1234567890", "invalid_postal_code"),
        ("mobile", "0211234567", "invalid_mobile"),  # a Jakarta landline
    ],
)
def test_a_bad_indonesian_value_is_refused_with_its_code(field, value, code):
    with pytest.raises(DomainError) as caught:
        clean_field(field, value, country="ID", is_company=False)

    assert caught.value.code == code


async def test_the_service_refuses_a_bad_value_with_its_code(db, profile_edits):
    subscriber = await make_subscriber()
    cases = [
        ("email", "kamal@example", "invalid_email"),
        ("mobile", "02144556677", "invalid_mobile"),
        ("national_id", "0076229646", "invalid_national_id"),
        ("postal_code", "12345", "invalid_postal_code"),
    ]

    for field, value, code in cases:
        error = await refused(profile_edits.update_profile(subscriber.id, **{field: value}))
        assert (error.code, error.details["field"]) == (code, field)


async def test_nothing_is_written_when_one_field_is_bad(db, profile_edits):
    subscriber = await make_subscriber(email=None, city=None)

    error = await refused(
        profile_edits.update_profile(
            subscriber.id, email="kamal@example.com", city="تهران", postal_code="123"
        )
    )

    assert error.code == "invalid_postal_code"
    stored = await Subscriber.get(id=subscriber.id)
    assert (stored.email, stored.city, stored.postal_code) == (None, None, None)


async def test_an_unknown_subscriber_is_not_found(db, profile_edits):
    error = await refused(profile_edits.update_profile(404, city="تهران"))

    assert error.code == "subscriber_not_found"


# ---- birth date: write-once -----------------------------------------------------------------


async def test_the_birth_date_can_be_set_once(db, profile_edits):
    subscriber = await make_subscriber()

    await profile_edits.set_birth_date(subscriber.id, date(1985, 3, 21))
    locked = await refused(profile_edits.set_birth_date(subscriber.id, date(1986, 3, 21)))

    assert locked.code == "birth_date_locked"
    assert (await Subscriber.get(id=subscriber.id)).birth_date == date(1985, 3, 21)
    assert (await queries.profile(subscriber.id)).birth_date_locked


async def test_setting_the_same_birth_date_again_is_harmless(db, profile_edits):
    subscriber = await make_subscriber()
    await profile_edits.set_birth_date(subscriber.id, date(1985, 3, 21))

    await profile_edits.set_birth_date(subscriber.id, date(1985, 3, 21))

    assert (await Subscriber.get(id=subscriber.id)).birth_date == date(1985, 3, 21)


async def test_a_locked_birth_date_in_the_form_writes_none_of_the_other_fields(db, profile_edits):
    subscriber = await make_subscriber(birth_date=date(1985, 3, 21), city=None)

    locked = await refused(
        profile_edits.update_profile(subscriber.id, city="تهران", birth_date=date(1990, 1, 1))
    )

    assert locked.code == "birth_date_locked"
    stored = await Subscriber.get(id=subscriber.id)
    assert (stored.city, stored.birth_date) == (None, date(1985, 3, 21))


async def test_the_birth_date_is_written_with_the_rest_of_the_form(db, profile_edits):
    subscriber = await make_subscriber()

    updated = await profile_edits.update_profile(
        subscriber.id, city="تهران", birth_date=date(1985, 3, 21)
    )

    assert (updated.city, updated.birth_date) == ("تهران", date(1985, 3, 21))


async def test_an_impossible_birth_date_is_refused_and_not_locked(db, profile_edits):
    subscriber = await make_subscriber()
    cases = [
        (date(2026, 11, 25), "birth_date_in_future"),
        (date(1899, 12, 31), "invalid_birth_date"),
        (datetime(1985, 3, 21, tzinfo=UTC), "invalid_birth_date"),
        ("1364/01/01", "invalid_birth_date"),
    ]

    for value, code in cases:
        error = await refused(profile_edits.set_birth_date(subscriber.id, value))
        assert error.code == code, value

    await profile_edits.set_birth_date(subscriber.id, date(1985, 3, 21))


async def test_today_is_a_valid_birth_date_in_the_subscribers_time_zone(db, profile_edits, clock):
    """07:00 UTC on 24 November is already that day in Tehran and Jakarta."""
    subscriber = await make_subscriber(timezone="Asia/Jakarta")

    await profile_edits.set_birth_date(subscriber.id, date(2026, 11, 24))

    assert (await Subscriber.get(id=subscriber.id)).birth_date == date(2026, 11, 24)


# ---- completeness ----------------------------------------------------------------------------


async def test_a_new_subscriber_is_asked_for_every_empty_personal_field(db, profile_edits):
    subscriber = await make_subscriber()

    profile = await queries.profile(subscriber.id)

    assert profile.missing_fields == (
        "email",
        "postal_code",
        "education",
        "birth_date",
        "address",
    )
    assert not profile.complete
    assert profile_edits.missing_profile_fields(subscriber) == list(profile.missing_fields)


async def test_a_filled_in_profile_is_complete(db, profile_edits):
    subscriber = await make_subscriber()

    await profile_edits.update_profile(subscriber.id, **COMPLETE)

    profile = await queries.profile(subscriber.id)
    assert profile.missing_fields == ()
    assert profile.complete


async def test_a_company_is_not_asked_for_education(
    db,
):
    subscriber = await make_subscriber(is_company=True)

    profile = await queries.profile(subscriber.id)

    assert "education" not in profile.missing_fields
    assert "birth_date" in profile.missing_fields


async def test_a_blank_name_counts_as_missing(
    db,
):
    subscriber = await make_subscriber(full_name="  ")

    assert (await queries.profile(subscriber.id)).missing_fields[0] == "full_name"


async def test_reading_the_profile_of_nobody_is_not_found(db):
    with pytest.raises(DomainError) as caught:
        await queries.profile(404)

    assert caught.value.code == "subscriber_not_found"
