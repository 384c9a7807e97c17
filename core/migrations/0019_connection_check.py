from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0018_faq_and_unmatched_texts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutageWatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('outage', fields.ForeignKeyField('core.Outage', source_field='outage_id', db_constraint=True, to_field='id', related_name='watches', on_delete=OnDelete.CASCADE)),
                ('subscriber', fields.ForeignKeyField('core.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outage_watch', 'app': 'core', 'unique_together': (('outage_id', 'subscriber_id'),), 'pk_attr': 'id', 'table_description': 'A subscriber to tell when an outage is repaired.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Ticket',
            name='diagnosis',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='outage',
            field=fields.ForeignKeyField('core.Outage', source_field='outage_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL),
        ),
    ]
