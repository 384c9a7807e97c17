from tortoise import migrations
from tortoise.migrations import operations as ops
from core.accounts.enums import Language
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0012_auto_renewal')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CannedReply',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('language', fields.CharEnumField(description='FA: fa\nID: id\nEN: en', enum_type=Language, max_length=2)),
                ('title', fields.CharField(max_length=80)),
                ('body', fields.TextField(unique=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'canned_reply', 'app': 'core', 'indexes': [Index(fields=['language', 'active', 'title'])], 'pk_attr': 'id', 'table_description': 'A reply the support team keeps ready, in one language: the console offers those of a'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Document',
            name='reviewed_by',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['status', 'uploaded_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['status', 'reviewed_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['status', 'updated_at', 'id']),
        ),
        ops.AddField(
            model_name='TicketMessage',
            name='staff_member',
            field=fields.ForeignKeyField('core.StaffMember', source_field='staff_member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
    ]
