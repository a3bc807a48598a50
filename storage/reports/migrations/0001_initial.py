from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from storage.reports.models import CaseStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Case',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=12)),
                ('reporter_openid', fields.CharField(db_index=True, max_length=64)),
                ('category_code', fields.CharField(db_index=True, max_length=32)),
                ('description', fields.TextField(default='', unique=False)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('address', fields.CharField(default='', max_length=255)),
                ('building_code', fields.CharField(null=True, max_length=32)),
                ('grid_code', fields.CharField(null=True, db_index=True, max_length=32)),
                ('community_code', fields.CharField(null=True, db_index=True, max_length=32)),
                ('compound_code', fields.CharField(null=True, max_length=32)),
                ('status', fields.CharEnumField(default=CaseStatus.SUBMITTED, db_index=True, description='SUBMITTED: submitted\nDISPATCHED: dispatched\nACCEPTED: accepted\nIN_PROGRESS: in_progress\nRESOLVED: resolved\nCLOSED: closed\nREOPENED: reopened\nMERGED: merged\nREJECTED: rejected\nHIDDEN: hidden', enum_type=CaseStatus, max_length=16)),
                ('assignee_openid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('responsible', fields.CharField(default='grid', max_length=12)),
                ('department', fields.CharField(null=True, max_length=64)),
                ('property_org', fields.CharField(null=True, max_length=64)),
                ('property_acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accept_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('resolve_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('confirm_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('escalation_level', fields.IntField(default=0)),
                ('overdue', fields.BooleanField(default=False)),
                ('last_escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accept_escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolve_escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('supporters_count', fields.IntField(default=0)),
                ('rating', fields.IntField(null=True)),
                ('auto_confirmed', fields.BooleanField(default=False)),
                ('reopen_count', fields.IntField(default=0)),
                ('merged_into', fields.CharField(null=True, max_length=12)),
                ('referral', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('dispatched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'report_case', 'app': 'reports', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CaseEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('reports.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor_openid', fields.CharField(default='system', max_length=64)),
                ('action', fields.CharField(max_length=32)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(null=True, max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'report_case_event', 'app': 'reports', 'pk_attr': 'id', 'table_description': "One line of a case's history."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Supporter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('reports.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='supporters', on_delete=OnDelete.CASCADE)),
                ('openid', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_supporter', 'app': 'reports', 'unique_together': (('case', 'openid'),), 'pk_attr': 'id', 'table_description': 'A resident who reported the same problem (+1) instead of opening a new case.'},
            bases=['Model'],
        ),
    ]
