"""The dialog engine: one turn in, replies out, the same for every channel.

Per chat, one turn at a time (the store's lock); the conversation's state is loaded before and
saved after, so a restart in the middle of a flow resumes it. Global commands work at any step;
a numbered answer ("2") picks the second option of the question last asked, for channels that
cannot show buttons, and a typed label answers a notice the idle chat got last
(bot/dialogs/notice_offers.py). Other text at no question is understood (bot/dialogs/
understood.py): it leads to its step, asks "Did you mean", or says it was not understood; a
question's refused answer that asks for something else is offered that beside the question.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from bot.dialogs.commands import Command, command_of
from bot.dialogs.contract import Link, Outcome, Reply, Turn
from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow
from bot.dialogs.flows.login import log_in_by_link
from bot.dialogs.menu import FLOW_PREFIX, main_menu, parse_flow_choice
from bot.dialogs.normalize import label_match, parse_int, word_match
from bot.dialogs.notice_offers import forget_notice, notice_pick
from bot.dialogs.services import Services
from bot.dialogs.state import (
    ChatBusy,
    ChatKey,
    Delivery,
    DeliveryTaken,
    Held,
    StateStore,
    StoreUnavailable,
    flow_expired,
    reset_flow,
)
from bot.dialogs.understood import answer_free_text, label_of, lead_to, offer_instead, title_of
from bot.i18n import DEFAULT_LANGUAGE, N_, resolve_language, subscriber_translator, translator
from bot.pacing import sending_by
from bot.understanding.intents import GREETING
from core.accounts.login_links import code_in_text
from core.errors import DomainError, InvalidInput
from core.tickets.limits import BODY_MAX_LENGTH

log = logging.getLogger(__name__)

RESUME = "engine:resume"
# The longest text a turn may carry, on any channel: a ticket's message at most. A longer one
# is refused with the limit said, never cut (the web chat could carry megabytes).
TEXT_MAX_LENGTH = BODY_MAX_LENGTH


class Engine:
    def __init__(self, services: Services, store: StateStore, flows: Iterable[Flow]) -> None:
        self.services = services
        self.store = store
        self.flows: dict[str, Flow] = {flow.name: flow for flow in flows}
        # Hooks that may take a turn before the dialogs do (a live hand-off to an agent): the
        # first to return an Outcome answers the turn, under the chat's lock.
        self.interceptors: list[Callable[[Turn], Awaitable[Outcome | None]]] = []

    async def handle(
        self,
        turn: Turn,
        *,
        deliver: Callable[[Outcome], Awaitable[object]] | None = None,
        delivery: Delivery | None = None,
    ) -> Outcome:
        """The turn's outcome. With ``deliver``, the outcome is handed to it before the chat
        is let go: one chat's replies leave in the order of its turns. With ``delivery`` too
        (the platform's id of the message), the delivery is claimed with the chat's lock and
        recorded as handled when the chat is let go, after the replies went out, in the same
        two trips to the store as the state: DeliveryTaken when it was claimed before, and
        StoreUnavailable (nothing done) when the store cannot claim it."""
        # A message the platform delivers again is dropped by its channel, which alone knows
        # when the turn's replies went out (Telegram's update ids, Twilio's MessageSid).
        chat = ChatKey(turn.channel, turn.chat_id)
        delivered = False
        try:
            async with self.store.hold(chat, delivery) as held:
                outcome = await self._turn(turn, held)
                if deliver is not None:
                    delivered = True
                    await self._deliver(turn, deliver, outcome, held)
            return outcome
        except DeliveryTaken:
            raise
        except ChatBusy:
            outcome = apology(
                turn, N_("I am still working on your previous message. Please try again.")
            )
        except Exception as error:
            if delivered:
                # The replies were handed on; what failed is saving the turn and letting go.
                log.exception(
                    "turn on %s:%s handled, its state or delivery not recorded",
                    turn.channel,
                    turn.chat_id,
                )
                return outcome
            if delivery is not None and isinstance(error, StoreUnavailable):
                raise
            # Steps fail inside _run, which answers in the chat's language; this is the rest
            # (the database gone, the state store unreachable): answer, never a trace.
            log.exception("turn failed before its flow ran on %s:%s", turn.channel, turn.chat_id)
            outcome = apology(
                turn, N_("Sorry, something went wrong on our side. Nothing was changed.")
            )
        if deliver is not None:
            await deliver(outcome)
        return outcome

    @staticmethod
    async def _deliver(
        turn: Turn, deliver: Callable[[Outcome], Awaitable[object]], outcome: Outcome, held: Held
    ) -> None:
        """Hand the replies on, done before the chat's lock runs out (``sending_by``). A send
        that fails is the channel's to report; the turn is still saved and recorded."""
        try:
            with sending_by(held.send_by):
                await deliver(outcome)
        except Exception:
            log.exception(
                "turn on %s:%s handled; its replies failed to go out", turn.channel, turn.chat_id
            )

    async def _turn(self, turn: Turn, held: Held) -> Outcome:
        for intercept in self.interceptors:
            taken = await intercept(turn)
            if taken is not None:
                if forget_notice(held.state):
                    held.keep(held.state)
                return taken
        state = held.state
        ctx = await self._context(turn, state)
        await self._run(ctx)
        state["at"] = self.services.clock.now().timestamp()
        held.keep(state)
        return Outcome(ctx.replies, ctx.forget_inbound)

    # ---- one turn ------------------------------------------------------------------------

    async def _context(self, turn: Turn, state: dict[str, Any]) -> Context:
        identity = await self.services.chats.identify_chat(
            turn.channel, turn.chat_id, turn.language_hint
        )
        subscriber = identity.subscriber  # read with the identity (a new chat has none)
        language = identity.language.value if identity.language else None
        state.pop("language_chosen", None)  # kept in the state by versions before 2026-11-25
        t = subscriber_translator(language or DEFAULT_LANGUAGE, subscriber, self.services.settings)
        noticed = notice_pick(turn.text, state)
        choice = turn.choice or noticed or self._picked(turn.text, state)
        return Context(
            self,
            self.services,
            turn,
            state,
            t,
            subscriber,
            choice,
            language_chosen=language is not None,
        )

    @staticmethod
    def _picked(text: str | None, state: dict[str, Any]) -> str | None:
        """The option a typed answer names: its number in the list, or its label."""
        options: list[str] = state.get("options") or []
        if not text or not options or len(text) > TEXT_MAX_LENGTH:
            return None
        number = parse_int(text)
        if number is not None and state.get("numbered", True):
            return options[number - 1] if 1 <= number <= len(options) else None
        labels = state.get("labels") or []
        picked = label_match(text, options, labels)
        if picked is None and not state.get("flow"):
            # The main menu: a typed word there answers no question, so a part of a label
            # ("usage", "tickets") will do; inside a flow it may be the answer itself.
            picked = word_match(text, options, labels)
        return picked

    async def _run(self, ctx: Context) -> None:
        state = ctx.state
        try:
            if len(ctx.turn.text or "") > TEXT_MAX_LENGTH:
                # Refused whole, whatever the step: a longer text is never cut to fit.
                ctx.say(
                    error_text(ctx.t, InvalidInput("message_too_long", max_length=TEXT_MAX_LENGTH))
                )
                if state.get("flow") and state.get("step") and not self._expired(state):
                    await ctx.stay()
                else:
                    await self.finish(ctx, None)
                return
            token = ctx.turn.login_token or code_in_text(ctx.turn.text)
            if token is not None:
                await log_in_by_link(ctx, token)
                return
            command = command_of(ctx.turn.text, ctx.input.choice)
            if self._expired(state) and command is None:
                await self.finish(ctx, ctx._("That conversation timed out, so we start again."))
                return
            if command is not None:
                await self._command(ctx, command)
            elif ctx.input.choice == RESUME:
                await self._resume(ctx)
            elif not ctx.language_chosen and not state.get("flow"):
                await self.start_flow(ctx, "language", {"first_contact": True})
            elif ctx.input.choice and ctx.input.choice.startswith(FLOW_PREFIX):
                name, data = parse_flow_choice(ctx.input.choice)
                await self.start_flow(ctx, name, data)
            elif (label := label_of(ctx.input.choice)) is not None:
                await self._lead(ctx, label)
            elif state.get("flow") and state.get("step"):
                await self._answer(ctx)
            elif ctx.turn.attachment is not None and not ctx.input.text.strip():
                # A voice note, a video, a sticker or a file at no question: never dropped
                # without a word. In a ticket or a live hand-off it goes to the agent.
                ctx.say(files_at_no_question(ctx))
                await self.finish(ctx, None)
            elif self._free_text(ctx):
                verdict = await self.services.understanding.understand(ctx.input.text)
                if verdict.label == "help":
                    await self._command(ctx, Command.HELP)
                elif verdict.label == GREETING:
                    await self.finish(ctx, None)  # "hi", "salam": the menu is the answer
                else:
                    await answer_free_text(ctx, verdict)
            else:
                await self.finish(ctx, None)
        except Exception:
            log.exception("turn failed on %s:%s", ctx.turn.channel, ctx.turn.chat_id)
            reset_flow(state)
            ctx.replies.clear()
            await self.finish(
                ctx, ctx._("Sorry, something went wrong on our side. Nothing was changed.")
            )

    @staticmethod
    def _free_text(ctx: Context) -> bool:
        """Text typed at no question that names none of the options shown (bot/dialogs/
        understood.py reads what it asks for)."""
        return bool(ctx.input.text.strip()) and ctx.input.choice is None

    async def _lead(self, ctx: Context, label: str) -> None:
        """An option of a "Did you mean": leave any flow for the step it names."""
        reset_flow(ctx.state)
        if label == "help":
            await self._command(ctx, Command.HELP)
        else:
            await lead_to(ctx, label)

    async def _offer_other_wish(self, ctx: Context) -> None:
        """A typed answer the question refused: when it clearly asks for something else, offer
        that beside the question, never leave the question for it."""
        text = ctx.input.text
        if not text.strip() or ctx.input.choice is not None:
            return
        if any(reply.expects_secret for reply in ctx.replies):
            return  # never match (nor keep) what may be a password
        verdict = await self.services.understanding.understand(text)
        if not verdict.understood or verdict.label is None:
            return
        title = await title_of(ctx, verdict.label)
        if title is not None:
            offer_instead(ctx, verdict.label, title)

    async def _answer(self, ctx: Context) -> None:
        flow = self.flows.get(ctx.state["flow"])
        if flow is None:  # a flow that a newer version removed
            await self.finish(ctx, None)
            return
        pressed = ctx.turn.choice
        offered = ctx.state.get("options") or []
        if pressed and offered and pressed not in offered:
            # A button of an older message, or an id the client made up: answer the question
            # asked now, never act on what was not offered.
            await ctx.refuse(
                ctx._("That choice is no longer available. Please use the latest one.")
            )
            return
        step = ctx.state["step"]
        try:
            await flow.read(ctx, flow.step(step))
        except DomainError as error:
            ctx.say(error_text(ctx.t, error))
            if ctx.state.get("flow") == flow.name:
                await ctx.stay()
                ctx.refused = True
        if ctx.refused and ctx.state.get("flow") == flow.name and ctx.state.get("step") == step:
            await self._offer_other_wish(ctx)

    async def _command(self, ctx: Context, command: Command) -> None:
        state = ctx.state
        if command is Command.MENU:
            await self.finish(ctx, None)
        elif command is Command.CANCEL:
            had_flow = bool(state.get("flow"))
            text = ctx._("Cancelled. Nothing was changed.") if had_flow else None
            await self.finish(ctx, text)
        elif command is Command.BACK:
            history: list[str] = state.get("history") or []
            if state.get("flow") and history:
                state["step"] = history.pop()
                await ctx.stay()
            else:
                await self.finish(ctx, None)
        elif command is Command.LANGUAGE:
            await self.start_flow(ctx, "language", {})
        elif command is Command.HELP:
            ctx.say(help_text(ctx))
            if state.get("flow") and state.get("step"):
                await ctx.stay()
            else:
                await self.finish(ctx, None)
        elif command is Command.AGENT:
            await self.start_flow(ctx, "agent", {})

    async def _resume(self, ctx: Context) -> None:
        """A channel reconnected (the web chat reopened): show where the chat is."""
        if ctx.state.get("flow") and ctx.state.get("step") and not self._expired(ctx.state):
            await ctx.stay()
        elif not ctx.language_chosen:
            await self.start_flow(ctx, "language", {"first_contact": True})
        else:
            await self.finish(ctx, None)

    # ---- what flows call -----------------------------------------------------------------

    async def start_flow(self, ctx: Context, name: str, data: dict[str, Any]) -> None:
        flow = self.flows.get(name)
        if flow is None:
            await self.finish(ctx, None)
            return
        if flow.needs_login and ctx.subscriber is None:
            name, flow, data = "login", self.flows["login"], {"then": name, "then_data": data}
        reset_flow(ctx.state)
        ctx.state.update(flow=name, data=dict(data))
        try:
            await flow.begin(ctx)
        except DomainError as error:
            await self.finish(ctx, error_text(ctx.t, error))

    async def finish(self, ctx: Context, text: str | None, *, links: Sequence[Link] = ()) -> None:
        """End any flow and show the main menu, under ``text`` or the menu's own prompt."""
        reset_flow(ctx.state)
        menu = await main_menu(ctx, self.flows.values())
        ctx.say(text or menu.prompt, options=menu.options, links=links)

    # ---- state ---------------------------------------------------------------------------

    def _expired(self, state: dict[str, Any]) -> bool:
        now = self.services.clock.now().timestamp()
        return flow_expired(state, now, self.services.settings.flow_timeout_seconds)


def apology(turn: Turn, message: str) -> Outcome:
    t = translator(resolve_language(turn.language_hint) or DEFAULT_LANGUAGE)
    return Outcome([Reply(t.gettext(message), language=t.language)])


def files_at_no_question(ctx: Context) -> str:
    return ctx._(
        "I can only read text, so I cannot listen to voice notes or watch videos and stickers. "
        "Please write what you need. To send a file to our team, open a support ticket or talk "
        "to an agent."
    )


def help_text(ctx: Context) -> str:
    return ctx._(
        "You can type these words at any time:\n"
        "menu: the main menu\n"
        "back: the previous question\n"
        "cancel: stop what you are doing\n"
        "language: change the language\n"
        "agent: talk to a person\n"
        "When a question lists numbered choices, you can answer with the number."
    )
