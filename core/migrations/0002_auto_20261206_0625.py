from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='short_code',
            field=fields.CharField(null=True, unique=True, max_length=16),
        ),
    ]
