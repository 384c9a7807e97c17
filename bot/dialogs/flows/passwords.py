"""Changing the panel password and the internet (PPPoE) password: old, new, repeat.

Every password is asked masked, marked secret when read (channels delete it where they can) and
never shown back. The new one is checked as soon as it is typed, so a weak password is explained
before the repeat is asked. The passwords wait in the flow's data only until the change is tried.

```mermaid
flowchart LR
    old --> new --> repeat -->|changed| done([done])
    repeat -->|not the same| new
    repeat -->|old one wrong| old
```
"""

from __future__ import annotations

from typing import ClassVar

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow
from bot.i18n import N_
from core.accounts.passwords import MIN_LENGTH, check_strength
from core.errors import DomainError, InvalidInput


class _ChangePassword(Flow):
    first_step = "old"
    # Modems take printable ASCII without spaces only.
    ascii_only: ClassVar[bool] = False

    async def ask_old(self, ctx: Context) -> None:
        ctx.say(self.old_question(ctx), secret=True)

    async def on_old(self, ctx: Context) -> None:
        ctx.mark_secret()
        password = ctx.input.raw.strip()
        if not password:
            await ctx.refuse(ctx._("Please type the password."))
            return
        ctx.data["old"] = password
        await ctx.goto("new")

    async def ask_new(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Now type the new password: at least %(min_length)s characters, with letters "
                "and digits.",
                min_length=MIN_LENGTH,
            ),
            secret=True,
        )

    async def on_new(self, ctx: Context) -> None:
        ctx.mark_secret()
        password = ctx.input.raw.strip()
        if not password:
            await ctx.refuse(ctx._("Please type the password."))
            return
        if self.ascii_only and not all("!" <= ch <= "~" for ch in password):
            raise InvalidInput("password_invalid_characters")
        check_strength(password, ctx.subscriber.username if ctx.subscriber else "")
        if password == ctx.data.get("old"):
            raise InvalidInput("password_unchanged")
        ctx.data["new"] = password
        await ctx.goto("repeat")

    async def ask_repeat(self, ctx: Context) -> None:
        ctx.say(ctx._("Please type the new password once more."), secret=True)

    async def on_repeat(self, ctx: Context) -> None:
        ctx.mark_secret()
        repeat = ctx.input.raw.strip()
        old, new = ctx.data.pop("old", ""), ctx.data.pop("new", "")
        try:
            await self.change(ctx, old, new, repeat)
        except DomainError as error:
            ctx.say(error_text(ctx.t, error))
            if error.code == "login_locked":
                await ctx.finish()
            elif error.code == "wrong_password":
                await ctx.goto("old")
            else:  # the two differ, or a rule the early check did not catch
                ctx.data["old"] = old
                await ctx.goto("new")
            return
        ctx.data.clear()
        await ctx.finish(self.done_text(ctx))

    # ---- what differs between the two -------------------------------------------------------

    def old_question(self, ctx: Context) -> str:
        raise NotImplementedError

    async def change(self, ctx: Context, old: str, new: str, repeat: str) -> None:
        raise NotImplementedError

    def done_text(self, ctx: Context) -> str:
        raise NotImplementedError


class ChangePanelPasswordFlow(_ChangePassword):
    name = "panel_password"
    menu_label = N_("Change panel password")
    menu_group = "account"
    menu_order = 70

    def old_question(self, ctx: Context) -> str:
        return ctx._("To change your panel password, first type your current panel password.")

    async def change(self, ctx: Context, old: str, new: str, repeat: str) -> None:
        await ctx.services.accounts.change_panel_password(ctx.subscriber_id, old, new, repeat)

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

    def old_question(self, ctx: Context) -> str:
        return ctx._(
            "To change your internet (modem) password, first type your current internet password."
        )

    async def change(self, ctx: Context, old: str, new: str, repeat: str) -> None:
        await ctx.services.accounts.change_internet_password(ctx.subscriber_id, old, new, repeat)

    def done_text(self, ctx: Context) -> str:
        return ctx._(
            "Done: your internet password is changed. Now enter the new password in your "
            "modem's settings (the PPPoE or internet password). Until you do, the modem will not "
            "connect."
        )


FLOWS = [ChangePanelPasswordFlow(), ChangeInternetPasswordFlow()]
