from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# The console's speed at a million subscribers (bench/staff_pages.py): the dashboard's figures
# kept by the worker, a subscriber's orders, tickets, documents, wallet and history found by
# index (their page read every order of everyone), and a trigram index that finds part of a
# name without reading every row.
# The index is PostgreSQL's own (pg_trgm, a trusted extension since PostgreSQL 13: the
# database's owner may create it); SQLite matches names with a plain LIKE over its rows.
TRIGRAM_INDEX = "subscriber_full_name_trgm"


async def _create_trigram_index(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON subscriber"
        " USING gin (full_name gin_trgm_ops);"
    )


async def _drop_trigram_index(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX};")


class Migration(migrations.Migration):
    dependencies = [('core', '0016_outbox_batch_channel')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DashboardSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=8)),
                ('zone', fields.CharField(max_length=64)),
                ('figures', fields.TextField(unique=False)),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dashboard_snapshot', 'app': 'core', 'unique_together': (('period', 'zone'),), 'pk_attr': 'id', 'table_description': "The dashboard's figures for one period as last counted (core/staff/dashboard_snapshots.py):"},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['subscriber_id']),
        ),
        ops.AddIndex(
            model_name='LineStatusChange',
            index=Index(fields=['subscriber_id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['subscriber_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['subscriber_id']),
        ),
        ops.AddIndex(
            model_name='WalletEntry',
            index=Index(fields=['subscriber_id']),
        ),
        ops.RunPython(_create_trigram_index, _drop_trigram_index),
    ]
