"""What a flow is, and the context a step runs in.

A flow is a small state machine. Each of its steps is a ``Step`` declared in the flow's class:
its name (kept in the conversation's state, so a saved conversation resumes at it), how its
question is put (again after *back* or a resume) and how its answer is read. The class checks
its steps when it is created: a step without its question or its reading, or two steps of one
name, fail at import. Steps move on with ``ctx.goto(self.next_step)``; a flow ends with
``ctx.finish``. A domain refusal (``DomainError``) raised by a step is translated by the engine
and the same question is put again, so a wrong answer never loses the flow.

The engine is seen here only as the ``Conductor`` a step may call (the flows, start another
flow, finish), so this module imports nothing of the engine's; a step puts the next question
itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bot.dialogs.contract import Attachment, Link, Option, Reply, Turn
from bot.dialogs.normalize import normalize_text
from bot.dialogs.reads import TurnReads
from bot.i18n import Texts

if TYPE_CHECKING:
    from bot.dialogs.services import Services
    from core.accounts.queries import SubscriberView

# A step's question or its reading: a method of the flow, given the turn's context.
StepAction = Callable[[Any, "Context"], Awaitable[None]]


@dataclass(frozen=True, slots=True, eq=False)
class Step:
    """One question of a flow: ``name`` is kept in the conversation's state (renaming a step
    loses the conversations saved at it), ``ask`` puts the question, ``read`` reads the answer."""

    name: str
    ask: StepAction
    read: StepAction

    def __post_init__(self) -> None:
        for role, action in (("ask", self.ask), ("read", self.read)):
            if not inspect.iscoroutinefunction(action):
                raise TypeError(f"step {self.name!r}: its {role} is not an async method")


@dataclass(frozen=True, slots=True)
class Input:
    """The answer to the current question, as typed or pressed."""

    # Normalised: Persian digits to ASCII, Arabic letters unified, invisible marks gone.
    text: str
    # Exactly as sent (passwords must not be normalised).
    raw: str
    choice: str | None
    attachment: Attachment | None
    contact_phone: str | None

    @classmethod
    def of(cls, turn: Turn, choice: str | None) -> Input:
        raw = turn.text or ""
        return cls(normalize_text(raw), raw, choice, turn.attachment, turn.contact_phone)


class Flow:
    """Base of every flow. ``name`` is its id in the state and in menu choices.

    A flow with questions declares each as a ``Step`` class attribute and names the first in
    ``first_step``; a flow without (one that answers and finishes in ``begin``) declares none."""

    name: ClassVar[str]
    first_step: ClassVar[Step]
    # Every step of the flow by its name, collected from the class (and its bases) when it is
    # created.
    steps: ClassVar[Mapping[str, Step]] = {}
    # Flows of logged-in subscribers send the others to log in first.
    needs_login: ClassVar[bool] = True
    # In the main menu: the label (marked with N_, translated when shown) and the place.
    menu_label: ClassVar[str | None] = None
    menu_order: ClassVar[int] = 100
    # Who sees it in the menu: "subscriber" (logged in), "guest" (not logged in) or "anyone".
    audience: ClassVar[str] = "subscriber"
    # Shown in a submenu of that name rather than in the main menu (a short main menu reads
    # better as numbered lines on SMS and WhatsApp).
    menu_group: ClassVar[str | None] = None

    async def offered(self, ctx: Context) -> bool:
        """Whether the menu shows this flow now (e.g. the free charge only when eligible)."""
        return True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        steps: dict[str, Step] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                if not isinstance(value, Step) or attribute == "first_step":
                    continue
                if steps.get(value.name, value) is not value:
                    raise TypeError(f"{cls.__name__}: two steps are named {value.name!r}")
                steps[value.name] = value
        cls.steps = steps
        first = getattr(cls, "first_step", None)
        if first is not None and steps.get(first.name) is not first:
            raise TypeError(f"{cls.__name__}: its first step is not one of its steps")
        if first is None and cls.begin is Flow.begin:
            raise TypeError(f"{cls.__name__}: no first step, and no begin of its own")

    async def begin(self, ctx: Context) -> None:
        await ctx.goto(self.first_step)

    def step(self, name: str) -> Step:
        """The step of that name (a name read from a saved conversation)."""
        return self.steps[name]

    def has(self, step: Step) -> bool:
        return self.steps.get(step.name) is step

    async def ask(self, ctx: Context, step: Step) -> None:
        await step.ask(self, ctx)

    async def read(self, ctx: Context, step: Step) -> None:
        await step.read(self, ctx)


class Conductor(Protocol):
    """What a step may ask of the engine that runs it."""

    @property
    def flows(self) -> Mapping[str, Flow]: ...

    async def start_flow(self, ctx: Context, name: str, data: dict[str, Any]) -> None: ...

    async def finish(
        self, ctx: Context, text: str | None, *, links: Sequence[Link] = ()
    ) -> None: ...


class Context:
    """One turn of one chat, as a flow sees it."""

    def __init__(
        self,
        conductor: Conductor,
        services: Services,
        turn: Turn,
        state: dict[str, Any],
        t: Texts,
        subscriber: SubscriberView | None,
        choice: str | None,
        *,
        language_chosen: bool = True,
    ) -> None:
        self.conductor = conductor
        self.services = services
        self.turn = turn
        self.state = state
        self.t = t
        self.subscriber = subscriber
        # Whether the chat has a language of its own yet (a first contact without a hint has
        # not, and is asked in all three).
        self.language_chosen = language_chosen
        self.input = Input.of(turn, choice)
        self.replies: list[Reply] = []
        self.forget_inbound = False
        # The step refused the answer and put its question again (the engine may then offer
        # what the answer seemed to ask for instead).
        self.refused = False
        # What the turn read about the subscriber's service, for the rest of the turn.
        self.reads = TurnReads(services.billing_queries, services.orders)

    # ---- words -------------------------------------------------------------------------

    def _(self, message: str, /, **params: Any) -> str:
        return self.t.gettext(message, **params)

    def say(
        self,
        text: str,
        *,
        options: Iterable[Option] = (),
        links: Sequence[Link] = (),
        secret: bool = False,
        asks_contact: bool = False,
        attachment: Attachment | None = None,
        numbered: bool = True,
    ) -> None:
        """Add a reply. The options of the last reply are the ones a typed answer can pick:
        by number (unless ``numbered`` is False, when digits are the answer itself) or label."""
        options = tuple(options)
        self.replies.append(
            Reply(
                text=text,
                options=options,
                links=tuple(links),
                attachment=attachment,
                language=self.t.language,
                expects_secret=secret,
                asks_contact=asks_contact,
                numbered=numbered,
            )
        )
        self.state["options"] = [o.id for o in options]
        self.state["labels"] = [o.label for o in options]
        self.state["numbered"] = numbered

    def option(self, option_id: str, label: str) -> Option:
        return Option(option_id, label)

    # ---- where the conversation is ----------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """The current flow's answers so far (plain JSON values only)."""
        return self.state.setdefault("data", {})

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def subscriber_id(self) -> int:
        return self.logged_in.id

    @property
    def logged_in(self) -> SubscriberView:
        """The chat's subscriber, for steps of flows that need a login."""
        if self.subscriber is None:
            raise RuntimeError("this step needs a logged-in subscriber")
        return self.subscriber

    @property
    def flows(self) -> Mapping[str, Flow]:
        """Every flow of the bot, by name (a submenu lists some; a step may check one is on)."""
        return self.conductor.flows

    @property
    def flow(self) -> Flow:
        """The flow the conversation is in."""
        return self.conductor.flows[self.state["flow"]]

    async def goto(self, step: Step) -> None:
        """Move to ``step`` and put its question; *back* returns to the step before."""
        flow = self.flow
        if not flow.has(step):
            raise LookupError(f"flow {flow.name!r} has no step {step.name!r}")
        current = self.state.get("step")
        if current and current != step.name:
            self.state.setdefault("history", []).append(current)
        self.state["step"] = step.name
        await flow.ask(self, step)

    async def stay(self) -> None:
        """Put the current question again (after a wrong answer was explained, after *back*)."""
        flow = self.flow
        await flow.ask(self, flow.step(self.state["step"]))

    async def refuse(self, text: str) -> None:
        """A wrong answer: say why, and put the same question again."""
        self.say(text)
        await self.stay()
        self.refused = True

    async def start(self, flow_name: str, **data: Any) -> None:
        """Leave this flow for another (its answers are dropped)."""
        await self.conductor.start_flow(self, flow_name, data)

    async def finish(self, text: str | None = None, *, links: Sequence[Link] = ()) -> None:
        """End the flow; ``text`` is shown with the main menu's choices."""
        await self.conductor.finish(self, text, links=links)

    def mark_secret(self) -> None:
        """The inbound message held a secret: channels delete it where they can."""
        self.forget_inbound = True
