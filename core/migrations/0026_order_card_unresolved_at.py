from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0025_order_card_refs')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='card_unresolved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
