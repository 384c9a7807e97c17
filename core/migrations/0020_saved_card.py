from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0019_connection_check')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SavedCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscriber', fields.OneToOneField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='saved_card', on_delete=OnDelete.CASCADE)),
                ('gateway', fields.CharField(max_length=16)),
                ('customer_ref', fields.CharField(max_length=128)),
                ('setup_ref', fields.CharField(null=True, unique=True, max_length=128)),
                ('method_ref', fields.CharField(null=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('saved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'saved_card', 'app': 'core', 'pk_attr': 'id', 'table_description': "A card a subscriber saved for automatic renewals, as the provider's ids only (its"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AutoRenewal',
            name='charge_after',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
