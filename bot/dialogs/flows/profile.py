"""The profile: see every detail (the missing ones pointed out), edit one, set the birth date once.

```mermaid
flowchart LR
    view -->|Edit a detail| field
    field -->|a detail| value -->|saved| view
    field -->|birth date, not set yet| birth_date --> confirm_birth_date -->|saved| view
    field -->|birth date, already set| field
    field -->|mobile, national ID| owner_password -->|right| value
    value -->|national ID| view
    value -->|mobile: a code sent to it| mobile_code -->|right code| view
    value -->|email, when offered: a code sent to it| email_code -->|right code| view
    view -->|Confirm my email| email_code
    view -->|email notices on or off| view
```

The mobile and the national ID are what a password reset trusts: the current panel password
comes first, and a new mobile counts only once the code sent to it comes back (wrong passwords
and codes count toward the login lockout; core/accounts/owner_changes.py). Where email is
offered (a mail server configured), a new email address likewise counts once the code sent to
it comes back, and the profile turns notices by email on and off (profile_email.py).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.profile_email import email_options, email_status_line
from bot.i18n import N_, InvalidDate
from core.accounts import queries
from core.accounts.email_addresses import EMAIL_CODE_MINUTES
from core.accounts.owner_changes import OWNER_CHECK_MINUTES
from core.accounts.profile import EDITABLE_FIELDS, OWNER_FIELDS, check_birth_date
from core.accounts.queries import SubscriberView
from core.errors import DomainError, InvalidInput

FIELD_LABELS: dict[str, str] = {
    "full_name": N_("Full name"),
    "mobile": N_("Mobile"),
    "email": N_("Email"),
    "national_id": N_("National ID"),
    "postal_code": N_("Postal code"),
    "education": N_("Education"),
    "address": N_("Address"),
    "city": N_("City"),
    "birth_date": N_("Birth date"),
}
COMPANY_DATE_LABEL = N_("Company registration date")
# Numbers that are codes: shown in the language's digits, never grouped.
_CODE_FIELDS = {"mobile", "national_id", "postal_code"}
_SAMPLE_DAY = date(1990, 8, 11)
_REFUSED = object()


def field_label(ctx: Context, name: str, *, is_company: bool = False) -> str:
    if name == "birth_date" and is_company:
        return ctx._(COMPANY_DATE_LABEL)
    return ctx._(FIELD_LABELS[name])


def date_example(ctx: Context) -> str:
    return ctx.t.date_example(_SAMPLE_DAY)


def profile_text(ctx: Context, p: queries.Profile) -> str:
    not_given = ctx._("(not given)")
    lines = [
        ctx._("Your profile:"),
        ctx._("Customer number: %(number)s", number=ctx.t.digits(p.customer_number)),
        ctx._("Username: %(username)s", username=ctx.t.digits(p.username)),
    ]
    for name in (*EDITABLE_FIELDS, "birth_date"):
        value = getattr(p, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            shown = not_given
        elif name == "birth_date":
            shown = ctx.t.date(value)
        elif name in _CODE_FIELDS:
            shown = ctx.t.digits(value)
        else:
            shown = value
        label = field_label(ctx, name, is_company=p.is_company)
        lines.append(ctx._("%(field)s: %(value)s", field=label, value=shown))
    if p.exchange_centre:
        lines.append(ctx._("Exchange centre: %(name)s", name=p.exchange_centre))
    email_status = email_status_line(ctx, p) if ctx.services.email_addresses.offered else None
    if email_status:
        lines.append(email_status)
    if p.missing_fields:
        missing = ", ".join(field_label(ctx, n, is_company=p.is_company) for n in p.missing_fields)
        lines.append("")
        lines.append(
            ctx._(
                "Still missing: %(fields)s. Please complete your profile with Edit a detail.",
                fields=missing,
            )
        )
    return "\n".join(lines)


class ProfileFlow(Flow):
    name = "profile"
    menu_label = N_("My profile")
    menu_group = "account"
    menu_order = 60

    async def ask_view(self, ctx: Context) -> None:
        p = await queries.profile(ctx.subscriber_id)
        email = email_options(ctx, p) if ctx.services.email_addresses.offered else []
        options = [
            ctx.option("edit", ctx._("Edit a detail")),
            *(ctx.option(option_id, label) for option_id, label in email),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ]
        ctx.say(profile_text(ctx, p), options=options)

    async def on_view(self, ctx: Context) -> None:
        choice = ctx.input.choice
        if choice == "edit":
            await ctx.goto(self.FIELD)
            return
        addresses = ctx.services.email_addresses
        if choice in ("email:on", "email:off") and addresses.offered:
            on = choice == "email:on"
            if await self._attempt(ctx, addresses.set_notices(ctx.subscriber_id, on)) is _REFUSED:
                return
            ctx.say(
                ctx._("Notices will come by email too.")
                if on
                else ctx._("No more notices by email.")
            )
            await self._back_to_view(ctx)
            return
        if choice == "email:confirm" and addresses.offered:
            p = await queries.profile(ctx.subscriber_id)
            sent = await self._attempt(ctx, addresses.send_code(ctx.subscriber_id, p.email or ""))
            if sent is not _REFUSED:
                ctx.data["email"] = sent
                await ctx.goto(self.EMAIL_CODE)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    async def ask_field(self, ctx: Context) -> None:
        p = await queries.profile(ctx.subscriber_id)
        options = [
            ctx.option(f"field:{name}", field_label(ctx, name, is_company=p.is_company))
            for name in (*EDITABLE_FIELDS, "birth_date")
        ]
        ctx.say(ctx._("Which detail do you want to change?"), options=options)

    async def on_field(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        name = choice.removeprefix("field:")
        if not choice.startswith("field:") or name not in FIELD_LABELS:
            await ctx.refuse(ctx._("Please choose one of the details below."))
            return
        if name == "birth_date":
            p = await queries.profile(ctx.subscriber_id)
            if p.birth_date is not None:
                await ctx.refuse(
                    ctx._(
                        "Your %(field)s is already set to %(date)s. It can be set only once, so "
                        "it cannot be changed here. If it is wrong, please open a support ticket.",
                        field=field_label(ctx, name, is_company=p.is_company),
                        date=ctx.t.date(p.birth_date),
                    )
                )
                return
            await ctx.goto(self.BIRTH_DATE)
            return
        ctx.data["field"] = name
        await ctx.goto(self.OWNER_PASSWORD if name in OWNER_FIELDS else self.VALUE)

    async def ask_owner_password(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Your %(field)s can be changed only by you: please send your current panel "
                "password first.",
                field=field_label(ctx, ctx.data["field"]),
            ),
            secret=True,
        )

    async def on_owner_password(self, ctx: Context) -> None:
        ctx.mark_secret()
        password = ctx.input.raw.strip()
        if not password:
            await ctx.refuse(ctx._("Please type the password."))
            return
        change = ctx.services.owner_changes.confirm_owner(
            ctx.subscriber_id, ctx.data["field"], password
        )
        if await self._attempt(ctx, change) is not _REFUSED:
            await ctx.goto(self.VALUE)

    async def ask_value(self, ctx: Context) -> None:
        name = ctx.data["field"]
        ctx.say(
            ctx._("Please send your new %(field)s.", field=field_label(ctx, name)),
            asks_contact=name == "mobile",
        )

    async def on_value(self, ctx: Context) -> None:
        name = ctx.data["field"]
        value = ctx.input.text
        if name == "mobile" and ctx.input.contact_phone:
            value = ctx.input.contact_phone
        owner = ctx.services.owner_changes
        # A refusal (not valid, too long) is explained by the engine and this question put again.
        if name == "mobile":
            mobile = await self._attempt(ctx, owner.send_mobile_code(ctx.subscriber_id, value))
            if mobile is not _REFUSED:
                ctx.data["mobile"] = mobile
                await ctx.goto(self.MOBILE_CODE)
            return
        addresses = ctx.services.email_addresses
        if name == "email" and addresses.offered:
            sent = await self._attempt(ctx, addresses.send_code(ctx.subscriber_id, value))
            if sent is not _REFUSED:
                ctx.data["email"] = sent
                await ctx.goto(self.EMAIL_CODE)
            return
        if name == "national_id":
            changed = await self._attempt(ctx, owner.change_national_id(ctx.subscriber_id, value))
            if changed is _REFUSED:
                return
        else:
            changed = await ctx.services.profile_edits.update_profile(
                ctx.subscriber_id, **{name: value}
            )
        assert isinstance(changed, SubscriberView)
        ctx.subscriber = changed
        ctx.say(ctx._("Saved: %(field)s.", field=field_label(ctx, name)))
        await self._back_to_view(ctx)

    async def ask_mobile_code(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "We have sent a code of 6 digits by SMS to %(mobile)s. Please send it here "
                "within %(minutes)s minutes.",
                mobile=ctx.t.digits(ctx.data["mobile"]),
                minutes=OWNER_CHECK_MINUTES,
            ),
            options=[ctx.option("resend", ctx._("Send the code again"))],
        )

    async def on_mobile_code(self, ctx: Context) -> None:
        owner = ctx.services.owner_changes
        if ctx.input.choice == "resend":
            change = owner.send_mobile_code(ctx.subscriber_id, ctx.data["mobile"])
            if await self._attempt(ctx, change) is not _REFUSED:
                await ctx.stay()
            return
        if not ctx.input.raw.strip():
            await ctx.refuse(ctx._("Please send the code from the SMS."))
            return
        changed = await self._attempt(ctx, owner.confirm_mobile(ctx.subscriber_id, ctx.input.raw))
        if changed is _REFUSED:
            return
        assert isinstance(changed, SubscriberView)
        ctx.subscriber = changed
        ctx.say(ctx._("Saved: %(field)s.", field=field_label(ctx, "mobile")))
        await self._back_to_view(ctx)

    async def ask_email_code(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "We have sent a code of 6 digits by email to %(address)s. Please send it here "
                "within %(minutes)s minutes. If it does not come, look in the spam folder.",
                address=ctx.data["email"],
                minutes=EMAIL_CODE_MINUTES,
            ),
            options=[ctx.option("resend", ctx._("Send the code again"))],
        )

    async def on_email_code(self, ctx: Context) -> None:
        addresses = ctx.services.email_addresses
        if ctx.input.choice == "resend":
            sent = addresses.send_code(ctx.subscriber_id, ctx.data["email"])
            if await self._attempt(ctx, sent) is not _REFUSED:
                await ctx.stay()
            return
        if not ctx.input.raw.strip():
            await ctx.refuse(ctx._("Please send the code from the email."))
            return
        changed = await self._attempt(ctx, addresses.confirm(ctx.subscriber_id, ctx.input.raw))
        if changed is _REFUSED:
            return
        assert isinstance(changed, SubscriberView)
        ctx.subscriber = changed
        ctx.say(ctx._("Saved: your email is confirmed, and notices will come by email too."))
        await self._back_to_view(ctx)

    async def _attempt(self, ctx: Context, change: Awaitable[object]) -> object:
        """What an owner's change returns, or ``_REFUSED`` once the refusal is said and the
        conversation gone where it leads: a lock ends the flow, a lapsed check starts again
        from the password (from the address, for an email's code), the rest asks again."""
        try:
            return await change
        except DomainError as error:
            ctx.say(error_text(ctx.t, error))
            if error.code == "login_locked":
                ctx.data.clear()
                await ctx.finish()
            elif error.code == "owner_check_expired":
                await ctx.goto(self.OWNER_PASSWORD)
            elif error.code == "email_code_expired":
                ctx.data["field"] = "email"
                await ctx.goto(self.VALUE)
            else:
                await ctx.stay()
            return _REFUSED

    async def ask_birth_date(self, ctx: Context) -> None:
        p = await queries.profile(ctx.subscriber_id)
        if p.is_company:
            text = ctx._(
                "Please send your company's registration date, like %(example)s. "
                "Note: it can be set only once.",
                example=date_example(ctx),
            )
        else:
            text = ctx._(
                "Please send your birth date, like %(example)s. Note: it can be set only once.",
                example=date_example(ctx),
            )
        ctx.say(text)

    async def on_birth_date(self, ctx: Context) -> None:
        try:
            day = ctx.t.parse_date(ctx.input.text)
        except InvalidDate:
            raise InvalidInput("invalid_date", example=date_example(ctx)) from None
        today = ctx.services.clock.now().astimezone(ctx.t.zone).date()
        check_birth_date(day, today)  # in the future, or before 1900: explained, asked again
        ctx.data["birth_date"] = day.isoformat()
        await ctx.goto(self.CONFIRM_BIRTH_DATE)

    async def ask_confirm_birth_date(self, ctx: Context) -> None:
        day = date.fromisoformat(ctx.data["birth_date"])
        ctx.say(
            ctx._(
                "%(date)s: is that right? Once saved, it cannot be changed.",
                date=ctx.t.date(day),
            ),
            options=[
                ctx.option("yes", ctx._("Yes, save it")),
                ctx.option("no", ctx._("No, write it again")),
            ],
        )

    async def on_confirm_birth_date(self, ctx: Context) -> None:
        if ctx.input.choice == "no":
            await ctx.goto(self.BIRTH_DATE)
            return
        if ctx.input.choice != "yes":
            await ctx.refuse(ctx._("Please choose Yes or No."))
            return
        day = date.fromisoformat(ctx.data["birth_date"])
        try:
            await ctx.services.profile_edits.set_birth_date(ctx.subscriber_id, day)
        except DomainError as error:
            ctx.say(error_text(ctx.t, error))
            if error.code == "birth_date_locked":  # set meanwhile from another chat
                await self._back_to_view(ctx)
            else:
                await ctx.goto(self.BIRTH_DATE)
            return
        ctx.say(ctx._("Saved. Thank you!"))
        await self._back_to_view(ctx)

    async def _back_to_view(self, ctx: Context) -> None:
        # The edit is done: "back" from the profile should not reopen the question just answered.
        ctx.state.pop("history", None)
        ctx.data.clear()
        await ctx.goto(self.VIEW)

    # ---- the steps ---------------------------------------------------------------------------
    VIEW = Step("view", ask_view, on_view)
    FIELD = Step("field", ask_field, on_field)
    OWNER_PASSWORD = Step("owner_password", ask_owner_password, on_owner_password)
    VALUE = Step("value", ask_value, on_value)
    MOBILE_CODE = Step("mobile_code", ask_mobile_code, on_mobile_code)
    EMAIL_CODE = Step("email_code", ask_email_code, on_email_code)
    BIRTH_DATE = Step("birth_date", ask_birth_date, on_birth_date)
    CONFIRM_BIRTH_DATE = Step("confirm_birth_date", ask_confirm_birth_date, on_confirm_birth_date)
    first_step = VIEW


FLOWS = [ProfileFlow()]
