from tortoise import migrations
from tortoise.migrations import operations as ops

# One open outage per exchange centre and per plan (core/alerts/broadcast.py): a form sent twice
# or two staff at once would otherwise tell the same subscribers the same news twice. The
# service checks first and says so; these indexes settle the race of two at the same moment.
# Partial indexes, which both PostgreSQL and SQLite make; the ORM's Meta cannot say "WHERE".
CENTRE_INDEX = "outage_one_open_per_centre"
PLAN_INDEX = "outage_one_open_per_plan"


async def _create(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        f"CREATE UNIQUE INDEX IF NOT EXISTS {CENTRE_INDEX} ON outage (exchange_centre)"
        " WHERE repaired_at IS NULL AND exchange_centre IS NOT NULL;"
        f"CREATE UNIQUE INDEX IF NOT EXISTS {PLAN_INDEX} ON outage (plan_id)"
        " WHERE repaired_at IS NULL AND plan_id IS NOT NULL;"
    )


async def _drop(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        f"DROP INDEX IF EXISTS {CENTRE_INDEX}; DROP INDEX IF EXISTS {PLAN_INDEX};"
    )


class Migration(migrations.Migration):
    dependencies = [('core', '0023_order_card_sent_at')]

    initial = False

    operations = [
        ops.RunPython(_create, _drop),
    ]
