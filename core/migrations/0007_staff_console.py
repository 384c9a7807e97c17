from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.accounts.enums import Language
from core.staff.roles import StaffRole
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0006_auto_20261206_0758')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=40)),
                ('full_name', fields.CharField(default='', max_length=120)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nOPERATOR: operator\nBILLING: billing\nAGENT: agent', enum_type=StaffRole, max_length=10)),
                ('password_hash', fields.CharField(max_length=255)),
                ('language', fields.CharEnumField(default=Language.EN, description='FA: fa\nID: id\nEN: en', enum_type=Language, max_length=2)),
                ('totp_secret', fields.CharField(null=True, max_length=64)),
                ('totp_last_step', fields.BigIntField(null=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_member', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('core.StaffMember', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(max_length=40)),
                ('action', fields.CharField(max_length=40)),
                ('target_type', fields.CharField(max_length=20)),
                ('target_id', fields.CharField(max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entry', 'app': 'core', 'indexes': [Index(fields=['target_type', 'target_id', 'at'])], 'pk_attr': 'id', 'table_description': "One change a staff member (or the command line) made, written in the change's own"},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='ChatIdentity',
            index=Index(fields=['last_seen_at']),
        ),
        ops.AddIndex(
            model_name='InboxMessage',
            index=Index(fields=['sent_at']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['created_at']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['paid_at']),
        ),
        ops.AlterField(
            model_name='Subscriber',
            name='national_id',
            field=fields.CharField(null=True, db_index=True, max_length=20),
        ),
    ]
