"""Plans, subscriptions, traffic buckets, orders, the wallet ledger, usage and their histories.

Amounts are integers in the currency's minor unit. Traffic is in bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from core.billing.enums import (
    Billing,
    BillState,
    BucketKind,
    OrderKind,
    OrderStatus,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)

if TYPE_CHECKING:
    from core.accounts.models import Subscriber


class Plan(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    kind = fields.CharEnumField(PlanKind, max_length=16, default=PlanKind.SERVICE)
    # Shown names per language: {"fa": "...", "id": "...", "en": "..."}
    names: dict = fields.JSONField(default=dict)
    speed_kbps = fields.IntField(null=True)
    # None: unlimited traffic (services only).
    traffic_mb = fields.BigIntField(null=True)
    gift_mb = fields.BigIntField(default=0)
    bonus_percent = fields.IntField(default=0)
    duration_days = fields.IntField(default=30)
    price = fields.BigIntField()
    currency = fields.CharField(max_length=3, default="IRR")
    billing = fields.CharEnumField(Billing, max_length=10, default=Billing.PREPAID)
    # Campaign: traffic added automatically every month while the plan is active.
    monthly_campaign_mb = fields.BigIntField(default=0)
    description: dict = fields.JSONField(default=dict)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "plan"
        ordering = ["kind", "price", "id"]

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


class Subscription(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="subscriptions", on_delete=fields.CASCADE
    )
    subscriber_id: int
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="subscriptions"
    )
    plan_id: int
    status = fields.CharEnumField(SubscriptionStatus, max_length=10, db_index=True)
    source = fields.CharEnumField(
        SubscriptionSource, max_length=12, default=SubscriptionSource.ONLINE
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    unlimited = fields.BooleanField(default=False)
    price_paid = fields.BigIntField(default=0)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "core.Order", related_name="subscriptions", null=True
    )
    order_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscription"
        ordering = ["starts_at", "id"]
        # Expiry alerts ask, for a page of subscribers, whether a later paid period follows,
        # and read one day's ends page by page in (ends_at, id) order.
        indexes = (("subscriber_id", "ends_at"), ("ends_at", "id"))


class TrafficBucket(Model):
    """Bytes a subscriber may use between two times, remaining traffic is the sum over buckets."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="buckets", on_delete=fields.CASCADE
    )
    subscriber_id: int
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "core.Subscription", related_name="buckets", null=True, on_delete=fields.CASCADE
    )
    subscription_id: int | None
    kind = fields.CharEnumField(BucketKind, max_length=12)
    total_bytes = fields.BigIntField()
    used_bytes = fields.BigIntField(default=0)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField(null=True)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "core.Order", related_name="buckets", null=True
    )
    order_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "traffic_bucket"
        indexes = (("subscriber_id", "valid_from"),)


class Order(Model):
    """A purchase. subtotal + vat + subscription_fee - proration_credit - wallet_used = payable,
    when the credits exceed the price, payable is 0 and the rest is wallet_credit."""

    id = fields.IntField(primary_key=True)
    tracking_number = fields.IntField(unique=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="orders", on_delete=fields.CASCADE
    )
    subscriber_id: int
    kind = fields.CharEnumField(OrderKind, max_length=20)
    # None for what no plan sells (a new line's deposit and installation fee).
    plan: fields.ForeignKeyNullableRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="orders", null=True
    )
    plan_id: int | None
    months = fields.IntField(default=1)
    currency = fields.CharField(max_length=3)
    subtotal = fields.BigIntField()
    vat = fields.BigIntField()
    subscription_fee = fields.BigIntField(default=0)
    proration_credit = fields.BigIntField(default=0)
    wallet_used = fields.BigIntField(default=0)
    wallet_credit = fields.BigIntField(default=0)
    payable = fields.BigIntField()
    status = fields.CharEnumField(
        OrderStatus, max_length=10, default=OrderStatus.PENDING, db_index=True
    )
    gateway = fields.CharField(max_length=20, null=True)
    gateway_ref = fields.CharField(max_length=128, null=True, db_index=True)
    pay_url = fields.CharField(max_length=500, null=True)
    # The code of the app's own short link to pay_url (/p/<code>), which an SMS can carry.
    short_code = fields.CharField(max_length=16, null=True, unique=True)
    # The chat the order was placed from: its result is told there first (bot/notify.py).
    channel = fields.CharField(max_length=16, null=True)
    chat_external_id = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    applied_at = fields.DatetimeField(null=True)
    # A saved card's charge of this order was sent (stamped before sending): from then on the
    # order is never failed without asking the provider, whose answer may have been lost.
    card_sent_at = fields.DatetimeField(null=True)
    # The customer and card that charge was sent to (kept with card_sent_at): the same request
    # can go again, and the provider be asked, after the card is replaced or removed.
    card_customer_ref = fields.CharField(max_length=128, null=True)
    card_method_ref = fields.CharField(max_length=128, null=True)
    # When that charge was first found unknown to the provider and too old to send again: it
    # waits for staff to settle it (said at ERROR once, on this moment's stamping).
    card_unresolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order"
        # The console's dashboard: orders made and revenue paid in a period; a subscriber's
        # orders, newest first (their page read a third of a million orders without it).
        indexes = (("created_at",), ("paid_at",), ("subscriber_id", "created_at"))


