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
