"""The matcher on small example sets: nearest phrases by weighted words, typos and suffixes
found, fillers weighing little, and the verdict's three outcomes."""

from __future__ import annotations

import pytest

from bot.understanding import matcher as matcher_module
from bot.understanding.matcher import Example, Matcher
from bot.understanding.phrases import development_phrases, parse_phrases
from bot.understanding.service import CONFIDENT, UNSURE, verdict_of
from core.understanding.scrub import scrubbed

EXAMPLES = [
    Example("traffic_left", "how much traffic do i have left"),
    Example("traffic_left", "remaining data"),
    Example("traffic_left", "حجم"),
    Example("days_left", "how many days do i have left"),
    Example("receipts", "رسید"),
    Example("buy_traffic", "beli kuota"),
    Example("none", "what is the weather"),
    Example("greeting", "hello"),
    Example("days_left", "when does my plan expire"),
    Example("change_plan", "switch my plan"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(EXAMPLES)


def test_the_nearest_phrase_s_label_comes_first(matcher):
    [best, *_] = matcher.rank("how much traffic is left")
    assert best.label == "traffic_left" and best.nearest == "how much traffic do i have left"


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("how mcuh trafic left", "traffic_left"),  # typos
        ("how many dayz", "days_left"),  # one edit in a short word
        ("رسیدهام", "receipts"),  # two suffixes: رسید+ها+م
        ("beli kuotaku", "buy_traffic"),  # an Indonesian possessive
        ("bli kouta", "buy_traffic"),  # a chat spelling
        ("switching my plan", "change_plan"),  # an English ending
        ("i am paying for my plan", "change_plan"),  # a three-letter verb's ending: "pay"
        ("رسیده", "receipts"),  # the spoken "is"
        ("حجم ای", "traffic_left"),  # the indefinite "ای", typed apart and joined
    ],
)
def test_typos_suffixes_and_spellings_find_their_words(matcher, typed, label):
    assert matcher.rank(typed)[0].label == label


def test_a_greeting_alone_is_nearest_to_the_greeting_phrases(matcher):
    assert matcher.rank("hi there")[0].label == "greeting"
    assert matcher.rank("Hey!!")[0].label == "greeting"


def test_greetings_alone_that_no_phrase_spells_are_the_greeting(matcher):
    for typed in ("assalamualaikum", "selamat sore", "سلام علیکم", "good evening"):
        assert matcher.rank(typed) == [matcher.rank(typed)[0]]
        assert matcher.rank(typed)[0].label == "greeting", typed


def test_a_greeting_with_its_courtesy_is_the_greeting_and_the_courtesy_alone_is_not(matcher):
    for typed in ("سلام خوبی", "با سلام و احترام", "سلام عرض شد", "salam khoobi"):
        assert matcher.rank(typed)[0].label == "greeting", typed
    assert all(scored.label != "greeting" for scored in matcher.rank("خوبی؟"))


def test_a_time_of_day_wished_well_is_the_greeting_not_days_or_time(matcher):
    """«سلام وقت بخیر» ("hello, good day") was taken for days left (found by hand)."""
    for typed in (
        "سلام وقت بخیر",
        "سلام روز بخیر",
        "سلام روز به خیر",
        "عصرتون بخیر",
        "salam vaght bekheir",
        "روزتون بخیر",
    ):
        assert matcher.rank(typed)[0].label == "greeting", typed
    [best, *_] = Matcher(list(development_phrases())).rank("سلام وقت بخیر چند روز از سرویسم مونده")
    assert best.label == "days_left"


def test_the_persian_spoken_plural_is_found_as_the_written_one():
    examples = [Example("history", "پرداختهای قبلی"), Example("faq:payment_methods", "پرداخت")]
    [best, *_] = Matcher(examples).rank("پرداختای قبلی")
    assert best.label == "history"
    [best, *_] = Matcher(examples).rank("پرداختایی")
    assert best.label == "history"


def test_a_word_tied_to_one_label_lifts_it_in_a_long_message_of_unknown_words(monkeypatch):
    """Nearest-phrase alone: "buffering" is one word of seven, so the cosine is low; the naive
    Bayes knows it (and its letters) from one label only and adds its share."""
    examples = [
        Example("check_connection", "video keeps buffering"),
        Example("check_connection", "internet is down"),
        Example("traffic_left", "how much data is left"),
        Example("none", "tell me a joke"),
    ]
    text = "netflix buffering all evening since the storm"
    [blended] = Matcher(examples).rank(text)
    monkeypatch.setattr(matcher_module, "_BAYES_WEIGHT", 0.0)
    [alone] = Matcher(examples).rank(text)
    assert blended.label == alone.label == "check_connection"
    assert blended.score >= alone.score + 0.15


def test_a_greeting_beside_a_wish_is_left_out(matcher):
    [best, *_] = matcher.rank("hello, when does my plan expire")
    assert (
        best.label == "days_left"
        and best.score == matcher.rank("when does my plan expire")[0].score
    )


def test_an_english_word_is_found_by_its_stem(matcher):
    [best, *_] = matcher.rank("is my plan expiring")
    assert best.label == "days_left"


def test_a_number_weighs_little_against_the_words(matcher):
    [with_number, *_] = matcher.rank("switch my plan to 50")
    [with_word, *_] = matcher.rank("switch my plan to zebra")
    assert with_number.label == "change_plan"
    assert with_number.score > with_word.score


def test_filler_words_alone_ask_for_nothing(matcher):
    assert matcher.rank("how do i") == []
    assert matcher.rank("") == []


def test_a_long_message_about_something_else_is_not_a_match(matcher):
    ranked = matcher.rank("my neighbour's dog barks all night and the traffic outside is loud")
    assert not ranked or ranked[0].score < CONFIDENT


def test_the_verdict_leads_asks_or_says_so():
    from bot.understanding.matcher import Scored

    sure = verdict_of([Scored("days_left", 0.9, "x"), Scored("traffic_left", 0.4, "y")])
    assert sure.label == "days_left" and sure.understood
    close = verdict_of([Scored("days_left", 0.7, "x"), Scored("traffic_left", 0.68, "y")])
    assert close.label is None and [c.label for c in close.candidates] == [
        "days_left",
        "traffic_left",
    ]
    weak = verdict_of([Scored("days_left", UNSURE - 0.01, "x")])
    assert weak.label is None and weak.candidates == ()
    nothing = verdict_of([Scored("none", 0.5, "x"), Scored("usage", 0.45, "y")])
    assert nothing.label == "none" and not nothing.understood and nothing.candidates == ()


def test_a_phrase_file_with_an_unknown_label_is_refused():
    assert parse_phrases("[usage]\nmy usage\n# a comment\n") == [Example("usage", "my usage")]
    with pytest.raises(ValueError, match="unknown label"):
        parse_phrases("[usgae]\nmy usage\n")
    with pytest.raises(ValueError, match="before any"):
        parse_phrases("my usage\n")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("call me on 0912 123 4567", "call me on [number] [number] [number]"),
        ("my id is ۰۰۱۳۵۴۲۴۱۹", "my id is [number]"),
        ("mail ali@example.com now", "mail [email] now"),
        ("see https://x.example/a?b=1", "see [link]"),
        ("user ab12cd here", "user [number] here"),
        ("bad \ud800 surrogate\x00", "bad ? surrogate"),
    ],
)
def test_numbers_emails_links_and_ids_are_scrubbed_before_a_text_is_kept(text, kept):
    assert scrubbed(text) == kept
