from tortoise import migrations
from tortoise.migrations import operations as ops
from core.billing.enums import OrderKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_auto_20261206_0625')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Order',
            name='kind',
            field=fields.CharEnumField(description='BUY_SERVICE: buy_service\nRENEW_SERVICE: renew_service\nBUY_TRAFFIC: buy_traffic\nBUY_TIMED_TRAFFIC: buy_timed_traffic\nCHANGE_SERVICE: change_service\nSTATIC_IP: static_ip\nDEPOSIT: deposit', enum_type=OrderKind, max_length=20),
        ),
        ops.AlterField(
            model_name='Order',
            name='plan',
            field=fields.ForeignKeyField('core.Plan', source_field='plan_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='deposit_due',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='installation_fee_due',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
