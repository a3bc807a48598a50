from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storage.core.models.photos import PhotoStatus
from storage.core.models.wishes import WishKind, WishStatus


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Photo',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('media_id', fields.CharField(unique=True, max_length=160)),
                ('owner_kind', fields.CharField(max_length=24)),
                ('owner_id', fields.CharField(max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=PhotoStatus.PENDING, description='PENDING: pending\nSTORED: stored\nEXPIRED: expired\nFAILED: failed', enum_type=PhotoStatus, max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('stored_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sha256', fields.CharField(null=True, db_index=True, max_length=64)),
                ('content_type', fields.CharField(default='', max_length=32)),
                ('size', fields.IntField(default=0)),
                ('path', fields.CharField(default='', max_length=255)),
                ('reused', fields.BooleanField(default=False)),
                ('reused_of_id', fields.BigIntField(null=True)),
                ('last_error', fields.CharField(default='', max_length=255)),
            ],
            options={'table': 'photo', 'app': 'core', 'indexes': [Index(fields=['owner_kind', 'owner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Volunteer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=64)),
                ('phone', fields.CharField(default='', max_length=32)),
                ('skills', fields.CharField(default='', max_length=128)),
                ('community', fields.CharField(null=True, max_length=64)),
                ('party_member', fields.BooleanField(default=False)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'volunteer', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A registered volunteer (志愿者注册), party members flagged.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Wish',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('status', fields.CharEnumField(default=WishStatus.SUBMITTED, db_index=True, description='SUBMITTED: submitted\nREJECTED: rejected\nOPEN: open\nCLAIMED: claimed\nFULFILLED: fulfilled\nCONFIRMED: confirmed\nCLOSED: closed\nCANCELLED: cancelled', enum_type=WishStatus, max_length=10)),
                ('kind', fields.CharEnumField(description='GOODS: goods\nHOME_SERVICE: home_service\nCOMPANY: company\nREPAIR: repair\nOTHER: other', enum_type=WishKind, max_length=12)),
                ('title', fields.CharField(max_length=60)),
                ('details', fields.CharField(default='', max_length=500)),
                ('photo_id', fields.BigIntField(null=True)),
                ('poster_openid', fields.CharField(db_index=True, max_length=64)),
                ('on_behalf', fields.BooleanField(default=False)),
                ('beneficiary_name', fields.CharField(default='', max_length=64)),
                ('beneficiary_openid', fields.CharField(null=True, max_length=64)),
                ('phone', fields.CharField(default='', max_length=32)),
                ('address', fields.CharField(default='', max_length=128)),
                ('community', fields.CharField(null=True, db_index=True, max_length=64)),
                ('grid', fields.CharField(null=True, db_index=True, max_length=32)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('needed_by', fields.DateField(null=True)),
                ('claimant_openid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claim_expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('claim_reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('proof_photo_id', fields.BigIntField(null=True)),
                ('proof_note', fields.CharField(default='', max_length=255)),
                ('fulfilled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('confirmed_by', fields.CharField(null=True, max_length=64)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('points', fields.IntField(null=True)),
                ('reject_reason', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wish', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WishEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('wish', fields.ForeignKeyField('core.Wish', source_field='wish_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('note', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wish_event', 'app': 'core', 'pk_attr': 'id', 'table_description': 'One change of a wish: who, when, what, why.'},
            bases=['Model'],
        ),
    ]
