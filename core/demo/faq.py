"""The demo's FAQ: modem set-up, payment methods, coverage, office hours and prices, in fa, id
and en, written through the FAQ's service (core.understanding.service.Faq). An entry whose topic
is there already is left alone, so staff edits survive a second `ispbot demo`."""

from __future__ import annotations

from typing import Any

from core.ports import Clock
from core.understanding.queries import faq_entry_by_topic
from core.understanding.service import Faq

FAQ_ENTRIES: tuple[dict[str, Any], ...] = (
    {
        "topic": "modem_setup",
        "questions": {
            "fa": ["تنظیم مودم", "چطور مودم را تنظیم کنم؟", "تنظیمات وای‌فای مودم"],
            "id": ["cara setting modem", "pengaturan wifi di modem", "cara pasang router"],
            "en": ["How do I set up my modem?", "modem settings", "router wifi setup"],
        },
        "answers": {
            "fa": "مودم را به پریز تلفن وصل کنید و در مرورگر به 192.168.1.1 بروید. در بخش"
            " اینترنت، نوع اتصال را PPPoE بگذارید و نام کاربری و رمز اینترنت خود را وارد کنید؛"
            " VPI/VCI را 0/35 بگذارید. نام و رمز وای‌فای را در بخش بی‌سیم تعیین کنید.",
            "id": "Sambungkan modem ke jalur, lalu buka 192.168.1.1 di browser. Di menu"
            " Internet pilih PPPoE dan isi nama pengguna serta kata sandi internet Anda;"
            " VPI/VCI 0/35. Nama dan kata sandi WiFi diatur di menu Wireless.",
            "en": "Plug the modem into the phone line and open 192.168.1.1 in a browser. Under"
            " Internet choose PPPoE and enter your internet username and password; VPI/VCI"
            " 0/35. Set the WiFi name and password under Wireless.",
        },
        "link": "https://example.com/help/modem",
    },
    {
        "topic": "payment_methods",
        "questions": {
            "fa": ["روش‌های پرداخت", "چطور پرداخت کنم؟", "پرداخت با کارت بانکی"],
            "id": ["metode pembayaran", "bayar pakai apa", "bisa transfer bank?"],
            "en": ["payment methods", "How can I pay?", "can I pay by card"],
        },
        "answers": {
            "fa": "هر خرید یک لینک پرداخت دارد: با هر کارت بانکی عضو شتاب در درگاه اینترنتی"
            " پرداخت کنید. اعتبار کیف پول هم خودکار از مبلغ کم می‌شود.",
            "id": "Setiap pembelian punya tautan pembayaran: bayar dengan kartu, transfer bank"
            " (virtual account) atau e-wallet di halaman pembayaran. Saldo dompet dipakai"
            " otomatis.",
            "en": "Every purchase comes with a payment link: pay by card, bank transfer or"
            " e-wallet on the payment page. Your wallet credit is used first, automatically.",
        },
    },
    {
        "topic": "coverage",
        "questions": {
            "fa": ["محدوده پوشش", "منطقه ما تحت پوشش است؟", "در کدام شهرها سرویس دارید؟"],
            "id": ["area jangkauan", "apakah daerah saya terjangkau?", "kota mana saja"],
            "en": ["coverage area", "Do you cover my area?", "which cities do you serve"],
        },
        "answers": {
            "fa": "ما از طریق مراکز مخابراتی شهر سرویس می‌دهیم. برای بررسی پوشش آدرس خود،"
            " گزینهٔ «مشترک شوید» را بزنید تا تیم فروش امکان‌سنجی کند.",
            "id": "Kami melayani lewat sentral telepon kota. Untuk mengecek alamat Anda, pilih"
            " Menjadi pelanggan, tim penjualan akan melakukan survei lokasi.",
            "en": "We serve the lines of the city's telephone exchanges. To check your address,"
            " choose Become a subscriber and our sales team will do a site survey.",
        },
        "link": "https://example.com/coverage",
    },
    {
        "topic": "office_hours",
        "questions": {
            "fa": ["ساعت کاری", "دفتر کی باز است؟", "ساعات پاسخگویی پشتیبانی"],
            "id": ["jam kerja", "kantor buka jam berapa?", "jam operasional cs"],
            "en": ["office hours", "When is the office open?", "support hours"],
        },
        "answers": {
            "fa": "دفتر شنبه تا چهارشنبه ۸ تا ۱۷ و پنجشنبه ۸ تا ۱۳ باز است. پشتیبانی فنی"
            " شبانه‌روزی از همین گفتگو پاسخ می‌دهد.",
            "id": "Kantor buka Senin-Jumat 08.00-17.00 dan Sabtu 08.00-12.00. Dukungan teknis"
            " menjawab 24 jam lewat chat ini.",
            "en": "The office is open Monday to Friday 08:00-17:00 and Saturday 08:00-12:00."
            " Technical support answers around the clock in this chat.",
        },
    },
    {
        "topic": "prices",
        "questions": {
            "fa": ["قیمت سرویس‌ها", "تعرفه اینترنت", "سرویس نامحدود چند است؟"],
            "id": ["harga paket", "daftar harga", "harga paket unlimited"],
            "en": ["prices", "How much does a plan cost?", "price list"],
        },
        "answers": {
            "fa": "قیمت همهٔ سرویس‌ها و بسته‌ها با مالیات در «خرید یا تمدید» آمده است؛ پیش از"
            " پرداخت، پیش‌فاکتور را می‌بینید.",
            "id": "Harga semua paket, termasuk pajak, ada di Beli atau perpanjang; Anda melihat"
            " rinciannya sebelum membayar.",
            "en": "Every plan's and pack's price, with VAT, is listed under Buy or renew; you see"
            " the pre-invoice before you pay.",
        },
    },
)


async def seed_faq(clock: Clock) -> None:
    faq = Faq(clock)
    for entry in FAQ_ENTRIES:
        if await faq_entry_by_topic(entry["topic"]) is None:
            await faq.create(
                entry["topic"],
                entry["questions"],
                entry["answers"],
                link=entry.get("link"),
            )
