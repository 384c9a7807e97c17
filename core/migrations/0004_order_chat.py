from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0003_auto_20261206_0701')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='channel',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Order',
            name='chat_external_id',
            field=fields.CharField(null=True, max_length=128),
        ),
    ]
