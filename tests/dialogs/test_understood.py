"""Free text in the dialogs: a sentence leads to its step and never further; unsure asks "Did
you mean"; nothing fits says so with the menu and keeps the text without personal data; a
question's refused answer is offered the other wish, never forced into it."""

from __future__ import annotations

from datetime import timedelta

from core.alerts.models import Outage
from core.billing.models import Order, ServicePause
from core.demo.faq import seed_faq
from core.understanding.models import UnmatchedText
from tests.conftest import NOW
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import give_service, logged_in, subscriber


async def test_a_question_in_words_leads_to_its_step(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("how much trafic do i have left??")
    assert "Traffic left: 5.00 GB" in chat.text
    await chat.send("show me my usage")
    assert "Which period would you like to see?" in chat.text


async def test_words_that_buy_lead_to_the_plans_and_no_order_is_placed(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("i want to buy more traffic")
    assert chat.labels[0].startswith("5 GB pack")  # the traffic packs: choose, then confirm
    await chat.send("renew my service")  # inside the question: offered, not taken
    assert "Did you mean Renew my service?" in chat.text
    await chat.press("Renew my service")
    assert "Standard monthly" in chat.text and "(your current plan)" in chat.text
    await chat.press("Standard monthly")
    assert chat.labels == ["Confirm and pay", "Cancel"]
    await chat.send("yes please pay")  # not the confirmation's button
    assert chat.labels[:2] == ["Confirm and pay", "Cancel"]
    assert await Order.all().count() == 0


async def test_a_persian_sentence_with_arabic_letters_and_no_zwnj_is_understood(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    chat = await logged_in(engine, language_hint="fa")
    await chat.send("چند روز از سرويسم مونده؟")  # Arabic ي, colloquial, no ZWNJ
    assert "روز" in chat.text and "۲۰" in chat.text


async def test_unsure_asks_did_you_mean_and_the_pick_leads(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("bills")
    assert chat.text == "Did you mean one of these?"
    assert 2 <= len(chat.labels) <= 4 and chat.labels[-1] == "None of these: the main menu"
    await chat.press("History")
    assert "Which history would you like to see?" in chat.text
    kept = await UnmatchedText.get()
    assert kept.text == "bills" and kept.best_label is not None


async def test_nothing_fits_says_so_offers_an_agent_and_keeps_the_text_scrubbed(
    engine, bot_settings
):
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.send("my cousin ali@example.com says 09121234567 is a lucky number lol")
    assert chat.replies[0].text.startswith("Sorry, I could not tell what you need.")
    assert "Talk to an agent" in chat.labels
    kept = await UnmatchedText.get()
    assert "ali@example.com" not in kept.text and "0912" not in kept.text
    assert "[email]" in kept.text and "[number]" in kept.text
    assert kept.channel == "web" and kept.language == "en"


async def test_a_greeting_alone_gets_the_menu_and_beside_a_wish_is_left_out(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("Good morning!")
    assert len(chat.replies) == 1 and "My service" in chat.labels
    assert not chat.text.startswith("Sorry")
    await chat.send("hello, how much traffic do i have left")
    assert "Traffic left: 5.00 GB" in chat.text
    assert await UnmatchedText.all().count() == 0


async def test_a_wish_typed_inside_a_question_is_offered_beside_it(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.send("how many days do i have left on my plan")
    assert "Did you mean Days left on my service?" in chat.text
    assert chat.labels[-1] == "Days left on my service"
    assert chat.labels[0] == "Buy or renew service"  # the question is still asked
    await chat.send("2")  # a number still picks the question's own option
    assert chat.labels[0].startswith("5 GB pack")
    await chat.send("cancel")
    await chat.press("Buy or renew")
    await chat.send("how many days do i have left on my plan")
    await chat.press("Days left on my service")
    assert "Days left: 20" in chat.text


async def test_a_password_question_never_matches_what_is_typed(engine, bot_settings):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.send(choice="flow:login")
    await chat.send("5120001")
    await chat.send("i forgot my password")  # the password's answer: tried, and not kept
    assert "Did you mean" not in chat.text
    assert await UnmatchedText.all().count() == 0


async def test_an_faq_question_gets_its_answer_and_a_way_to_an_agent(engine, services):
    await seed_faq(services.clock)
    chat = ChatClient(engine, language_hint="id")
    await chat.send("hi")
    await chat.send("gmn cara bayar nya kak")
    assert "tautan pembayaran" in chat.text
    assert chat.labels[0] == "Ini tidak membantu: bicara dengan agen"
    await chat.send("1")
    assert "masuk" in chat.text.casefold()  # the agent flow asks a guest to log in first


async def test_internet_down_leads_to_the_connection_check_which_tells_of_the_outage(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, exchange_centre="Daneshgah")
    await give_service(services, sara)
    await Outage.create(
        exchange_centre="daneshgah",
        texts={"en": "Fibre cut near the Daneshgah exchange."},
        started_at=NOW - timedelta(hours=1),
        estimated_repair_at=NOW + timedelta(hours=3),
    )
    chat = await logged_in(engine)
    await chat.send("my internet is not working")
    assert "A known outage affects your line: Fibre cut near the Daneshgah exchange." in chat.text
    assert "Expected repair" in chat.text
    await chat.press("Open a technical ticket anyway")
    assert "Your technical ticket is open." in chat.text  # the team is known: technical


async def test_log_out_in_words_asks_first(engine, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.send("please log me out")
    assert chat.text == "Log out of this chat?"
    await chat.press("Log out")
    assert "You are logged out." in chat.text


async def test_a_guest_asking_for_traffic_is_asked_to_log_in_first(engine, bot_settings):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.send("sisa kuota saya berapa?")
    assert chat.replies[-1].asks_contact  # the login's first question


async def test_asking_in_words_to_freeze_the_service_leads_to_the_pause_and_pauses_nothing(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("could you suspend my internet for 2 weeks")
    assert "7 to 60 days" in chat.text  # the pause's first question: how long
    await chat.press("14 days")
    assert "Confirm the pause" in chat.labels
    assert await ServicePause.all().count() == 0  # nothing until it is confirmed


async def test_a_sentence_at_the_login_question_is_no_username_and_its_wish_is_offered(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.press("Log in")
    await chat.send("how much traffic do i have left")
    assert "Please write your username or mobile number." in chat.text
    assert "Did you mean Traffic left?" in chat.text
    await chat.send(" ".join(sara.username))  # a number typed in groups is one
    assert "Now send your panel password." in chat.text
