from tortoise import migrations
from tortoise.migrations import operations as ops

# One open outage per exchange centre and per plan (core/alerts/broadcast.py): a form sent twice
# or two staff at once would otherwise tell the same subscribers the same news twice. The
# service checks first and says so; these indexes settle the race of two at the same moment.
# Partial indexes, which both PostgreSQL and SQLite make; the ORM's Meta cannot say "WHERE".
CENTRE_INDEX = "outage_one_open_per_centre"
PLAN_INDEX = "outage_one_open_per_plan"


async def _create(apps, schema_editor) -> None:
    await _merge_open_duplicates(schema_editor.client)
    await schema_editor.client.execute_script(
        f"CREATE UNIQUE INDEX IF NOT EXISTS {CENTRE_INDEX} ON outage (exchange_centre)"
        " WHERE repaired_at IS NULL AND exchange_centre IS NOT NULL;"
        f"CREATE UNIQUE INDEX IF NOT EXISTS {PLAN_INDEX} ON outage (plan_id)"
        " WHERE repaired_at IS NULL AND plan_id IS NOT NULL;"
    )


async def _merge_open_duplicates(client) -> None:
    """Before this migration a centre or plan could have several open outages (the same news
    opened twice). The newest stays open and takes over the older ones' watchers and linked
    tickets, so their repair notice still comes; the older ones are closed as superseded at
    the newest one's start. Ids are the database's own integers, written into the SQL as such."""
    rows = await client.execute_query_dict(
        "SELECT id, exchange_centre, plan_id FROM outage WHERE repaired_at IS NULL ORDER BY id"
    )
    groups: dict[tuple[str, object], list[int]] = {}
    for row in rows:
        key = (
            ("centre", row["exchange_centre"])
            if row["exchange_centre"] is not None
            else ("plan", row["plan_id"])
        )
        groups.setdefault(key, []).append(int(row["id"]))
    for ids in groups.values():
        keep = ids[-1]
        for older in ids[:-1]:
            await client.execute_script(
                f"DELETE FROM outage_watch WHERE outage_id = {older} AND subscriber_id IN"
                f" (SELECT subscriber_id FROM outage_watch WHERE outage_id = {keep});"
                f"UPDATE outage_watch SET outage_id = {keep} WHERE outage_id = {older};"
                f"UPDATE ticket SET outage_id = {keep} WHERE outage_id = {older};"
                f"UPDATE outage SET repaired_at = (SELECT started_at FROM outage WHERE id = {keep})"
                f" WHERE id = {older};"
            )


async def _drop(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        f"DROP INDEX IF EXISTS {CENTRE_INDEX}; DROP INDEX IF EXISTS {PLAN_INDEX};"
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0023_order_card_sent_at")]

    initial = False

    operations = [
        ops.RunPython(_create, _drop),
    ]
