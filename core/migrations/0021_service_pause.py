from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.billing.enums import WalletEntryKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0020_saved_card')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServicePause',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.ForeignKeyField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.CASCADE)),
                ('days', fields.IntField()),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resume_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resumed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resumed_by', fields.CharField(null=True, max_length=12)),
                ('fee', fields.BigIntField(default=0)),
                ('currency', fields.CharField(max_length=3)),
                ('subscription', fields.ForeignKeyField('core.Subscription', source_field='subscription_id', null=True, db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.SET_NULL)),
                ('bucket_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'service_pause', 'app': 'core', 'indexes': [Index(fields=['subscriber_id', 'started_at']), Index(fields=['resumed_at', 'resume_at'])], 'pk_attr': 'id', 'table_description': "A subscriber's pause of the service (core/billing/pauses.py): the days asked, when it"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Subscriber',
            name='paused_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='WalletEntry',
            name='kind',
            field=fields.CharEnumField(description='PRORATION_CREDIT: proration_credit\nORDER_PAYMENT: order_payment\nREFUND: refund\nADJUSTMENT: adjustment\nTOPUP: topup\nPAUSE_FEE: pause_fee', enum_type=WalletEntryKind, max_length=20),
        ),
    ]
