"""Becoming a subscriber (guests): name, phone, address and the plan wanted, sent to Sales as a
lead; the lead number is what the person quotes when the sales team calls.

```mermaid
flowchart LR
    name --> phone --> address --> plan -->|open_lead| done([lead number])
```
"""

from __future__ import annotations

from bot.dialogs.errors import add_messages
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.buy import plan_option
from bot.i18n import N_
from core.accounts.phones import normalise_phone
from core.accounts.profile import country_of
from core.billing.enums import PlanKind
from core.errors import InvalidInput
from core.tickets.limits import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH

add_messages(
    {
        "contact_name_required": N_("Please write your full name."),
        "address_required": N_("Please write your address."),
    }
)

# The plan wanted is held to the length of a ticket's subject, as open_lead holds it.
PLAN_MAX_LENGTH = SUBJECT_MAX_LENGTH
# Plans offered as buttons; anything else can be typed.
_PLANS_SHOWN = 6


class RegistrationFlow(Flow):
    name = "registration"
    needs_login = False
    menu_label = N_("Become a subscriber")
    menu_order = 3
    audience = "guest"

    async def ask_name(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "Happy to connect you! A few questions, then our sales team will contact you. "
                "First, what is your full name?"
            )
        )

    async def on_name(self, ctx: Context) -> None:
        name = " ".join(ctx.input.text.split())
        if len(name) < 2:
            await ctx.refuse(ctx._("Please write your full name."))
            return
        if len(name) > NAME_MAX_LENGTH:
            raise InvalidInput("contact_name_too_long", max_length=NAME_MAX_LENGTH)
        ctx.data["name"] = name
        await ctx.goto(self.PHONE)

    async def ask_phone(self, ctx: Context) -> None:
        ctx.say(ctx._("What phone number can we call you on?"), asks_contact=True)

    async def on_phone(self, ctx: Context) -> None:
        phone = normalise_phone(
            ctx.input.contact_phone or ctx.input.text, country_of(ctx.services.settings)
        )
        if phone is None:
            await ctx.refuse(
                ctx._("That does not look like a phone number. Please write it in digits.")
            )
            return
        ctx.data["phone"] = phone
        await ctx.goto(self.ADDRESS)

    async def ask_address(self, ctx: Context) -> None:
        ctx.say(ctx._("Where should the line be installed? Please write the full address."))

    async def on_address(self, ctx: Context) -> None:
        address = ctx.input.text.strip()
        if len(address) < 5:
            await ctx.refuse(ctx._("Please write the full address: city, street and house number."))
            return
        if len(address) > ADDRESS_MAX_LENGTH:
            raise InvalidInput("address_too_long", max_length=ADDRESS_MAX_LENGTH)
        ctx.data["address"] = address
        await ctx.goto(self.PLAN)

    async def ask_plan(self, ctx: Context) -> None:
        plans = await ctx.services.billing_queries.catalogue(
            PlanKind.SERVICE, ctx.services.settings.currency
        )
        options = [plan_option(ctx, plan) for plan in plans[:_PLANS_SHOWN]]
        options.append(ctx.option("plan:none", ctx._("Not sure yet")))
        ctx.say(
            ctx._("Which plan would you like? Choose one below, or write what you need."),
            options=options,
        )

    async def on_plan(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice == "plan:none":
            plan_wanted = ""
        elif choice.startswith("plan:"):
            code = choice.removeprefix("plan:")
            plan = await ctx.services.billing_queries.plan(code)
            plan_wanted = f"{plan.name_in(ctx.language)} ({code})" if plan else code
        else:
            plan_wanted = ctx.input.text.strip()
            if not plan_wanted:
                await ctx.refuse(ctx._("Please choose a plan below, or write what you need."))
                return
            if len(plan_wanted) > PLAN_MAX_LENGTH:
                raise InvalidInput("plan_wanted_too_long", max_length=PLAN_MAX_LENGTH)
        ticket = await ctx.services.leads.open_lead(
            contact_name=ctx.data["name"],
            contact_phone=ctx.data["phone"],
            address=ctx.data["address"],
            plan_wanted=plan_wanted[:PLAN_MAX_LENGTH] or None,
            language=ctx.language,
            channel=ctx.turn.channel,
            chat_external_id=ctx.turn.chat_id,
        )
        await ctx.finish(
            ctx._(
                "Thank you, %(name)s! Your request number is %(number)s. Our sales team will "
                "call you at %(phone)s to arrange a site survey and installation.",
                name=ctx.data["name"],
                number=ctx.t.digits(str(ticket.number)),
                phone=ctx.t.digits(ctx.data["phone"]),
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    NAME = Step("name", ask_name, on_name)
    PHONE = Step("phone", ask_phone, on_phone)
    ADDRESS = Step("address", ask_address, on_address)
    PLAN = Step("plan", ask_plan, on_plan)
    first_step = NAME


FLOWS = [RegistrationFlow()]
