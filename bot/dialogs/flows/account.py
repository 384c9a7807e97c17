""" "My account": the submenu of the flows about the subscriber's own details and line."""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.menu import menu_options
from bot.i18n import N_


class AccountFlow(Flow):
    name = "account"
    menu_label = N_("My account")
    menu_order = 60

    async def ask_pick(self, ctx: Context) -> None:
        options = await menu_options(ctx, ctx.flows.values(), group=self.name)
        ctx.say(ctx._("What would you like to see or change?"), options=options)

    async def on_pick(self, ctx: Context) -> None:
        # A pressed option starts its flow before this step is reached (engine: "flow:" ids),
        # so anything arriving here was typed and matched nothing.
        await ctx.refuse(ctx._("Please pick one of the choices below."))

    # ---- the steps ---------------------------------------------------------------------------
    PICK = Step("pick", ask_pick, on_pick)
    first_step = PICK


FLOWS = [AccountFlow()]
