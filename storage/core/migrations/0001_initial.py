import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from storage.core.models.messages import OutboxStatus
from storage.core.models.people import Role


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('openid', fields.CharField(db_index=True, max_length=64)),
                ('kind', fields.CharField(default='text', max_length=16)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nSENT: sent\nFAILED: failed', enum_type=OutboxStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A message to push to a person through the WeChat API, written before it is sent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('role', fields.CharEnumField(default=Role.RESIDENT, description='RESIDENT: resident\nVOLUNTEER: volunteer\nGRID_WORKER: grid_worker\nPROPERTY_MANAGER: property_manager\nDEPARTMENT: department\nADMIN: admin', enum_type=Role, max_length=20)),
                ('name', fields.CharField(default='', max_length=64)),
                ('phone', fields.CharField(default='', max_length=32)),
                ('grid', fields.CharField(null=True, max_length=32)),
                ('org', fields.CharField(null=True, max_length=64)),
                ('building', fields.CharField(null=True, max_length=64)),
                ('subscribed', fields.BooleanField(default=True)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProcessedMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedup_key', fields.CharField(unique=True, max_length=160)),
                ('openid', fields.CharField(db_index=True, max_length=64)),
                ('reply', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'processed_message', 'app': 'core', 'pk_attr': 'id', 'table_description': 'One row per inbound message that changed something: the database half of dedup.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffInvite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hash', fields.CharField(db_index=True, max_length=64)),
                ('role', fields.CharEnumField(description='RESIDENT: resident\nVOLUNTEER: volunteer\nGRID_WORKER: grid_worker\nPROPERTY_MANAGER: property_manager\nDEPARTMENT: department\nADMIN: admin', enum_type=Role, max_length=20)),
                ('name', fields.CharField(max_length=64)),
                ('grid', fields.CharField(null=True, max_length=32)),
                ('org', fields.CharField(null=True, max_length=64)),
                ('created_by', fields.CharField(default='cli', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'staff_invite', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A one-time binding code. Only its hash is stored.'},
            bases=['Model'],
        ),
    ]
