from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0017_console_speed')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FaqEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('topic', fields.CharField(unique=True, max_length=60)),
                ('questions', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('answers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('link', fields.CharField(null=True, max_length=500)),
                ('picture_url', fields.CharField(null=True, max_length=500)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'faq_entry', 'app': 'core', 'pk_attr': 'id', 'table_description': 'One question people ask, in their words, and its answer, per language.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UnmatchedText',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('text', fields.CharField(max_length=500)),
                ('language', fields.CharField(max_length=5)),
                ('channel', fields.CharField(max_length=20)),
                ('best_label', fields.CharField(null=True, max_length=80)),
                ('best_score', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'unmatched_text', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A message the bot could not place, with digits, emails and ids scrubbed out.'},
            bases=['Model'],
        ),
    ]
