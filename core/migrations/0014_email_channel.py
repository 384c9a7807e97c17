from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0013_staff_desk')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EmailCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.OneToOneField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='email_check', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=254)),
                ('code_hash', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'email_check', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A new email address waiting for the code sent to it, one per subscriber, until it'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Subscriber',
            name='email_bounce',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='email_bounced_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='email_notices',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='email_verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
