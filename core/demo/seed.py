"""Seeding the demo: its plans and subscribers are imported from ``data/*.csv`` by the importer
``ispbot import plans|subscribers`` runs, then each subscriber the import created has their
story played (story.py), then the announcements, then the expiry job.

Idempotent: once every demo plan and subscriber is there, seeding again imports nothing, so
what a person changed while trying the demo (a new password, a deposit paid) stays; a story is
played only for a subscriber the import has just created. The subscribers and their stories
are written in one transaction: a failure leaves no subscriber without their story behind.

A story is history: what its services wrote to the outbox (receipts, ticket answers, a rating
request) was told then, so it is recorded as expired, never sent; and its tickets get a topic in
the agents' group only when their subscriber writes again. Configuring a channel later sends
none of it.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.billing.jobs import BillingJobs
from core.billing.models import Plan
from core.billing.subscriptions import Subscriptions
from core.config import Settings
from core.demo.announcements import seed_announcements
from core.demo.faq import seed_faq
from core.demo.people import PEOPLE, PLAN_CODES, PLANS_CSV, SUBSCRIBERS_CSV, DemoLogin, demo_logins
from core.demo.scene import Scene
from core.demo.story import STORIES
from core.handoff.topics import keep_off_desk
from core.imports.plans import import_plans
from core.imports.report import ImportResult
from core.imports.subscribers import SubscriberImporter
from core.inbox.service import expire_unsent
from core.ports import Clock, FileStore


def _all_taken(name: str, result: ImportResult) -> None:
    """The demo's own files import whole; a refused row (its mobile taken by a real
    subscriber, say) stops the seed rather than leave a login half there."""
    if result.rejected:
        refused = "; ".join(
            f"line {r.line} ({r.key}): {', '.join(r.reasons)}" for r in result.rejected
        )
        raise RuntimeError(f"the demo's {name} refused rows: {refused}")


async def _seed_subscribers(settings: Settings, clock: Clock, files: FileStore) -> bool:
    """The subscribers, and the stories of those the import created; False if it created none."""
    now = clock.now()  # one moment for every story, as one seeding is
    usernames = [person.username for person in PEOPLE]
    if await Subscriber.filter(username__in=usernames).count() == len(usernames):
        return False
    importer = SubscriberImporter(settings, clock, Subscriptions(settings, clock))
    try:
        async with in_transaction():
            there = set(
                await Subscriber.filter(username__in=usernames).values_list("username", flat=True)
            )
            _all_taken(SUBSCRIBERS_CSV.name, await importer.run(SUBSCRIBERS_CSV))
            created = [username for username in usernames if username not in there]
            played = []
            for username in created:
                subscriber = await Subscriber.get(username=username)
                await STORIES[username].play(Scene(settings, now, subscriber, files))
                played.append(subscriber.id)
            await expire_unsent(played, now)
            await keep_off_desk(played, now)
    except IntegrityError:
        # Seeded at the same moment by another run: theirs stands.
        if await Subscriber.filter(username__in=usernames).count() == len(usernames):
            return False
        raise
    return bool(created)


async def seed_demo(settings: Settings, clock: Clock, files: FileStore) -> list[DemoLogin]:
    """Write the demo's catalogue, subscribers and announcements (what is missing of them)
    and return the logins, one per subscriber. ``files`` is the app's store (the documents'
    copies)."""
    if await Plan.filter(code__in=PLAN_CODES).count() < len(PLAN_CODES):
        _all_taken(PLANS_CSV.name, await import_plans(PLANS_CSV))
    created = await _seed_subscribers(settings, clock, files)
    await seed_announcements(clock.now())
    await seed_faq(clock)
    if created:
        # The periodic job, as the app runs it: lines whose service ran out go to the
        # collection list. Only after new subscribers, so that seeding again changes nothing.
        await BillingJobs(clock).end_expired_subscriptions()
    return demo_logins()
