"""A bounce that comes back later as a delivery report (RFC 3464), piped to
``ispbot email bounce``: the addresses it says failed for good are marked; a delay is not."""

from __future__ import annotations

import pytest

from bot.handlers.email.reports import permanent_failures
from core.accounts.models import Subscriber
from tests.alerts import builders as b
from tests.conftest import NOW
from tests.test_cli import run_ispbot


def report(action: str, status: str, recipient: str = "sara@Mail.Example") -> bytes:
    return f"""From: MAILER-DAEMON@mx.isp.example
To: noreply@pishgaman.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.isp.example
Arrival-Date: Tue, 24 Nov 2026 07:00:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>:
    Recipient address rejected: User unknown

--B
Content-Type: text/rfc822-headers

Subject: Your service ends in 2 days

--B--
""".replace("\n", "\r\n").encode()


def test_a_report_of_a_permanent_failure_names_the_address_and_why():
    [bounce] = permanent_failures(report("failed", "5.1.1"))

    assert bounce.address == "sara@Mail.Example"
    assert bounce.reason.startswith("5.1.1 smtp; 550 5.1.1")
    assert "User unknown" in bounce.reason


@pytest.mark.parametrize(
    "raw",
    [
        report("delayed", "4.4.1"),  # still trying: not a bounce
        report("failed", "4.4.7"),
        b"From: someone@example.com\r\nSubject: hello\r\n\r\nJust a reply.\r\n",
        b"\x00\xff not a message at all",
    ],
)
def test_anything_else_marks_nothing(raw):
    assert permanent_failures(raw) == []


async def test_the_command_marks_the_address_of_every_subscriber_who_has_it(
    db, sqlite_url, postgres_url, tmp_path
):
    who = await b.subscriber()
    other = await b.subscriber()
    for row in (who, other):
        row.email, row.email_verified_at = "sara@mail.example", NOW
        await row.save()
    path = tmp_path / "bounce.eml"
    path.write_bytes(report("failed", "5.1.1"))
    url = {"sqlite": sqlite_url, "postgres": postgres_url}[db]

    result = run_ispbot("email", "bounce", str(path), ISPBOT_DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert "2 subscriber(s) marked" in result.stdout
    for row in (who, other):
        marked = await Subscriber.get(id=row.id)
        assert marked.email_bounced_at is not None and "5.1.1" in (marked.email_bounce or "")
