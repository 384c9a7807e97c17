from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0008_postpaid_bills')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Subscriber',
            name='static_ip',
            field=fields.CharField(null=True, unique=True, max_length=45),
        ),
    ]
