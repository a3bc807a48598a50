from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from storage.geo.models import Responsible


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=32)),
                ('responsible', fields.CharEnumField(description='GRID: grid\nPROPERTY: property\nDEPARTMENT: department', enum_type=Responsible, max_length=12)),
                ('department', fields.CharField(null=True, max_length=64)),
                ('accept_sla_hours', fields.IntField()),
                ('resolve_sla_hours', fields.IntField()),
                ('duplicate_radius_m', fields.IntField(default=100)),
                ('active', fields.BooleanField(default=True)),
                ('sort_order', fields.IntField(default=0)),
                ('description', fields.CharField(default='', max_length=255)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_category', 'app': 'geo', 'pk_attr': 'id', 'table_description': 'A kind of problem residents report, with who answers for it and how fast.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Street',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('geometry', fields.TextField(null=True, unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_street', 'app': 'geo', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Community',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('street', fields.ForeignKeyField('geo.Street', source_field='street_id', db_constraint=True, to_field='id', related_name='communities', on_delete=OnDelete.RESTRICT)),
                ('geometry', fields.TextField(null=True, unique=False)),
                ('admin_name', fields.CharField(default='', max_length=64)),
                ('admin_phone', fields.CharField(default='', max_length=32)),
                ('admin_openid', fields.CharField(null=True, max_length=64)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_community', 'app': 'geo', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Compound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('community', fields.ForeignKeyField('geo.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='compounds', on_delete=OnDelete.RESTRICT)),
                ('geometry', fields.TextField(null=True, unique=False)),
                ('property_company', fields.CharField(default='', max_length=64)),
                ('property_org', fields.CharField(null=True, db_index=True, max_length=64)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_compound', 'app': 'geo', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grid',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('community', fields.ForeignKeyField('geo.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='grids', on_delete=OnDelete.RESTRICT)),
                ('geometry', fields.TextField(unique=False)),
                ('deputy_name', fields.CharField(default='', max_length=64)),
                ('deputy_phone', fields.CharField(default='', max_length=32)),
                ('deputy_openid', fields.CharField(null=True, max_length=64)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_grid', 'app': 'geo', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Building',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('grid', fields.ForeignKeyField('geo.Grid', source_field='grid_id', db_constraint=True, to_field='id', related_name='buildings', on_delete=OnDelete.RESTRICT)),
                ('compound', fields.ForeignKeyField('geo.Compound', source_field='compound_id', null=True, db_constraint=True, to_field='id', related_name='buildings', on_delete=OnDelete.SET_NULL)),
                ('geometry', fields.TextField(unique=False)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'geo_building', 'app': 'geo', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
