from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0011_wallet_topup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AutoRenewal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.ForeignKeyField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='auto_renewals', on_delete=OnDelete.CASCADE)),
                ('period_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(max_length=16)),
                ('order', fields.ForeignKeyField('core.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='auto_renewal', on_delete=OnDelete.SET_NULL)),
                ('short', fields.BigIntField(default=0)),
                ('reason', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auto_renewal', 'app': 'core', 'unique_together': (('subscriber', 'period_end'),), 'pk_attr': 'id', 'table_description': "One automatic renewal's attempt, once per subscriber and end of service: unique, so a"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Subscriber',
            name='auto_renew',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='auto_renew_plan_code',
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
