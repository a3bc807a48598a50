"""Tortoise models of the district's geography and the report taxonomy (app label ``geo``).

Street (街道) → Community (社区) → Grid (网格) → Building (楼栋); a Compound (小区) belongs to a
community and is looked after by one property company (物业). Geometries are GeoJSON texts in
GCJ-02 lon/lat (the coordinates WeChat location messages carry), see ``handlers/geo``.
Business logic lives in ``handlers/geo``; these are plain tables.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Street(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    geometry = fields.TextField(null=True)  # GeoJSON (Multi)Polygon, optional
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "geo_street"


class Community(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    street: fields.ForeignKeyRelation[Street] = fields.ForeignKeyField(
        "geo.Street", related_name="communities", on_delete=fields.RESTRICT)
    geometry = fields.TextField(null=True)
    # Who gets what no grid covers, and escalations: the community admin.
    admin_name = fields.CharField(max_length=64, default="")
    admin_phone = fields.CharField(max_length=32, default="")
    admin_openid = fields.CharField(max_length=64, null=True)
    # 核查: a resolution here is reviewed by someone other than its resolver before the
    # resident is asked to confirm (as for a category with ``Category.review_required``).
    review_required = fields.BooleanField(default=False, db_default=False)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "geo_community"


class Grid(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # "G01": Person.grid of its workers
    name = fields.CharField(max_length=64)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "geo.Community", related_name="grids", on_delete=fields.RESTRICT)
    geometry = fields.TextField()  # GeoJSON Polygon or MultiPolygon
    # The deputy (网格员 B角) who covers for the grid's workers and hears escalations.
    deputy_name = fields.CharField(max_length=64, default="")
    deputy_phone = fields.CharField(max_length=32, default="")
    deputy_openid = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "geo_grid"


class Compound(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "geo.Community", related_name="compounds", on_delete=fields.RESTRICT)
    geometry = fields.TextField(null=True)  # GeoJSON (Multi)Polygon, optional
    property_company = fields.CharField(max_length=64, default="")  # 物业公司
    # Person.org of the compound's property managers, e.g. "长春万科物业 · 明珠小区".
    property_org = fields.CharField(max_length=64, null=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "geo_compound"


class Building(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # "B12-3": the QR scene of Person.building
    name = fields.CharField(max_length=64)
    grid: fields.ForeignKeyRelation[Grid] = fields.ForeignKeyField(
        "geo.Grid", related_name="buildings", on_delete=fields.RESTRICT)
    compound: fields.ForeignKeyNullableRelation[Compound] = fields.ForeignKeyField(
        "geo.Compound", related_name="buildings", null=True, on_delete=fields.SET_NULL)
    geometry = fields.TextField()  # GeoJSON Point or Polygon
    # A representative point of the geometry (the point itself, or a point inside the polygon).
    lat = fields.FloatField()
    lng = fields.FloatField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "geo_building"


class Responsible(StrEnum):
    GRID = "grid"  # the grid's worker
    PROPERTY = "property"  # the compound's property company
    DEPARTMENT = "department"  # a district department (``Category.department``)


class Category(Model):
    """A kind of problem residents report, with who answers for it and how fast."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=32)
    responsible = fields.CharEnumField(Responsible, max_length=12)
    # The department that handles it (responsible = department), or that is whistled to (吹哨)
    # when the grid or the property cannot solve it. Matches Person.org of department staff.
    department = fields.CharField(max_length=64, null=True)
    accept_sla_hours = fields.IntField()
    resolve_sla_hours = fields.IntField()
    duplicate_radius_m = fields.IntField(default=100)  # 0: never offered as a duplicate
    active = fields.BooleanField(default=True)
    sort_order = fields.IntField(default=0)
    description = fields.CharField(max_length=255, default="")
    review_required = fields.BooleanField(default=False, db_default=False)  # 核查
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "geo_category"


# What tortoise discovers, children before parents: whatever empties the tables in this order
# (the SQLite test fixture does) never trips a RESTRICT foreign key.
__models__ = [Building, Compound, Grid, Community, Street, Category]
