"""Forgotten panel password (guests): username, national ID and registered mobile.

If all three match, the core sends a new password by SMS to that mobile. The answer is the same
whether or not they matched, so the flow never tells which detail was wrong; only the rate limit
is visible.

```mermaid
flowchart LR
    username --> national_id --> mobile -->|forgot_password| done([same answer either way])
    mobile -->|rate limited| limited([try again in N minutes])
```
"""

from __future__ import annotations

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.accounts.national_id import clean_digits
from core.accounts.phones import normalise_phone
from core.accounts.profile import country_of
from core.errors import DomainError

# Shortest national ID or company number we know (Indonesia's NPWP and Iran's codes are longer).
_MIN_ID_DIGITS = 8


class PasswordResetFlow(Flow):
    name = "password_reset"
    needs_login = False
    menu_label = N_("Forgot password")
    menu_order = 2
    audience = "guest"

    async def ask_username(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Let us get you a new password. First, please send your username "
                "(the phone number of your line)."
            )
        )

    async def on_username(self, ctx: Context) -> None:
        username = ctx.input.text.strip()
        if not username:
            await ctx.refuse(ctx._("Please write your username."))
            return
        ctx.data["username"] = username
        await ctx.goto(self.NATIONAL_ID)

    async def ask_national_id(self, ctx: Context) -> None:
        ctx.say(ctx._("Now send the national ID number registered for your account."))

    async def on_national_id(self, ctx: Context) -> None:
        national_id = ctx.input.text.strip()
        if sum(ch.isdigit() for ch in clean_digits(national_id)) < _MIN_ID_DIGITS:
            await ctx.refuse(
                ctx._("That does not look like a national ID number. Please write its digits.")
            )
            return
        ctx.data["national_id"] = national_id
        await ctx.goto(self.MOBILE)

    async def ask_mobile(self, ctx: Context) -> None:
        ctx.say(
            ctx._("Last, send the mobile number registered for your account."),
            asks_contact=True,
        )

    async def on_mobile(self, ctx: Context) -> None:
        mobile = ctx.input.contact_phone or ctx.input.text.strip()
        if normalise_phone(mobile, country_of(ctx.services.settings)) is None:
            await ctx.refuse(
                ctx._("That does not look like a mobile number. Please write it in digits.")
            )
            return
        try:
            await ctx.services.password_changes.forgot_password(
                ctx.turn.channel,
                ctx.turn.chat_id,
                ctx.data["username"],
                ctx.data["national_id"],
                mobile,
            )
        except DomainError as error:
            if error.code == "reset_rate_limited":
                await ctx.finish(error_text(ctx.t, error))
                return
            raise
        await ctx.finish(
            ctx._(
                "Thank you. If these details match our records, a new password is on its way "
                "by SMS to the registered mobile. Then choose Log in and use it."
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    USERNAME = Step("username", ask_username, on_username)
    NATIONAL_ID = Step("national_id", ask_national_id, on_national_id)
    MOBILE = Step("mobile", ask_mobile, on_mobile)
    first_step = USERNAME


FLOWS = [PasswordResetFlow()]
