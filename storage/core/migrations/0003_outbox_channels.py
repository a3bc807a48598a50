from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_wishes_photos')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SubscribeGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(max_length=64)),
                ('template_id', fields.CharField(max_length=64)),
                ('remaining', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'subscribe_grant', 'app': 'core', 'unique_together': (('openid', 'template_id'),), 'pk_attr': 'id', 'table_description': 'One-time subscribe messages a person accepted and we have not used yet.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharField(default='', max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='claim',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='claimed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='subject',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='urgent',
            field=fields.BooleanField(default=False),
        ),
    ]
