from tortoise import migrations
from tortoise.migrations import operations as ops
from core.billing.enums import BillState, OrderKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0007_staff_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PostpaidLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.OneToOneField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='postpaid', on_delete=OnDelete.CASCADE)),
                ('plan', fields.ForeignKeyField('core.Plan', source_field='plan_id', db_constraint=True, to_field='id', related_name='postpaid_lines', on_delete=OnDelete.CASCADE)),
                ('activated_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'postpaid_line', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A line billed after each period (postpaid): its plan and its activation date (the BAAB,'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Bill',
            name='due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Bill',
            name='isolated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Bill',
            name='issued_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Bill',
            name='paid_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Bill',
            name='period_key',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.AddField(
            model_name='Bill',
            name='state',
            field=fields.CharEnumField(null=True, db_index=True, description='OPEN: open\nPAID: paid\nOVERDUE: overdue', enum_type=BillState, max_length=8),
        ),
        ops.AddField(
            model_name='Bill',
            name='total',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Bill',
            name='vat',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddConstraint(
            model_name='Bill',
            constraint=UniqueConstraint(fields=('subscriber', 'period_key'), name=None),
        ),
        ops.AlterField(
            model_name='Order',
            name='kind',
            field=fields.CharEnumField(description='BUY_SERVICE: buy_service\nRENEW_SERVICE: renew_service\nBUY_TRAFFIC: buy_traffic\nBUY_TIMED_TRAFFIC: buy_timed_traffic\nCHANGE_SERVICE: change_service\nSTATIC_IP: static_ip\nDEPOSIT: deposit\nBILL: bill', enum_type=OrderKind, max_length=20),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='unpaid_bills_due',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
