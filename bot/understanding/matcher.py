"""Scores a message against labelled example phrases: the nearest phrases by weighted words.

Each example is a bag of words (normalise.words) weighted by how rare the word is among the
examples (IDF: "kuota" says more than "saya"). A message's words are first found in the
examples' vocabulary: as they are, without a suffix ("kuotaku", "حجمم"), or by rapidfuzz's edit
ratio for typos ("trafic", "pasword"); a word found nowhere counts against every example (a
long message about something else is not a match because three of its words are). The score of
a label is the cosine of the message with its nearest example, so one good phrase is enough.

Beside it, a small naive Bayes over the same examples' words and letter n-grams, trained when
the matcher is built (some 40 ms), adds a share of its belief to each label the phrases
found: nearest-phrase alone wants most of a message's words to be a phrase's, and a long message
in words no phrase has ("youtube keeps buffering since the storm", «پینگ خیلی بالاست») fell
under the threshold although one of its words, or part of one, belongs to one label only. Measured
on every labelled set (README, "Understanding free text"), the blend is the better of the two on
each kind; the phrase still explains the match, and a phrase added works at once.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.understanding.intents import GREETING
from bot.understanding.normalise import words
from bot.understanding.spellings import COURTESIES, FILLERS, GREETINGS, WISHED_WELL

# Suffixes a word may carry that the examples' spelling has not: Indonesian possessives and
# particles, Persian possessives and the colloquial object marker.
_SUFFIXES = (
    "nya",
    "ku",
    "mu",
    "lah",
    "kah",
    "ny",
    "م",
    "ت",
    "ش",
    "مو",
    "و",
    "ی",
    "ها",
    "های",
    "ام",
    "مان",
    "مون",
    "تون",
    "شون",
    "رو",
    # The spoken "is" (کنده, پایینه, بالاست): a word the phrases spell without it.
    "ه",
    "ست",
    # The indefinite or ezafe "ای" (بسته ای, صفحه ای) joined to its word.
    "ای",
    # The spoken plural (خریدا, فاکتورا, خریدایی): «ها» said without its «ه».
    "ا",
    "ایی",
)
# How much a word found by its edit ratio counts, at the least ratio accepted per word length:
# a short word with one letter wrong is more often another word.
_FUZZY_CUTOFF_LONG = 80.0
_FUZZY_CUTOFF_SHORT = 86.0
# Words up to this long are also taken at one edit (a swap counting one), at this similarity.
_ONE_EDIT_MAX_LENGTH = 7
_ONE_EDIT_SIMILARITY = 0.85
# English endings a word is compared without when it is not in the vocabulary as it is:
# "expiring" finds "expire", "payments" "payment" (both "expir", "payment").
_ENGLISH_ENDINGS = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "e")
# What a filler word ("how", "saya", "من") weighs, against its rarity alone.
_FILLER_WEIGHT = 0.3
# How much a label's second-nearest example counts beside its nearest.
_SECOND_WEIGHT = 0.25
# The naive Bayes' share of a label's score, its smoothing (added to each feature's count) and
# its temperature: its log-likelihoods are divided by this and by the square root of the
# message's feature count, so a long message is not certain of its label just by being long.
_BAYES_WEIGHT = 0.2
_BAYES_SMOOTHING = 0.1
_BAYES_TEMPERATURE = 1.0
# The letter n-grams of a word (with its edges marked) the naive Bayes reads beside the word:
# they catch a word's family ("buffering", "buffer", «بافر») and typos the vocabulary misses.
_GRAM_SIZES = (3, 4)


@dataclass(frozen=True, slots=True)
class Example:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Scored:
    label: str
    score: float
    # The example phrase it was nearest to (for staff reading why, and for tests).
    nearest: str


def _well_wished(message: list[str]) -> list[str]:
    """«به خیر» written apart is «بخیر» («روز به خیر»: good day)."""
    if "خیر" not in message:
        return message
    joined: list[str] = []
    for word in message:
        if word == "خیر" and joined and joined[-1] == "به":
            joined[-1] = "بخیر"
        else:
            joined.append(word)
    return joined


def _courtesy(message: list[str], at: int) -> bool:
    """Said with a greeting only: «خوبی», or the time of day right before «بخیر»."""
    word = message[at]
    return word in COURTESIES or (
        word in WISHED_WELL and at + 1 < len(message) and message[at + 1] in GREETINGS
    )


class Matcher:
    """Built once from examples (cheap: a few milliseconds for thousands), read by many."""

    def __init__(self, examples: Iterable[Example]) -> None:
        self._labels: list[str] = []
        self._texts: list[str] = []
        bags: list[Counter[str]] = []
        for example in examples:
            bag = Counter(words(example.text))
            if not bag:
                continue
            self._labels.append(example.label)
            self._texts.append(example.text)
            bags.append(bag)
        document_count: Counter[str] = Counter()
        for bag in bags:
            document_count.update(bag.keys())
        total = max(len(bags), 1)
        self._idf = {
            word: (math.log((1 + total) / (1 + count)) + 1.0)
            * (_FILLER_WEIGHT if word in FILLERS else 1.0)
            for word, count in document_count.items()
        }
        # A word no example has weighs as the rarest: it is what the message is about.
        self._unknown_weight = max(self._idf.values(), default=1.0)
        self._vocabulary = list(self._idf)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._norms: list[float] = []
        self._weights: list[dict[str, float]] = []
        for index, bag in enumerate(bags):
            weights = {word: self._idf[word] * (1 + math.log(n)) for word, n in bag.items()}
            self._weights.append(weights)
            self._norms.append(math.sqrt(sum(w * w for w in weights.values())))
            for word, weight in weights.items():
                self._postings[word].append((index, weight))
        self._whole = {tuple(words(text)) for text in self._texts}
        self._stems: dict[str, str] = {}
        for word in sorted(self._vocabulary, key=len):
            if word.isascii() and len(word) >= 4:
                self._stems.setdefault(_english_stem(word), word)
        self._found = lru_cache(maxsize=8192)(self._find)
        self._bayes = _NaiveBayes(self._labels, self._texts)

    @property
    def labels(self) -> set[str]:
        return set(self._labels)

    def rank(self, text: str, limit: int = 3) -> list[Scored]:
        """The ``limit`` likeliest labels, best first, each with its score in 0..1."""
        found: dict[str, float] = {}
        unknown = 0.0
        message = _well_wished(words(text))
        greeted = any(word in GREETINGS for word in message)
        said = [word for at, word in enumerate(message) if not (greeted and _courtesy(message, at))]
        if any(word not in GREETINGS and word not in FILLERS for word in said):
            message = [word for word in said if word not in GREETINGS]
        elif any(word in GREETINGS for word in message):
            # Greetings alone ("salam aleikum", "met pagi"): however few of them the phrases
            # spell, that is all the message says.
            return [Scored(GREETING, 1.0, " ".join(message))]
        for word in message:
            known, similarity = self._found(word)
            if known is None:
                # A number ("50 mbps", "buy 5 gig") says how much, not what is wished.
                light = word in FILLERS or word.isdigit()
                weight = self._unknown_weight * (_FILLER_WEIGHT if light else 1.0)
                unknown += weight**2
            else:
                found[known] = max(found.get(known, 0.0), similarity)
        if all(word in FILLERS for word in found) and tuple(message) not in self._whole:
            return []  # "no", "how do I": nothing asked yet (unless a phrase says just that)
        query = {word: self._idf[word] * similarity for word, similarity in found.items()}
        query_norm = math.sqrt(sum(w * w for w in query.values()) + unknown)
        # The examples that share a word that is no filler, then what the fillers add to
        # them: a filler's postings are most of the examples, and walking them for every
        # message was most of the time a message took.
        content = {word: weight for word, weight in query.items() if word not in FILLERS}
        dots: dict[int, float] = defaultdict(float)
        for word, weight in (content or query).items():
            for index, example_weight in self._postings[word]:
                dots[index] += weight * example_weight
        if content:
            fillers = [(word, weight) for word, weight in query.items() if word in FILLERS]
            for index in dots:
                weights = self._weights[index]
                for word, weight in fillers:
                    dots[index] += weight * weights.get(word, 0.0)
        # Per label, its nearest two examples: the second adds a little, so a label many
        # phrases agree on beats one a single phrase happens to share words with.
        nearest: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for index, dot in dots.items():
            nearest[self._labels[index]].append((dot / (query_norm * self._norms[index]), index))
        belief = self._bayes.posterior(message)
        scored = []
        for label, hits in nearest.items():
            hits.sort(reverse=True)
            first, index = hits[0]
            second = hits[1][0] if len(hits) > 1 else 0.0
            score = (1 - _SECOND_WEIGHT) * first + _SECOND_WEIGHT * second
            score = (1 - _BAYES_WEIGHT) * score + _BAYES_WEIGHT * belief.get(label, 0.0)
            scored.append(Scored(label, round(score, 4), self._texts[index]))
        scored.sort(key=lambda s: -s.score)
        return scored[:limit]

    def _find(self, word: str) -> tuple[str | None, float]:
        """The vocabulary's word for ``word`` and how sure: 1 when it is one, less for a typo."""
        if word in self._idf:
            return word, 1.0
        # The spoken plural («پرداختایی», «خریدام») is the written one without its «ه»: the
        # phrases' «پرداختهای» says "payments" where «پرداخت» alone is paying.
        for at in range(3, len(word)):
            if word[at] == "ا" and word[at - 1] != "ه":
                written = word[:at] + "ه" + word[at:]
                if written in self._idf:
                    return written, 0.95
                stem, similarity = self._unsuffixed(written)
                if stem is not None and len(stem) > at:
                    return stem, similarity
        stem, similarity = self._unsuffixed(word)
        if stem is not None:
            return stem, similarity
        if len(word) < 4 or word.isdigit():
            return None, 0.0
        if word.isascii():
            stem = self._stems.get(_english_stem(word))
            if stem is not None:
                return stem, 0.9
            # A short verb with its ending ("paying", "lagging", "stopped"): the stem rule
            # above keeps four letters at the least, and "pay" or "lag" have three.
            for ending in ("ing", "ed", "s"):
                stem = word.removesuffix(ending)
                for root in (stem, stem[:-1] if stem[-2:-1] == stem[-1:] else ""):
                    if root != word and len(root) >= 3 and root in self._idf:
                        return root, 0.9
        cutoff = _FUZZY_CUTOFF_SHORT if len(word) < 6 else _FUZZY_CUTOFF_LONG
        hit = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit is not None:
            return hit[0], hit[1] / 100.0
        if len(word) <= _ONE_EDIT_MAX_LENGTH:
            # One letter wrong, missing, extra or two swapped ("renwe", "dayz"): the edit
            # ratio counts a swap twice and a short word's one slip costs it most of its score.
            near = process.extractOne(word, self._vocabulary, scorer=OSA.distance, score_cutoff=1)
            if near is not None:
                return near[0], _ONE_EDIT_SIMILARITY
        return None, 0.0

    def _unsuffixed(self, word: str) -> tuple[str | None, float]:
        """``word`` without a suffix, or two (Persian stacks them: رسید+ها+م, "my receipts")."""
        for suffix in _SUFFIXES:
            stem = word.removesuffix(suffix)
            if stem == word or len(stem) < 3:
                continue
            if stem in self._idf:
                return stem, 0.95
            for inner in _SUFFIXES:
                root = stem.removesuffix(inner)
                if root != stem and len(root) >= 3 and root in self._idf:
                    return root, 0.9
        return None, 0.0


