from tortoise import migrations
from tortoise.migrations import operations as ops
from core.billing.enums import OrderKind, WalletEntryKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0010_login_links')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Order',
            name='kind',
            field=fields.CharEnumField(description='BUY_SERVICE: buy_service\nRENEW_SERVICE: renew_service\nBUY_TRAFFIC: buy_traffic\nBUY_TIMED_TRAFFIC: buy_timed_traffic\nCHANGE_SERVICE: change_service\nSTATIC_IP: static_ip\nDEPOSIT: deposit\nBILL: bill\nWALLET_TOPUP: wallet_topup', enum_type=OrderKind, max_length=20),
        ),
        ops.AlterField(
            model_name='WalletEntry',
            name='kind',
            field=fields.CharEnumField(description='PRORATION_CREDIT: proration_credit\nORDER_PAYMENT: order_payment\nREFUND: refund\nADJUSTMENT: adjustment\nTOPUP: topup', enum_type=WalletEntryKind, max_length=20),
        ),
    ]
