from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0009_static_ip_unique')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.ForeignKeyField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='login_links', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.CharField(null=True, max_length=150)),
            ],
            options={'table': 'login_link', 'app': 'core', 'pk_attr': 'id', 'table_description': "A one-time link that logs a chat in without the password (from an SMS or the ISP's"},
            bases=['Model'],
        ),
    ]
