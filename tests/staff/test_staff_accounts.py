"""Staff accounts: created with argon2id hashes and audited, logged in under the subscribers'
lockout (3 wrong attempts lock for 30 minutes), a TOTP code when the member has one (and never
the same code twice), and what each role may do."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from core.accounts.lockout import Lockout
from core.errors import Conflict, DomainError, FieldErrors
from core.staff import audit
from core.staff.audit import CLI_ACTOR
from core.staff.models import AuditEntry, StaffMember
from core.staff.queries import active_member
from core.staff.roles import Permission, StaffRole, may
from core.staff.service import StaffAccounts

PASSWORD = "console-pass-1"


@pytest.fixture
def accounts(settings, clock) -> StaffAccounts:
    return StaffAccounts(settings, clock, Lockout(settings, clock))


async def wrong(accounts: StaffAccounts, username: str, password: str, code: str = ""):
    with pytest.raises(DomainError) as caught:
        await accounts.authenticate(username, password, code)
    return caught.value


async def test_create_stores_an_argon2id_hash_and_audits_it(db, accounts, clock):
    member = await accounts.create(CLI_ACTOR, " Sara ", PASSWORD, "admin", full_name="Sara K")

    row = await StaffMember.get(id=member.id)
    assert row.username == "sara" and row.role == StaffRole.ADMIN
    assert row.password_hash.startswith("$argon2id$")
    [entry] = await audit.entries_for("staff", member.id)
    assert (entry.actor_name, entry.action, entry.at) == ("cli", "staff.create", clock.now())
    assert entry.after == {"username": "sara", "role": "admin", "language": "en"}


async def test_create_names_every_bad_field_and_writes_nothing(db, accounts):
    with pytest.raises(FieldErrors) as caught:
        await accounts.create(CLI_ACTOR, "x", "short", "root", language="de")

    assert dict(caught.value.details["fields"]) == {
        "username": "invalid_staff_username",
        "role": "unknown_staff_role",
        "language": "unknown_language",
        "password": "password_too_weak",
    }
    assert await StaffMember.all().count() == 0
    assert await AuditEntry.all().count() == 0


async def test_a_taken_username_is_a_conflict(db, accounts):
    await accounts.create(CLI_ACTOR, "sara", PASSWORD, "admin")
    with pytest.raises(Conflict):
        await accounts.create(CLI_ACTOR, "SARA", PASSWORD, "agent")


async def test_right_password_logs_in_and_wrong_counts_down_to_the_lockout(
    db, accounts, clock, settings
):
    await accounts.create(CLI_ACTOR, "sara", PASSWORD, "operator")

    first = await wrong(accounts, "sara", "nope-nope-1")
    second = await wrong(accounts, "sara", "nope-nope-2")
    third = await wrong(accounts, "sara", "nope-nope-3")

    assert (first.code, first.details) == ("login_failed", {"attempts_left": 2})
    assert (second.code, second.details) == ("login_failed", {"attempts_left": 1})
    assert third.code == "login_locked"
    # Locked: even the right password is refused until the lock ends.
    assert (await wrong(accounts, "sara", PASSWORD)).code == "login_locked"
    clock.advance(timedelta(minutes=settings.lockout_minutes, seconds=1))
    member = await accounts.authenticate("Sara", PASSWORD)
    assert member.username == "sara" and member.last_login_at == clock.now()


async def test_an_unknown_name_gets_the_same_answers(db, accounts):
    first = await wrong(accounts, "nobody", PASSWORD)
    assert (first.code, first.details) == ("login_failed", {"attempts_left": 2})


async def test_an_inactive_member_cannot_log_in(db, accounts):
    member = await accounts.create(CLI_ACTOR, "sara", PASSWORD, "operator")
    await StaffMember.filter(id=member.id).update(active=False)

    assert (await wrong(accounts, "sara", PASSWORD)).code == "login_failed"
    assert await active_member(member.id) is None


async def test_with_totp_the_code_is_needed_and_used_once(db, accounts, clock):
    await accounts.create(CLI_ACTOR, "sara", PASSWORD, "admin")
    uri = await accounts.set_up_totp(CLI_ACTOR, "sara")
    totp = pyotp.parse_uri(uri)
    code = totp.at(clock.now())

    assert uri.startswith("otpauth://totp/ispbot:sara?")
    assert (await wrong(accounts, "sara", PASSWORD)).code == "login_failed"
    another = f"{(int(code) + 1) % 1_000_000:06d}"
    assert (await wrong(accounts, "sara", PASSWORD, another)).code == "login_failed"
    member = await accounts.authenticate("sara", PASSWORD, code)
    assert member.has_totp
    # The lockout started afresh with the success; the same code again is a failure.
    replay = await wrong(accounts, "sara", PASSWORD, code)
    assert (replay.code, replay.details) == ("login_failed", {"attempts_left": 2})
    # The next 30-second step's code works (and Persian digits are digits).
    clock.advance(timedelta(seconds=30))
    persian = totp.at(clock.now()).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert (await accounts.authenticate("sara", PASSWORD, persian)).username == "sara"


async def test_a_code_from_long_ago_is_refused(db, accounts, clock):
    await accounts.create(CLI_ACTOR, "sara", PASSWORD, "admin")
    totp = pyotp.parse_uri(await accounts.set_up_totp(CLI_ACTOR, "sara"))
    old = totp.at(clock.now() - timedelta(minutes=5))

    assert (await wrong(accounts, "sara", PASSWORD, old)).code == "login_failed"


def test_roles_see_and_do_only_their_own_work():
    assert all(may(StaffRole.ADMIN, p) for p in Permission)
    assert not may(StaffRole.AGENT, Permission.REFUND)
    assert not may(StaffRole.AGENT, Permission.VIEW_BILLING)
    assert not may(StaffRole.AGENT, Permission.VIEW_PERSONAL_DATA)
    assert may(StaffRole.AGENT, Permission.UNLINK_CHAT)
    assert may(StaffRole.BILLING, Permission.REFUND)
    assert not may(StaffRole.BILLING, Permission.CHANGE_LINE_STATUS)
    assert may(StaffRole.OPERATOR, Permission.CHANGE_LINE_STATUS)
    assert not may(StaffRole.OPERATOR, Permission.REFUND)
