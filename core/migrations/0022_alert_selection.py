from tortoise import migrations
from tortoise.migrations import operations as ops

# The alert sweep's lookups (core/alerts/preferences.py, bench/RESULTS.md "Alerts"): every page
# of 5,000 due alerts asks which of its subscribers muted a kind. Few ever do, so an index of
# only those rows answers it without reading the 5,000 subscribers' rows (12 ms a page at a
# million subscribers, about a fifth of PostgreSQL's work in a sweep). A partial index, which
# both PostgreSQL and SQLite make; the ORM's Meta cannot say "WHERE", hence plain SQL.
MUTED_INDEX = "subscriber_muted_notices_set"


async def _create_muted_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        f"CREATE INDEX IF NOT EXISTS {MUTED_INDEX} ON subscriber (id, muted_notices)"
        " WHERE muted_notices <> '';"
    )


async def _drop_muted_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {MUTED_INDEX};")


class Migration(migrations.Migration):
    dependencies = [('core', '0021_service_pause')]

    initial = False

    operations = [
        ops.RunPython(_create_muted_index, _drop_muted_index),
    ]
