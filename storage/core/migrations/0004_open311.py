from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0003_outbox_channels')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Open311Key',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=40)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'open311_key', 'app': 'core', 'pk_attr': 'id', 'table_description': 'An API key of an Open311 client. Only the SHA-256 of the key is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Open311Request',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case_number', fields.CharField(unique=True, max_length=12)),
                ('token', fields.CharField(unique=True, max_length=32)),
                ('key', fields.ForeignKeyField('core.Open311Key', source_field='key_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.CharField(default='', max_length=64)),
                ('media_url', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'open311_request', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A case posted through Open311, with the token that also leads to it.'},
            bases=['Model'],
        ),
    ]
