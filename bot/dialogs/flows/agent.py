"""Talk to an agent: a Technical ticket marked for an agent, answered in this chat.

The ticket gets a topic in the agents' group (bot/handlers/agents/); when an agent writes there, the
conversation is live until the agent is done. Outside office hours the subscriber is told when
to expect an answer. A subscriber says in a few words what it is about and the ticket
is opened (priority high, kind agent request, with this chat to answer in). A guest is told how
to reach support: log in first (and come back here), or become a subscriber.
"""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.tickets import agents_back_at, short, ticket_code
from bot.dialogs.menu import FLOW_PREFIX
from bot.i18n import N_
from core.errors import InvalidInput
from core.tickets.enums import Department, Priority, TicketKind
from core.tickets.limits import BODY_MAX_LENGTH

REGISTRATION_FLOW = "registration"
# The ticket's subject: the start of what the subscriber wrote.
SUBJECT_LENGTH = 80


class AgentFlow(Flow):
    name = "agent"
    needs_login = False
    menu_label = N_("Talk to an agent")
    menu_order = 85
    audience = "anyone"

    async def begin(self, ctx: Context) -> None:
        await ctx.goto(self.TOPIC if ctx.subscriber is not None else self.GUEST)

    # -- a guest ---------------------------------------------------------------------------

    async def ask_guest(self, ctx: Context) -> None:
        options = [ctx.option("login", ctx._("Log in"))]
        if REGISTRATION_FLOW in ctx.flows:
            options.append(
                ctx.option(FLOW_PREFIX + REGISTRATION_FLOW, ctx._("Become a subscriber"))
            )
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(
            ctx._(
                "Our agents help subscribers with their own line, so please log in first and "
                "then tell us what it is about. Not a subscriber yet? Choose Become a subscriber "
                "and our sales team will contact you."
            ),
            options=options,
        )

    async def on_guest(self, ctx: Context) -> None:
        if ctx.input.choice == "login":
            await ctx.start("login", then=self.name)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    # -- a subscriber ----------------------------------------------------------------------

    async def ask_topic(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "What is it about? Write it in a few words and an agent will answer you in "
                "this chat."
            )
        )

    async def on_topic(self, ctx: Context) -> None:
        if ctx.subscriber is None:  # logged out in another chat meanwhile
            await ctx.goto(self.GUEST)
            return
        text = ctx.input.raw.strip()
        if not text:
            raise InvalidInput("body_required")
        if len(text) > BODY_MAX_LENGTH:
            raise InvalidInput("body_too_long", max_length=BODY_MAX_LENGTH)
        ticket = await ctx.services.tickets.open_ticket(
            ctx.subscriber_id,
            Department.TECHNICAL,
            Priority.HIGH,
            short(text, SUBJECT_LENGTH),
            text,
            channel=ctx.turn.channel,
            chat_external_id=ctx.turn.chat_id,
            kind=TicketKind.AGENT_REQUEST,
        )
        opening = agents_back_at(ctx)
        if opening is not None:
            await ctx.finish(
                ctx._(
                    "Thank you. Our agents are away now; we have kept your message and an agent "
                    "will answer you in this chat from %(when)s. Your ticket number is "
                    "%(number)s.",
                    when=ctx.t.datetime(opening),
                    number=ticket_code(ctx, ticket.number),
                )
            )
            return
        await ctx.finish(
            ctx._(
                "Thank you. An agent will answer you in this chat as soon as possible. "
                "Your ticket number is %(number)s.",
                number=ticket_code(ctx, ticket.number),
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    GUEST = Step("guest", ask_guest, on_guest)
    TOPIC = Step("topic", ask_topic, on_topic)
    first_step = TOPIC


FLOWS = [AgentFlow()]
