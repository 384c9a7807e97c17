from tortoise import migrations
from tortoise.migrations import operations as ops
from core.accounts.enums import RejectReason
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0003_auto_20261206_0701')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Document',
            name='reject_code',
            field=fields.CharEnumField(null=True, description='ILLEGIBLE: illegible\nWRONG_DOCUMENT: wrong_document\nEXPIRED: expired\nNAME_MISMATCH: name_mismatch\nINCOMPLETE: incomplete\nOTHER: other', enum_type=RejectReason, max_length=20),
        ),
    ]