def _english_stem(word: str) -> str:
    for ending in _ENGLISH_ENDINGS:
        stem = word.removesuffix(ending)
        if stem != word and len(stem) >= 4:
            return stem
    return word


def _features(message: Iterable[str]) -> list[str]:
    """A message's words (as "w:word") and each word's letter n-grams, greetings left out."""
    out: list[str] = []
    for word in message:
        if word in GREETINGS:
            continue
        out.append("w:" + word)
        if word.isdigit():
            continue
        edged = f"<{word}>"
        for size in _GRAM_SIZES:
            out.extend(edged[i : i + size] for i in range(len(edged) - size + 1))
    return out


class _NaiveBayes:
    """Multinomial naive Bayes over the examples' features, a label's examples pooled."""

    def __init__(self, labels: list[str], texts: list[str]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for label, text in zip(labels, texts, strict=True):
            counts[label].update(_features(words(text)))
        self._labels = sorted(counts)
        features: set[str] = set().union(*counts.values()) if counts else set()
        # What a feature a label's examples lack weighs for that label; kept sparse (a feature
        # is in a few labels' examples, and a full row per feature held eight times the memory
        # of the rest of the matcher): a feature's row lists only what its labels add to that.
        self._unseen = [
            math.log(_BAYES_SMOOTHING)
            - math.log(counts[label].total() + _BAYES_SMOOTHING * len(features))
            for label in self._labels
        ]
        # A row is flat (column, gain, column, gain...) and a gain one float per count: tens of
        # thousands of rows as pairs of fresh objects held three times the memory.
        gains: dict[int, float] = {}
        rows: dict[str, list[int | float]] = defaultdict(list)
        for column, label in enumerate(self._labels):
            for feature, count in counts[label].items():
                if count not in gains:
                    gains[count] = math.log(count + _BAYES_SMOOTHING) - math.log(_BAYES_SMOOTHING)
                rows[feature] += (column, gains[count])
        self._rows: dict[str, tuple[int | float, ...]] = {
            feature: tuple(row) for feature, row in rows.items()
        }

    def posterior(self, message: Iterable[str]) -> dict[str, float]:
        """Each label's probability for the message's words, {} when no feature is known."""
        rows = [row for feature in _features(message) if (row := self._rows.get(feature))]
        if not rows:
            return {}
        sums = [unseen * len(rows) for unseen in self._unseen]
        for row in rows:
            for at in range(0, len(row), 2):
                sums[int(row[at])] += row[at + 1]
        scale = _BAYES_TEMPERATURE * math.sqrt(len(rows))
        top = max(sums)
        odds = [math.exp((value - top) / scale) for value in sums]
        total = sum(odds)
        return {label: value / total for label, value in zip(self._labels, odds, strict=True)}
