from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0026_order_card_unresolved_at')]

    initial = False

    operations = [
        ops.AddField(
            model_name='UsageSession',
            name='end_presumed',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
