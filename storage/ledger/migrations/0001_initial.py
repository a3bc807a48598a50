from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storage.ledger.models import AccountKind, AwardOutcome, RedemptionStatus, TransferStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=96)),
                ('unit', fields.CharField(max_length=32)),
                ('kind', fields.CharEnumField(description='ISSUANCE: issuance\nWALLET: wallet\nSTOCK: stock\nSINK: sink', enum_type=AccountKind, max_length=10)),
                ('openid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('allow_negative', fields.BooleanField(default=False)),
                ('balance', fields.BigIntField(default=0)),
                ('reserved', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_account', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'One account of one unit (``unit``: "points" or "reward:<id>").'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChainHead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(default=0)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'ledger_chain_head', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'The single row (id 1) every chain append locks, holding the last ``seq`` and hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExpiryNotice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(max_length=64)),
                ('expires_on', fields.DateField()),
                ('amount', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_expiry_notice', 'app': 'ledger', 'unique_together': (('openid', 'expires_on'),), 'pk_attr': 'id', 'table_description': 'A reminder about points expiring on ``expires_on``, one per person and date.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('cost', fields.IntField()),
                ('per_person_limit', fields.IntField(null=True)),
                ('available_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('available_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pickup_place', fields.CharField(max_length=128)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_reward', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'A reward residents can redeem. Its stock is the ledger account ``reward:<id>:stock``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Transfer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=24)),
                ('debit', fields.ForeignKeyField('ledger.Account', source_field='debit_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('credit', fields.ForeignKeyField('ledger.Account', source_field='credit_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('status', fields.CharEnumField(description='PENDING: pending\nPOSTED: posted\nVOIDED: voided', enum_type=TransferStatus, max_length=8)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('rule', fields.CharField(null=True, max_length=64)),
                ('reverses', fields.ForeignKeyField('ledger.Transfer', source_field='reverses_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.NO_ACTION)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_transfer', 'app': 'ledger', 'indexes': [Index(fields=['debit_id', 'status'])], 'pk_attr': 'id', 'table_description': 'Move ``amount`` from ``debit`` to ``credit``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Award',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('rule', fields.CharField(max_length=64)),
                ('openid', fields.CharField(max_length=64)),
                ('subject', fields.CharField(max_length=96)),
                ('amount', fields.IntField()),
                ('outcome', fields.CharEnumField(description='AWARDED: awarded\nCAPPED: capped\nNO_POINTS: no_points', enum_type=AwardOutcome, max_length=10)),
                ('detail', fields.CharField(default='', max_length=64)),
                ('transfer', fields.ForeignKeyField('ledger.Transfer', source_field='transfer_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_award', 'app': 'ledger', 'indexes': [Index(fields=['openid', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One application of an earning rule, recorded even when it earned nothing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Entry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(unique=True)),
                ('transfer', fields.ForeignKeyField('ledger.Transfer', source_field='transfer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'ledger_entry', 'app': 'ledger', 'indexes': [Index(fields=['account_id', 'seq'])], 'pk_attr': 'id', 'table_description': 'One leg of a posted transfer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Redemption',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('openid', fields.CharField(max_length=64)),
                ('reward', fields.ForeignKeyField('ledger.Reward', source_field='reward_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('cost', fields.IntField()),
                ('code', fields.CharField(db_index=True, max_length=6)),
                ('active_code', fields.CharField(null=True, unique=True, max_length=6)),
                ('status', fields.CharEnumField(description='PENDING: pending\nPICKED_UP: picked_up\nEXPIRED: expired', enum_type=RedemptionStatus, max_length=10)),
                ('points_transfer', fields.ForeignKeyField('ledger.Transfer', source_field='points_transfer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('stock_transfer', fields.ForeignKeyField('ledger.Transfer', source_field='stock_transfer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('picked_up_by', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'ledger_redemption', 'app': 'ledger', 'indexes': [Index(fields=['openid', 'reward_id'])], 'pk_attr': 'id', 'table_description': 'A reservation of ``cost`` points and one unit of a reward, with its pickup code.'},
            bases=['Model'],
        ),
    ]
