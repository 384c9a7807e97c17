from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0025_order_card_refs')]

    initial = False

    operations = [
        ops.AddField(
            model_name='UsageSession',
            name='end_presumed',
            field=fields.BooleanField(default=False),
        ),
    ]
