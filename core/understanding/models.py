"""The FAQ's entries and the texts the bot did not understand."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class FaqEntry(Model):
    """One question people ask, in their words, and its answer, per language."""

    id = fields.IntField(primary_key=True)
    # Stable key ("modem_setup"): the intent label is "faq:<topic>".
    topic = fields.CharField(max_length=60, unique=True)
    # Sample phrasings per language: {"fa": ["...", ...], "id": [...], "en": [...]}
    questions: dict = fields.JSONField(default=dict)
    # The answer per language: {"fa": "...", "id": "...", "en": "..."}
    answers: dict = fields.JSONField(default=dict)
    link = fields.CharField(max_length=500, null=True)
    picture_url = fields.CharField(max_length=500, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "faq_entry"


class UnmatchedText(Model):
    """A message the bot could not place, with digits, emails and ids scrubbed out."""

    id = fields.IntField(primary_key=True)
    text = fields.CharField(max_length=500)
    language = fields.CharField(max_length=5)
    channel = fields.CharField(max_length=20)
    # The likeliest label and its score when there was one (it was offered, or not even that).
    best_label = fields.CharField(max_length=80, null=True)
    best_score = fields.FloatField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "unmatched_text"
