from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('reports', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Supporter',
            name='via',
            field=fields.CharField(default='unknown', db_default='unknown', max_length=16),
        ),
        # Supporters from before the rule keep earning their points: they are "legacy".
        ops.RunSQL("UPDATE report_supporter SET via = 'legacy'", reverse_sql=""),
    ]
