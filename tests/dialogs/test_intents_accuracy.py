"""Measured, not hoped (issue 23): top-1 accuracy of the free-text matcher on labelled sets
written the way people write, per language, and no money moved by any of their messages.

``clean_<lang>.tsv`` is the clean measure: written blind (without reading the phrases or the other
sets), committed before the matcher first ran on it, measured once, nothing changed after; where it
measured under the target, its floor is what it measured. ``clean_fa.tsv`` measured under it (88.2
%), and its misses were then read and their classes tuned on, so it is clean no more; so was
``clean2_fa.tsv``, the blind Persian set that measured that (89.8 %). Persian's clean measure is
now ``clean3_fa.tsv`` (92.9 %, measured once after that round). Every other set here was read or
tuned on, so they keep what they measure from slipping (README, "Understanding free text").
``dev_<lang>.tsv`` is the development check set; ``tune_<lang>.tsv`` a second, larger set the
phrases were tuned against; ``heldout_<lang>.tsv`` was written by someone else before the matcher,
its misses then read and their classes fixed; ``fresh_<lang>.tsv`` was written after that round and
measured once; ``probe_<lang>.tsv`` was the untouched set, measured once clean (en 81.0 %, fa 80.0
%, id 84.8 %), then tuned on for its misses' classes.

Format: ``label<TAB>text`` a line, ``#`` comments. A message's top-1 label is the likeliest one,
``none`` when nothing reaches the "Did you mean" threshold (what the bot then does: says it did
not understand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogs.commands import Command, command_of
from bot.understanding.intents import GREETING, INTENTS, NONE
from bot.understanding.matcher import Matcher
from bot.understanding.phrases import development_phrases
from bot.understanding.service import faq_examples, top_label
from core.billing.models import Order, WalletEntry
from core.demo.faq import FAQ_ENTRIES, seed_faq
from core.understanding.queries import FaqView, faq_entries
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import give_service, logged_in, subscriber

DATA = Path(__file__).resolve().parents[1] / "data" / "intents"
LANGUAGES = ("fa", "id", "en")
# The target, held on every set and language (README, "Understanding free text", has
# the figures).
TARGET = 0.90
# The global commands come before the matcher in the dialogs (bot/dialogs/commands.py): "menu"
# and "help" show what the bot does, "agent" and "language" start theirs.
COMMAND_LABELS = {
    Command.MENU: "help",
    Command.HELP: "help",
    Command.AGENT: "agent",
    Command.LANGUAGE: "language",
    Command.BACK: NONE,
    Command.CANCEL: NONE,
}


SET_KINDS = ("dev", "tune", "heldout", "fresh", "probe", "clean")
# The clean sets' top-1 accuracy as measured once on 2026-12-06 (en 92.2 %, fa 88.2 %,
# id 93.4 %): the target where it was met. clean_fa was tuned on after its one measure (its
# misses' classes fixed), so it is no longer clean and is held at the target like the others.
CLEAN_FLOORS = {"en": TARGET, "fa": TARGET, "id": TARGET}
# Sets written for one language: clean2_fa, the Persian clean measure after clean_fa was tuned
# on, written blind and measured once on 2026-12-06: 89.8 % (447 of 498), under the target by
# two lines. Its misses' classes were then tuned on after that one measure, so it is no longer
# clean and is held at the target like the others. clean3_fa, the Persian clean measure after
# that, written blind and measured once on 2026-12-06: 92.9 % (444 of 478): the target is met.
ONE_LANGUAGE_FLOORS = {("clean2", "fa"): TARGET, ("clean3", "fa"): TARGET}


def sets_of(language: str) -> list[str]:
    """Every labelled set of ``language``."""
    kinds = [*SET_KINDS, *(kind for kind, lang in ONE_LANGUAGE_FLOORS if lang == language)]
    return [f"{kind}_{language}.tsv" for kind in kinds]


def labelled(name: str) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, _, text = line.partition("\t")
        assert text.strip(), f"{name}:{number}: no text"
        assert label.strip() in INTENTS, f"{name}:{number}: unknown label {label!r}"
        rows.append((label.strip(), text.strip()))
    return rows


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """As the bot builds it on the demo's data: the phrases and the demo FAQ's questions."""
    views = [
        FaqView(0, e["topic"], e["questions"], e["answers"], None, None, NOW) for e in FAQ_ENTRIES
    ]
    return Matcher([*development_phrases(), *faq_examples(views)])


def understood(matcher: Matcher, text: str) -> str:
    """The label the bot acts on for ``text`` at its menu."""
    command = command_of(text, None)
    if command is not None:
        return COMMAND_LABELS[command]
    label = top_label(matcher.rank(text, 4))
    # The sets call a greeting alone "help": the bot answers it with the menu, what it does.
    return "help" if label == GREETING else label


def accuracy_of(matcher: Matcher, name: str) -> tuple[float, list[tuple[str, str, str]]]:
    rows = labelled(name)
    misses = [(label, text, understood(matcher, text)) for label, text in rows]
    misses = [miss for miss in misses if miss[0] != miss[2]]
    accuracy = 1 - len(misses) / len(rows)
    print(f"{name}: {accuracy:.1%} of {len(rows)}")
    return accuracy, misses


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["dev", "tune"])
def test_top_1_accuracy_on_the_development_sets_is_at_least_90_percent(kind, language, matcher):
    accuracy, misses = accuracy_of(matcher, f"{kind}_{language}.tsv")
    assert accuracy >= TARGET, (f"{accuracy:.1%}", misses)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["heldout", "fresh", "probe"])
def test_top_1_accuracy_on_the_held_out_fresh_and_probe_sets_is_at_least_90_percent(
    kind, language, matcher
):
    accuracy, misses = accuracy_of(matcher, f"{kind}_{language}.tsv")
    assert accuracy >= TARGET, (f"{accuracy:.1%}", misses)


@pytest.mark.parametrize("language", LANGUAGES)
def test_top_1_accuracy_on_the_clean_sets_holds_what_was_measured_once(language, matcher):
    accuracy, misses = accuracy_of(matcher, f"clean_{language}.tsv")
    assert accuracy >= CLEAN_FLOORS[language] - 1e-9, (f"{accuracy:.1%}", misses)


@pytest.mark.parametrize(("kind", "language"), list(ONE_LANGUAGE_FLOORS))
def test_top_1_accuracy_on_the_one_language_sets_holds_what_was_measured_once(
    kind, language, matcher
):
    accuracy, misses = accuracy_of(matcher, f"{kind}_{language}.tsv")
    assert accuracy >= ONE_LANGUAGE_FLOORS[kind, language] - 1e-9, (f"{accuracy:.1%}", misses)


# Lines of the older sets that are word for word (case and spacing aside) a phrase line: short
# menu-like lines written by both sides ("help", "internet down", «تمدید») before the rule below
# was checked. They may not grow: a set's line copied into the phrases would measure itself.
# The probe and clean sets had theirs removed when they were written, so they hold none.
COINCIDING = {
    "dev": {"en": 5, "fa": 7, "id": 6},
    "tune": {"en": 34, "fa": 52, "id": 53},
    "heldout": {"en": 103, "fa": 95, "id": 98},
    "fresh": {"en": 15, "fa": 28, "id": 30},
    "probe": {"en": 0, "fa": 0, "id": 0},
    "clean": {"en": 0, "fa": 0, "id": 0},
    "clean2": {"fa": 0},
    "clean3": {"fa": 0},
}


def _comparable(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_line_of_a_set_is_copied_into_the_phrases(language):
    phrases = {_comparable(example.text) for example in development_phrases()}
    for name in sets_of(language):
        kind = name.rsplit("_", 1)[0]
        copied = [text for _, text in labelled(name) if _comparable(text) in phrases]
        assert len(copied) <= COINCIDING[kind][language], (name, copied)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_message_of_the_sets_moves_money(language, engine, services, bot_settings):
    """Every message from the menu of a logged-in subscriber with a service and a wallet:
    whatever it leads to, no order is placed and the wallet is not touched."""
    sara = await subscriber(bot_settings, language=language)
    await give_service(services, sara, days_ago=29)
    await services.wallet.adjust(sara.id, 10_000_000, "enough to pay anything from the wallet")
    await seed_faq(services.clock)
    assert len(await faq_entries()) == 5
    wallet_before = await WalletEntry.all().count()
    chat = await logged_in(engine)  # the subscriber's language is the chat's
    rows = [row for name in sets_of(language) for row in labelled(name)]
    for _, text in rows:
        await chat.send("menu")
        await chat.send(text)
        assert chat.replies, text
    assert await Order.all().count() == 0
    assert await WalletEntry.all().count() == wallet_before
