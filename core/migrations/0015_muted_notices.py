from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0014_email_channel')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Subscriber',
            name='muted_notices',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
    ]
