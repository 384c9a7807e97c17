from tortoise import migrations
from tortoise.migrations import operations as ops
from core.accounts.enums import RejectReason
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0004_order_chat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OwnerCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.OneToOneField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='owner_check', on_delete=OnDelete.CASCADE)),
                ('field', fields.CharField(max_length=16)),
                ('new_value', fields.CharField(null=True, max_length=20)),
                ('code_hash', fields.CharField(null=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'owner_check', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A change of a detail a password reset trusts (the mobile, the national ID), under way:'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Document',
            name='reject_code',
            field=fields.CharEnumField(null=True, description='ILLEGIBLE: illegible\nWRONG_DOCUMENT: wrong_document\nEXPIRED: expired\nNAME_MISMATCH: name_mismatch\nINCOMPLETE: incomplete\nOTHER: other', enum_type=RejectReason, max_length=20),
        ),
        ops.AddField(
            model_name='Ticket',
            name='related_service',
            field=fields.CharField(null=True, max_length=40),
        ),
    ]
