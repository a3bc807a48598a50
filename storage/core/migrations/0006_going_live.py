from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0005_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AppOpenid',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.CharField(max_length=16)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('person_openid', fields.CharField(db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'person_app_openid', 'app': 'core', 'unique_together': (('person_openid', 'app'),), 'pk_attr': 'id', 'table_description': "A person's openid in another WeChat app than ``Person.app``: an alias of"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MediaBlob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('path', fields.CharField(unique=True, max_length=255)),
                ('content', fields.BinaryField()),
                ('content_type', fields.CharField(default='', max_length=32)),
                ('size', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'media_blob', 'app': 'core', 'pk_attr': 'id', 'table_description': "A stored photo's bytes when LINLI_MEDIA_STORE=database: keyed by the same relative"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Person',
            name='app',
            field=fields.CharField(default='oa', db_default='oa', max_length=16),
        ),
        ops.AddField(
            model_name='Person',
            name='unionid',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='SubscribeGrant',
            name='app',
            field=fields.CharField(default='miniapp', db_default='miniapp', max_length=16),
        ),
        ops.AddField(
            model_name='SubscribeGrant',
            name='long_term',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
