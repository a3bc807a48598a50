from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0006_going_live')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersonConflict',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('oa_openid', fields.CharField(max_length=64)),
                ('miniapp_openid', fields.CharField(max_length=64)),
                ('unionid', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'person_conflict', 'app': 'core', 'unique_together': (('oa_openid', 'miniapp_openid'),), 'pk_attr': 'id', 'table_description': 'An Official Account openid and a mini-program openid WeChat says are one person (same'},
            bases=['Model'],
        ),
    ]
