"""Free text understood: what a subscriber types in fa, id or en, matched to what they want.

In-process and local (no service to call): ``normalise`` makes the ways of writing one word
comparable (Persian letter variants and spacing, Finglish, Indonesian informal spelling, typos),
``matcher`` scores a message against the development phrases of ``phrases/`` and the FAQ's
sample questions. It knows no transport and no dialog: the dialogs decide what a match leads to
(bot/dialogs/understood.py).
"""
