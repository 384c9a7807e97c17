"""Changing the panel password and the internet (PPPoE) password: new, repeat, then current.

Every password is asked masked, marked secret when read (channels delete it where they can) and
never shown back. The current password comes last and is used in the turn it arrives, so it is
never kept between messages; the only secret the conversation's state holds meanwhile is the new
password, which is worth nothing until the change succeeds (and then leaves the state).

```mermaid
flowchart LR
    new --> repeat --> current -->|changed| done([done])
    repeat -->|not the same| new
    current -->|wrong| current
    current -->|same as the new one| new
```
"""

from __future__ import annotations

from typing import ClassVar

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.accounts.passwords import MIN_LENGTH, check_strength, fold
from core.errors import DomainError, InvalidInput


class _ChangePassword(Flow):
    # Modems take printable ASCII without spaces only.
    ascii_only: ClassVar[bool] = False

    async def ask_new(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Type the new password: at least %(min_length)s characters, with letters and "
                "digits.",
                min_length=MIN_LENGTH,
            ),
            secret=True,
        )

    async def on_new(self, ctx: Context) -> None:
        ctx.mark_secret()
        # Digits in any script are the same digits: ۱۲۳ repeats 123, and a modem takes it.
        password = fold(ctx.input.raw.strip())
        if not password:
            await ctx.refuse(ctx._("Please type the password."))
            return
        if self.ascii_only and not all("!" <= ch <= "~" for ch in password):
            raise InvalidInput("password_invalid_characters")
        check_strength(password, ctx.subscriber.username if ctx.subscriber else "")
        ctx.data["new"] = password
        await ctx.goto(self.REPEAT)

    async def ask_repeat(self, ctx: Context) -> None:
        ctx.say(ctx._("Please type the new password once more."), secret=True)

    async def on_repeat(self, ctx: Context) -> None:
        ctx.mark_secret()
        if fold(ctx.input.raw.strip()) != ctx.data.get("new"):
            ctx.data.pop("new", None)
            ctx.say(error_text(ctx.t, InvalidInput("passwords_differ")))
            await ctx.goto(self.NEW)
            return
        await ctx.goto(self.CURRENT)

    async def ask_current(self, ctx: Context) -> None:
        ctx.say(self.current_question(ctx), secret=True)

    async def on_current(self, ctx: Context) -> None:
        ctx.mark_secret()
        current = ctx.input.raw.strip()
        if not current:
            await ctx.refuse(ctx._("Please type the password."))
            return
        new = ctx.data.get("new", "")
        try:
            await self.change(ctx, current, new)
        except DomainError as error:
            ctx.say(error_text(ctx.t, error))
            if error.code == "login_locked":
                await ctx.finish()
            elif error.code == "wrong_password":
                await ctx.stay()
            else:  # the same as the current one, or a rule the early check did not catch
                ctx.data.pop("new", None)
                await ctx.goto(self.NEW)
            return
        ctx.data.clear()
        await ctx.finish(self.done_text(ctx))

    # ---- what differs between the two -------------------------------------------------------

    def current_question(self, ctx: Context) -> str:
        raise NotImplementedError

    async def change(self, ctx: Context, old: str, new: str) -> None:
        raise NotImplementedError

    def done_text(self, ctx: Context) -> str:
        raise NotImplementedError

    # ---- the steps ---------------------------------------------------------------------------
    NEW = Step("new", ask_new, on_new)
    REPEAT = Step("repeat", ask_repeat, on_repeat)
    CURRENT = Step("current", ask_current, on_current)
    first_step = NEW


class ChangePanelPasswordFlow(_ChangePassword):
    name = "panel_password"
    menu_label = N_("Change panel password")
    menu_group = "account"
    menu_order = 70

    def current_question(self, ctx: Context) -> str:
        return ctx._("Last step: to confirm it is you, type your current panel password.")

    async def change(self, ctx: Context, old: str, new: str) -> None:
        await ctx.services.password_changes.change_panel_password(ctx.subscriber_id, old, new, new)

    def done_text(self, ctx: Context) -> str:
        return ctx._("Done: your panel password is changed. Use the new one next time you log in.")


class ChangeInternetPasswordFlow(_ChangePassword):
    name = "internet_password"
    menu_label = N_("Change internet password")
    menu_group = "account"
    menu_order = 72
    ascii_only = True

    async def begin(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Please note: after the change, your modem must be set to the new password, "
                "or it will not connect to the internet."
            )
        )
        await ctx.goto(self.first_step)

    def current_question(self, ctx: Context) -> str:
        return ctx._(
            "Last step: to confirm it is you, type your current internet (modem) password."
        )

    async def change(self, ctx: Context, old: str, new: str) -> None:
        await ctx.services.password_changes.change_internet_password(
            ctx.subscriber_id, old, new, new
        )

    def done_text(self, ctx: Context) -> str:
        return ctx._(
            "Done: your internet password is changed. Now enter the new password in your "
            "modem's settings (the PPPoE or internet password). Until you do, the modem will not "
            "connect."
        )


FLOWS = [ChangePanelPasswordFlow(), ChangeInternetPasswordFlow()]
