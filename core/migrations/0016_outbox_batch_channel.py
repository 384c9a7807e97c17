from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0015_muted_notices')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='batch',
            field=fields.CharField(null=True, db_index=True, max_length=40),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharField(null=True, max_length=16),
        ),
    ]
