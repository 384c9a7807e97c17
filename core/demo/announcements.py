"""The announcements a demo subscriber sees at login: one for everyone, and an outage notice for
the lines of one exchange centre. No service writes announcements yet, so they are created here;
one with the same texts and centre is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.inbox.models import Announcement


def _names(fa: str, id_: str, en: str) -> dict[str, str]:
    return {"fa": fa, "id": id_, "en": en}


ANNOUNCEMENTS: tuple[dict[str, Any], ...] = (
    {
        "texts": _names(
            "مشترک گرامی، از این پس می توانید از طریق تلگرام، واتس اپ، پیامک و گفتگوی وب"
            " سرویس خود را تمدید کنید، ریز مصرف را ببینید و تیکت ثبت کنید.",
            "Pelanggan yang terhormat, kini Anda dapat memperpanjang layanan, melihat rincian"
            " pemakaian dan membuat tiket melalui Telegram, WhatsApp, SMS dan chat web.",
            "Dear subscriber, you can now renew your service, see your usage and open tickets"
            " over Telegram, WhatsApp, SMS and the web chat.",
        ),
        "exchange_centre": None,
        "starts_days_ago": 7,
        "ends_in_days": None,
    },
    {
        "texts": _names(
            "اطلاع رسانی قطعی: به دلیل ارتقای تجهیزات مرکز مخابراتی دانشگاه، اینترنت مشترکین"
            " این مرکز امشب از ساعت 2 تا 4 بامداد قطع خواهد بود. زمان تقریبی رفع: ساعت 4 بامداد.",
            "Pemberitahuan gangguan: karena peningkatan perangkat di sentral Daneshgah, internet"
            " pelanggan sentral ini terputus malam ini pukul 02.00-04.00. Perkiraan pulih: 04.00.",
            "Outage notice: the equipment of the Daneshgah exchange is being upgraded; internet"
            " on its lines is down tonight from 02:00 to 04:00. Expected back by 04:00.",
        ),
        "exchange_centre": "دانشگاه",
        "starts_days_ago": 0,
        "ends_in_days": 2,
    },
)


async def seed_announcements(now: datetime) -> None:
    existing = [(a.texts, a.exchange_centre) for a in await Announcement.all()]
    for spec in ANNOUNCEMENTS:
        if (spec["texts"], spec["exchange_centre"]) in existing:
            continue
        ends_in = spec["ends_in_days"]
        await Announcement.create(
            texts=spec["texts"],
            exchange_centre=spec["exchange_centre"],
            starts_at=now - timedelta(days=spec["starts_days_ago"]),
            ends_at=None if ends_in is None else now + timedelta(days=ends_in),
        )