class WalletEntry(Model):
    """Append-only ledger of the panel credit, the balance is the sum of amounts."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="wallet_entries", on_delete=fields.CASCADE
    )
    subscriber_id: int
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    kind = fields.CharEnumField(WalletEntryKind, max_length=20)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "core.Order", related_name="wallet_entries", null=True
    )
    order_id: int | None
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "wallet_entry"
        indexes = (("subscriber_id",),)  # a subscriber's balance and ledger
        # An order moves the wallet at most once per kind: applying twice cannot double it.
        unique_together = (("order", "kind"),)


class FreeChargeGrant(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="free_charges", on_delete=fields.CASCADE
    )
    subscriber_id: int
    # The subscriber's free_charge_generation when granted: once per generation, ever.
    generation = fields.IntField(default=0)
    days = fields.IntField()
    megabytes = fields.IntField()
    granted_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "free_charge_grant"
        unique_together = (("subscriber", "generation"),)


class UsageSession(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="usage_sessions", on_delete=fields.CASCADE
    )
    subscriber_id: int
    # The accounting session's id (RADIUS Acct-Unique-Session-Id), so a re-sync updates in place.
    session_key = fields.CharField(max_length=64, unique=True)
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    # ended_at is the last update of a session its NAS left open (no Stop came, it went stale:
    # core/radius/accounting.py): a Stop that comes after all replaces it, an update reopens it.
    end_presumed = fields.BooleanField(default=False, db_default=False)
    download_bytes = fields.BigIntField(default=0)
    upload_bytes = fields.BigIntField(default=0)
    deducted_bytes = fields.BigIntField(default=0)
    ip = fields.CharField(max_length=45, null=True)

    class Meta:
        table = "usage_session"
        indexes = (("subscriber_id", "started_at"),)


class CampaignCharge(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="campaign_charges", on_delete=fields.CASCADE
    )
    subscriber_id: int
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="campaign_charges"
    )
    plan_id: int
    # "2026-11": one charge per subscriber, plan and month.
    period = fields.CharField(max_length=7)
    megabytes = fields.BigIntField()
    result = fields.CharField(max_length=40)
    charged_at = fields.DatetimeField()

    class Meta:
        table = "campaign_charge"
        unique_together = (("subscriber", "plan", "period"),)


class PostpaidLine(Model):
    """A line billed after each period (postpaid): its plan and its activation date (the BAAB,
    "Berita Acara Aktivasi Berlangganan"), from which its periods are billed."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.OneToOneRelation[Subscriber] = fields.OneToOneField(
        "core.Subscriber", related_name="postpaid", on_delete=fields.CASCADE
    )
    subscriber_id: int
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="postpaid_lines"
    )
    plan_id: int
    # A calendar day in the subscriber's zone.
    activated_on = fields.DateField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "postpaid_line"


