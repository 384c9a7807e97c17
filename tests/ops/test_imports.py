"""CSV imports of plans and subscribers: upsert, idempotent, every rejected row with its reason,
nothing written when the import fails half way."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_engine
from bot.cli import main
from bot.dialogs.state import MemoryStateStore
from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.accounts.passwords import hash_password, verify_password
from core.accounts.profile import subscriber_zone
from core.billing.models import Plan, Subscription
from core.imports.plans import import_plans
from core.imports.report import ImportFileError
from core.imports.subscribers import SubscriberImporter
from tests.dialogs.client import ChatClient

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = "username,full_name,mobile,national_id,currency,plan,panel_password\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def sample_plans(sqlite_db):
    result = await import_plans(DOCS / "plans.sample.csv")
    assert result.created == 4 and not result.rejected
    return result


async def test_the_sample_plans_import_with_names_and_unlimited_traffic(sample_plans):
    year = await Plan.get(code="year-1024")
    assert (year.traffic_mb, year.gift_mb, year.price, year.duration_days) == (
        40960,
        10240,
        2000000,
        365,
    )
    assert year.names["fa"] == "یک ساله ۱۰۲۴"
    assert (await Plan.get(code="unl-20m")).traffic_mb is None


async def test_importing_plans_twice_changes_nothing_and_a_changed_price_updates(
    sample_plans, tmp_path
):
    again = await import_plans(DOCS / "plans.sample.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = write(tmp_path, "p.csv", "code,price\nstd-1m,230000\n")
    result = await import_plans(changed)
    assert result.updated == 1
    plan = await Plan.get(code="std-1m")
    assert plan.price == 230000 and plan.speed_kbps == 2048  # empty cells keep what was there


async def test_bad_plan_rows_are_rejected_with_their_reasons(sqlite_db, tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "code,kind,price,traffic_mb\nok,service,100,\nbad,rocket,-5,\nok,service,100,\n"
        "pack,traffic,100,\n",
    )
    result = await import_plans(path)
    reasons = {(r.line, r.key): r.reasons for r in result.rejected}
    assert reasons == {
        (3, "bad"): (
            "price must be a whole number of at least 0",
            "unknown kind (service, traffic, timed_traffic, static_ip)",
        ),
        (4, "ok"): ("plan code repeated in the file",),
        (5, "pack"): ("a traffic pack needs traffic_mb",),
    }
    assert result.created == 1


async def test_plan_descriptions_import_and_a_static_ip_needs_no_traffic(sqlite_db, tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "code,kind,name_en,description_fa,description_en,traffic_mb,price\n"
        "ip,static_ip,Static IP,,,,50000\n"
        "year,service,Yearly,حجم یکجا,The whole volume at once,40960,1400000\n",
    )
    result = await import_plans(path)
    assert (result.created, result.rejected) == (2, [])
    ip = await Plan.get(code="ip")
    assert (ip.traffic_mb, ip.description) == (None, {})
    year = await Plan.get(code="year")
    assert year.description == {"fa": "حجم یکجا", "en": "The whole volume at once"}
    again = await import_plans(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


async def test_the_sample_subscribers_import_and_a_second_run_changes_nothing(
    sample_plans, services, bot_settings
):
    importer = SubscriberImporter(bot_settings, services.clock, services.subscriptions)
    result = await importer.run(DOCS / "subscribers.sample.csv")
    assert (result.created, result.rejected) == (3, [])
    sara = await Subscriber.get(username="2188009001")
    assert sara.mobile == "+989127654321" and sara.national_id == "0013542419"
    assert await verify_password(bot_settings, sara.password_hash, "Panel-Pass-2468")
    assert await Subscription.filter(subscriber=sara, plan__code="std-1m").count() == 1
    budi = await Subscriber.get(username="2153669001")
    assert (budi.mobile, budi.currency, budi.language) == ("+6281298765432", "IDR", "id")
    again = await importer.run(DOCS / "subscribers.sample.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert await Subscription.filter(subscriber=sara).count() == 1


async def test_each_rejected_subscriber_row_says_why(
    sample_plans, services, bot_settings, tmp_path
):
    await SubscriberImporter(bot_settings, services.clock, services.subscriptions).run(
        DOCS / "subscribers.sample.csv"
    )
    path = write(
        tmp_path,
        "s.csv",
        HEADER
        + "5120001,Ali,09121112233,0013542418,IRR,,\n"  # checksum off by one
        + "5120002,Reza,09127654321,,IRR,,\n"  # Sara's mobile
        + "5120003,Mina,,,IRR,gold-99,\n"
        + "5120004,Nima,09127778899,0013542419,IRR,std-1m,Strong-Pass-1\n"
        + "5120005,Leila,09127778899,,IRR,,\n",  # the previous row's mobile
    )
    result = await SubscriberImporter(bot_settings, services.clock, services.subscriptions).run(
        path
    )
    assert [(r.line, r.key, r.reasons) for r in result.rejected] == [
        (2, "5120001", ("invalid national ID (wrong length or checksum)",)),
        (3, "5120002", ("duplicate mobile (another subscriber has it)",)),
        (4, "5120003", ("unknown plan 'gold-99' (import the plans first: ispbot import plans)",)),
        (6, "5120005", ("duplicate mobile (another subscriber has it)",)),
    ]
    assert result.created == 1


async def test_a_failure_while_writing_leaves_nothing_half_imported(
    sample_plans, services, bot_settings, tmp_path
):
    await SubscriberImporter(bot_settings, services.clock, services.subscriptions).run(
        DOCS / "subscribers.sample.csv"
    )
    # The second row reuses Sara's customer number: the database refuses it mid-import.
    path = write(
        tmp_path,
        "s.csv",
        "username,customer_number,full_name\n5120001,C1,Ali\n5120002,469001,Reza\n",
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await SubscriberImporter(bot_settings, services.clock, services.subscriptions).run(path)
    assert not await Subscriber.filter(username__in=["5120001", "5120002"]).exists()


async def test_a_file_with_a_missing_or_unknown_column_is_refused_whole(sqlite_db, tmp_path):
    with pytest.raises(ImportFileError, match=r"missing column.*code"):
        await import_plans(write(tmp_path, "p.csv", "price\n1\n"))
    path = write(tmp_path, "s.csv", "username,shoe_size\n5120001,42\n")
    with pytest.raises(ImportFileError, match=r"unknown column.*shoe_size"):
        await SubscriberImporter(None, None, None).run(path)


def test_the_command_prints_a_summary_and_writes_the_rejected_rows(
    tmp_path, migrated_sqlite, monkeypatch, capsys
):
    monkeypatch.setenv("ISPBOT_DATABASE_URL", migrated_sqlite)
    monkeypatch.setenv("ISPBOT_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("ISPBOT_ARGON2_TIME_COST", "1")
    main(["migrate"])
    main(["import", "plans", str(DOCS / "plans.sample.csv")])
    assert "4 rows: 4 created, 0 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
    source = tmp_path / "subs.csv"
    shutil.copy(DOCS / "subscribers.sample.csv", source)
    with source.open("a", encoding="utf-8") as out:
        out.write("5120009,,,,,,,IRR,,,,,,,,,gold-99,,\n")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(SystemExit) as stopped:
        main(["import", "subscribers", str(source)])
    assert stopped.value.code == 1  # a script sees that rows were left out
    printed = capsys.readouterr()
    assert "4 rows: 3 created, 0 updated, 0 unchanged, 1 rejected" in printed.out
    assert "1 rows rejected" in printed.err
    # Under the working directory's var/, not beside the input.
    assert not (tmp_path / "subs.rejected.csv").exists()
    with (tmp_path / "work" / "var" / "imports" / "subs.rejected.csv").open(
        encoding="utf-8"
    ) as report:
        [row] = list(csv.DictReader(report))
    assert (row["line"], row["username"], row["reason"]) == (
        "5",
        "5120009",
        "unknown plan 'gold-99' (import the plans first: ispbot import plans)",
    )


def test_the_sample_subscribers_are_not_the_demos():
    def people(path):
        with path.open(encoding="utf-8") as rows:
            return [
                {key: "".join(row[key].split()) for key in ("username", "mobile")}
                for row in csv.DictReader(rows)
            ]

    sample = people(DOCS / "subscribers.sample.csv")
    demo = people(DOCS.parent / "core" / "demo" / "data" / "subscribers.csv")
    for key in ("username", "mobile"):
        assert not {p[key] for p in sample} & {p[key] for p in demo}, key


async def test_a_subscriber_row_sets_the_time_zone_and_education(
    sample_plans, services, bot_settings, tmp_path
):
    importer = SubscriberImporter(bot_settings, services.clock, services.subscriptions)
    path = write(
        tmp_path,
        "s.csv",
        "username,currency,timezone,education\n"
        "5120001,IDR,Asia/Jakarta,S1\n"
        "5120002,IRR,,\n"
        "5120003,IDR,Jakarta,\n"
        "5120004,IDR,asia/jakarta,\n"
        "5120005,IRR,localtime,\n",
    )
    result = await importer.run(path)
    zone_name = "timezone must be an IANA zone name (Asia/Jakarta)"
    assert [(r.key, r.reasons) for r in result.rejected] == [
        ("5120003", (zone_name,)),
        ("5120004", (zone_name,)),
        ("5120005", (zone_name,)),
    ]
    budi = await Subscriber.get(username="5120001")
    assert (budi.timezone, budi.education) == ("Asia/Jakarta", "S1")
    assert subscriber_zone(budi, bot_settings) == ZoneInfo("Asia/Jakarta")
    # No zone given: the settings' zone, as before.
    assert (await Subscriber.get(username="5120002")).timezone is None
    # An empty cell keeps the stored zone; another one changes it.
    keep = write(tmp_path, "k.csv", "username,timezone\n5120001,\n")
    assert (await importer.run(keep)).unchanged == 1
    move = write(tmp_path, "m.csv", "username,timezone\n5120001,Asia/Makassar\n")
    assert (await importer.run(move)).updated == 1
    assert (await Subscriber.get(username="5120001")).timezone == "Asia/Makassar"


async def test_a_new_line_owing_a_deposit_is_imported_isolated_and_a_bad_amount_is_refused(
    sample_plans, services, bot_settings, tmp_path
):
    path = write(
        tmp_path,
        "s.csv",
        "username,currency,deposit,installation_fee\n"
        + "5120001,IDR,500000,250000\n"
        + "5120002,IDR,,\n"
        + "5120003,IDR,-5,1.5\n",
    )
    importer = SubscriberImporter(bot_settings, services.clock, services.subscriptions)

    result = await importer.run(path)

    assert [(r.key, r.reasons) for r in result.rejected] == [
        (
            "5120003",
            (
                "deposit must be a whole amount in minor units, 0 or more",
                "installation_fee must be a whole amount in minor units, 0 or more",
            ),
        )
    ]
    owing = await Subscriber.get(username="5120001")
    assert (owing.deposit_due, owing.installation_fee_due) == (500_000, 250_000)
    assert owing.line_status == LineStatus.ISOLATED
    assert (await Subscriber.get(username="5120002")).line_status == LineStatus.IN_OPERATION


async def test_subscriber_rows_set_where_notices_go_and_the_kinds_muted(
    sample_plans, services, bot_settings, tmp_path
):
    path = write(
        tmp_path,
        "s.csv",
        "username,mobile,preferred_channel,muted_notices\n"
        + "5120001,09121234567,SMS,traffic_low; announcement\n"
        + "5120002,,none,none\n"
        + "5120003,,pigeon,order_applied;outage\n",
    )
    importer = SubscriberImporter(bot_settings, services.clock, services.subscriptions)

    result = await importer.run(path)

    assert [(r.key, r.reasons) for r in result.rejected] == [
        (
            "5120003",
            (
                "preferred_channel must be one of telegram, whatsapp, web, email, sms, none",
                "muted_notices cannot hold order_applied (only service_expiring, traffic_low, "
                "free_charge_ending, announcement, outage may be muted, separated by ;)",
            ),
        )
    ]
    sara = await Subscriber.get(username="5120001")
    assert (sara.preferred_channel, sara.muted_notices) == ("sms", "announcement,traffic_low")
    plain = await Subscriber.get(username="5120002")
    assert (plain.preferred_channel, plain.muted_notices) == (None, "")
    # The chat's Notifications show what the import set.
    chat = ChatClient(build_engine(services, MemoryStateStore()))
    await Subscriber.filter(id=sara.id).update(
        password_hash=await hash_password(bot_settings, "Secret-2468")
    )
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:notifications")
    assert "Alerts go first to: SMS." in chat.text
    assert "Low traffic: muted" in chat.text and "Announcements: muted" in chat.text
    # An empty cell keeps what is stored; "none" clears.
    keep = write(tmp_path, "k.csv", "username,preferred_channel,muted_notices\n5120001,,\n")
    assert (await importer.run(keep)).unchanged == 1
    clear = write(
        tmp_path, "c.csv", "username,preferred_channel,muted_notices\n5120001,none,none\n"
    )
    assert (await importer.run(clear)).updated == 1
    sara = await Subscriber.get(username="5120001")
    assert (sara.preferred_channel, sara.muted_notices) == (None, "")
