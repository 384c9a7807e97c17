"""Finding a subscriber from the console: by username (with the line's leading zero too),
mobile in any form, national ID or part of the name; pages by key; masked for agents."""

from __future__ import annotations

from core.staff.subscribers import search
from tests.core.test_accounts_support import MOBILE, NATIONAL_ID, make_subscriber


async def usernames(text: str, **kw) -> list[str]:
    return [s.username for s in (await search(text, **kw)).rows]


async def test_finds_by_username_mobile_national_id_and_name(db):
    await make_subscriber("2188001234")
    await make_subscriber("2166402020", mobile="+989350000000", national_id="0000000001",
                          full_name="Reza Karimi")  # fmt: skip

    assert await usernames("02188001234") == ["2188001234"]
    assert await usernames("۰۹۱۲ ۱۲۳ ۴۵۶۷") == ["2188001234"]  # MOBILE, typed nationally
    assert await usernames(MOBILE) == ["2188001234"]
    assert await usernames(NATIONAL_ID) == ["2188001234"]
    assert await usernames("karimi") == ["2166402020"]
    assert await usernames("nobody") == []
    assert await usernames("") == ["2188001234", "2166402020"]


async def test_pages_follow_each_other_by_key(db):
    for n in range(5):
        await make_subscriber(f"21000000{n:02d}", mobile=None)

    first = await search("", limit=2)
    second = await search("", limit=2, after=first.next_after)
    last = await search("", limit=2, after=second.next_after)

    assert [s.username for s in first.rows + second.rows + last.rows] == [
        f"21000000{n:02d}" for n in range(5)
    ]
    assert last.next_after is None


async def test_personal_data_is_masked_without_the_permission(db):
    await make_subscriber("2188001234", email="kamal@example.com", address="Tehran, Azadi St")

    [row] = (await search("2188001234", personal_data=False)).rows
    [full] = (await search("2188001234")).rows

    assert (row.mobile, row.national_id, row.email, row.address) == (
        "+98912***4567", "00******45", "***", "***",
    )  # fmt: skip
    assert full.mobile == MOBILE and full.email == "kamal@example.com"


async def test_a_name_is_found_in_any_case_and_its_like_wildcards_match_themselves(db):
    await make_subscriber("2100000001", mobile=None, full_name="Reza Karimi")
    await make_subscriber("2100000002", mobile=None, full_name="Sara 100% Ahmadi")
    await make_subscriber("2100000003", mobile=None, full_name="Nima_Rad")
    await make_subscriber("rk", mobile=None, full_name="Someone Else")

    assert await usernames("KARIMI") == ["2100000001"]
    assert await usernames("0% a") == ["2100000002"]
    assert await usernames("%") == []  # one character: a username only
    assert await usernames("%%") == []
    assert await usernames("a_r") == ["2100000003"]
    assert await usernames("rk") == ["rk"]  # the username, and no name holds "rk"
    assert await usernames("i") == []


async def test_name_matches_page_by_key(db):
    for n in range(5):
        await make_subscriber(f"21000000{n:02d}", mobile=None, full_name=f"Bench Person {n}")
    await make_subscriber("2100000099", mobile=None, full_name="Someone Else")

    first = await search("person", limit=2)
    second = await search("person", limit=2, after=first.next_after)
    last = await search("person", limit=2, after=second.next_after)

    assert [s.username for s in first.rows + second.rows + last.rows] == [
        f"21000000{n:02d}" for n in range(5)
    ]
    assert last.next_after is None


async def test_a_number_longer_than_any_username_mobile_or_id_finds_nobody(db):
    # Found by the fuzz of the console's forms: the ORM refused to compare a 40-digit username
    # (a 500).
    await make_subscriber("2188001234")

    assert await usernames("9" * 40) == []
    assert await usernames("+" + "9" * 63) == []
    assert await usernames("0" * 21 + "2188001234") == []
