"""The demo: a plan catalogue and subscribers in every situation the bot can show.

``data/plans.csv`` and ``data/subscribers.csv`` are imported as an operator imports theirs
(``ispbot import``); ``story.py`` plays what happened to each subscriber since, through the real
services (usage from ``usage.py``); ``seed.py`` puts it together. Every panel password is the
CSV's ``demo1234`` (internet password ``net12345``); README's "Demo logins" lists the logins.
"""

from core.demo.people import PEOPLE, DemoLogin, DemoPerson, demo_logins
from core.demo.seed import seed_demo
from core.demo.usage import SEED_USAGE_USERNAME

__all__ = ["PEOPLE", "SEED_USAGE_USERNAME", "DemoLogin", "DemoPerson", "demo_logins", "seed_demo"]