class Bill(Model):
    """Bill history: one row a billed period (prepaid purchases and postpaid periods).

    A postpaid bill has a state, a due date and its unique period key; a prepaid purchase's
    period has none of them (its order paid it)."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="bills", on_delete=fields.CASCADE
    )
    subscriber_id: int
    plan: fields.ForeignKeyRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="bills"
    )
    plan_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    days = fields.IntField()
    amount = fields.BigIntField()
    vat = fields.BigIntField(default=0, db_default=0)
    # amount + vat: what the bill asks for.
    total = fields.BigIntField(default=0, db_default=0)
    currency = fields.CharField(max_length=3)
    note = fields.CharField(max_length=200, default="")
    # A prepaid period: the order that bought it. A postpaid bill: the order placed to pay it
    # (the latest), which paid it once the state is paid.
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "core.Order", related_name="bills", null=True
    )
    order_id: int | None
    state = fields.CharEnumField(BillState, max_length=8, null=True, db_index=True)
    # The first day of the billed calendar month (ISO): one bill per subscriber and period.
    period_key = fields.CharField(max_length=10, null=True)
    issued_at = fields.DatetimeField(null=True)
    # The moment the bill is late: the start of the day after its last day to pay.
    due_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    # When the unpaid bill isolated the line (once; paying it opens the line).
    isolated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bill"
        ordering = ["starts_at", "id"]
        unique_together = (("subscriber", "period_key"),)


class AutoRenewal(Model):
    """One automatic renewal's attempt, once per subscriber and end of service: unique, so a
    second worker or a second run finds it taken. ``outcome``: renewed (``order``), short (the
    wallet held ``short`` too little) or failed (``reason``)."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="auto_renewals", on_delete=fields.CASCADE
    )
    subscriber_id: int
    period_end = fields.DatetimeField()
    outcome = fields.CharField(max_length=16)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "core.Order", related_name="auto_renewal", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    short = fields.BigIntField(default=0)
    reason = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    # A saved card is charged ``short`` no sooner than this: the subscriber was told when the
    # attempt found the wallet short (core/billing/card_renewals.py), and may stop it until then.
    charge_after = fields.DatetimeField(null=True)

    class Meta:
        table = "auto_renewal"
        unique_together = (("subscriber", "period_end"),)


class SavedCard(Model):
    """A card a subscriber saved for automatic renewals, as the provider's ids only (its
    customer and payment method; never a card's number or any other card data). One per
    subscriber. ``method_ref`` is None while the provider's setup page (``setup_ref``) is open.
    """

    id = fields.IntField(primary_key=True)
    subscriber: fields.OneToOneRelation[Subscriber] = fields.OneToOneField(
        "core.Subscriber", related_name="saved_card", on_delete=fields.CASCADE
    )
    subscriber_id: int
    gateway = fields.CharField(max_length=16)
    customer_ref = fields.CharField(max_length=128)
    setup_ref = fields.CharField(max_length=128, null=True, unique=True)
    method_ref = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()
    saved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "saved_card"


class ServicePause(Model):
    """A subscriber's pause of the service (core/billing/pauses.py): the days asked, when it
    started and is to resume, when it did, and the fee taken from the wallet.

    The service in force was moved back by ``days`` when the pause started (its end, its
    traffic's validity, what was bought ahead), so nothing runs out while paused; an early
    resume moves them forward again by the days not used."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="pauses", on_delete=fields.CASCADE
    )
    subscriber_id: int
    days = fields.IntField()
    started_at = fields.DatetimeField()
    resume_at = fields.DatetimeField()
    # None while paused; the moment it resumed (``resume_at``, or earlier when asked).
    resumed_at = fields.DatetimeField(null=True)
    # "schedule" (the worker, on the day chosen) or "subscriber" (asked early).
    resumed_by = fields.CharField(max_length=12, null=True)
    fee = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3)
    # The subscription moved back, and the traffic buckets whose validity moved with it: an
    # early resume moves exactly these forward again.
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "core.Subscription", related_name="pauses", null=True, on_delete=fields.SET_NULL
    )
    subscription_id: int | None
    bucket_ids: list = fields.JSONField(default=list)

    class Meta:
        table = "service_pause"
        # A subscriber's pauses of the last year (the yearly limit); the job's due resumes.
        indexes = (("subscriber_id", "started_at"), ("resumed_at", "resume_at"))
