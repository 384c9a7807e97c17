from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0024_one_open_outage')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='card_customer_ref',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Order',
            name='card_method_ref',
            field=fields.CharField(null=True, max_length=128),
        ),
    ]
