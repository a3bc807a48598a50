from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('geo', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Category',
            name='review_required',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Community',
            name='review_required',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
