from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.reports.models import CaseSource, CaseStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('reports', '0002_supporter_via')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CaseContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.OneToOneField('reports.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='contact', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=64)),
                ('phone', fields.CharField(default='', max_length=32)),
                ('entered_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_case_contact', 'app': 'reports', 'pk_attr': 'id', 'table_description': 'The caller of a case entered by an operator (代录): private, shown to staff who may act'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Case',
            name='status',
            field=fields.CharEnumField(default=CaseStatus.SUBMITTED, db_index=True, description='SUBMITTED: submitted\nDISPATCHED: dispatched\nACCEPTED: accepted\nIN_PROGRESS: in_progress\nREVIEWING: reviewing\nRESOLVED: resolved\nCLOSED: closed\nREOPENED: reopened\nMERGED: merged\nREJECTED: rejected\nHIDDEN: hidden', enum_type=CaseStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Case',
            name='source',
            field=fields.CharEnumField(default=CaseSource.CHAT, db_index=True, description='CHAT: chat\nMINIAPP: miniapp\nOPEN311: open311\nHOTLINE: hotline\nVISIT: visit', db_default='chat', enum_type=CaseSource, max_length=12),
        ),
        ops.AddField(
            model_name='Case',
            name='supervised_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
