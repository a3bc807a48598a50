"""随手拍: residents' photo reports, from chat to a closed loop.

Modules (who calls whom):
- ``flow``, ``resident``: the resident's conversation and commands (随手拍, 我的上报, 查 A1234,
  满意/不满意/没修好), the auto-confirm sweep and the points on closing.
- ``service``, ``lifecycle``, ``routing``, ``staff``, ``sla``: creating and dispatching cases, every
  status change with its history, staff commands, SLA escalation.
- ``support``: who may +1 a case (offered nearby, or within its radius of their location).
- ``notify``: what the reporter and supporters hear about their case (the outbox), and
  ``bulletin``: the weekly 周通报.
"""
