"""随手拍: residents' photo reports, from chat to a closed loop.

Who calls whom:
- ``flows``: the resident's conversation and commands (随手拍, 我的上报, 查 A1234,
  满意/不满意/评分/没修好); ``draft``: the report's slots while it is being written.
- ``service``: the use cases chat, API, CLI and Open311 share (submit, find, duplicates, +1,
  confirm/reopen); ``queries``: what residents may see; ``render``: a case as chat text.
- ``lifecycle`` (every status change with its history), ``routing`` (who answers for a
  case), ``urgency`` (which staff pushes may not wait out the quiet hours), ``errors``.
- ``notify``: what reporters and supporters hear (the outbox); ``texts``: their zh-CN text.
- ``awards``: the points for a closed case; ``closing``: the 72 h auto-confirm; ``sla``:
  escalation past an SLA; ``scheduled``: the sweeps the scheduler runs for them.
- ``staff``: the staff side (commands, use cases, queue, notices); ``bulletin``: the
  weekly 周通报.
"""

from handlers.reports import flows
from handlers.reports.staff import flows as staff_flows

FLOWS = [*staff_flows.FLOWS, *flows.FLOWS]
