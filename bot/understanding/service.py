"""The understanding the dialogs use: the development phrases and the FAQ's questions in one
matcher (rebuilt when the FAQ changes), a verdict per message, and the texts nobody matched
kept for staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.understanding.intents import FAQ_PREFIX, NONE
from bot.understanding.matcher import Example, Matcher, Scored
from bot.understanding.phrases import development_phrases
from core.understanding.queries import FaqVersion, FaqView, faq_entries, faq_version
from core.understanding.service import UnmatchedTexts

# At or above: the message leads to the step, when no other label comes close.
CONFIDENT = 0.55
# The best must lead the next label by this much to be taken without asking.
MARGIN = 0.08
# At or above (and not confident): "Did you mean ...?" with the likeliest. Below: not understood.
UNSURE = 0.4
# How many labels a "Did you mean" offers.
OFFERED = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a message asks for: ``label`` when sure; else ``candidates`` to offer (maybe none)."""

    label: str | None
    candidates: tuple[Scored, ...]
    best: Scored | None

    @property
    def understood(self) -> bool:
        return self.label is not None and self.label != NONE


def verdict_of(ranked: Sequence[Scored]) -> Verdict:
    best = ranked[0] if ranked else None
    if best is None or best.score < UNSURE:
        return Verdict(None, (), best)
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if best.score >= CONFIDENT and best.score - runner_up >= MARGIN:
        return Verdict(best.label, (), best)
    candidates = tuple(
        scored for scored in ranked[:OFFERED] if scored.score >= UNSURE and scored.label != NONE
    )
    if best.label == NONE:
        # Nearest to what the bot does not do: nothing to offer, however close the rest.
        return Verdict(NONE, (), best)
    return Verdict(None, candidates, best)


def top_label(ranked: Sequence[Scored]) -> str:
    """The single likeliest label, ``none`` when nothing reaches UNSURE (what accuracy counts)."""
    if not ranked or ranked[0].score < UNSURE:
        return NONE
    return ranked[0].label


def faq_examples(entries: Sequence[FaqView]) -> list[Example]:
    return [
        Example(FAQ_PREFIX + entry.topic, question)
        for entry in entries
        for questions in entry.questions.values()
        for question in questions
    ]


class Understanding:
    def __init__(
        self,
        unmatched: UnmatchedTexts,
        *,
        entries: Callable[[], Awaitable[list[FaqView]]] = faq_entries,
        version: Callable[[], Awaitable[FaqVersion]] = faq_version,
    ) -> None:
        self.unmatched = unmatched
        self._entries = entries
        self._version = version
        self._base = list(development_phrases())
        self._matcher: Matcher | None = None
        self._built_for: FaqVersion | None = None

    async def matcher(self) -> Matcher:
        version = await self._version()
        if self._matcher is None or version != self._built_for:
            entries = await self._entries()
            self._matcher = Matcher([*self._base, *faq_examples(entries)])
            self._built_for = version
        return self._matcher

    async def understand(self, text: str) -> Verdict:
        matcher = await self.matcher()
        return verdict_of(matcher.rank(text, limit=OFFERED + 1))

    async def keep_unmatched(
        self, text: str, language: str, channel: str, verdict: Verdict
    ) -> None:
        best = verdict.best
        await self.unmatched.record(
            text, language, channel, best.label if best else None, best.score if best else None
        )
