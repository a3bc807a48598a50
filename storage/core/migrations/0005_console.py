from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0004_open311')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor_openid', fields.CharField(db_index=True, max_length=64)),
                ('action', fields.CharField(db_index=True, max_length=32)),
                ('target', fields.CharField(default='', db_index=True, max_length=32)),
                ('community', fields.CharField(null=True, db_index=True, max_length=32)),
                ('detail', fields.TextField(default='', unique=False)),
                ('ip', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'audit_log', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsoleLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('openid', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'console_link', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
