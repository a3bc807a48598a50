"""随手拍, the staff side: grid workers, property managers, departments and admins.

flows (the chat commands 接单, 处理中, 完成 + after-photo, 驳回, 转派, 报到, 我的待办, 案件),
service (what those commands do to a case, also called by the API), auth (who may act on a
case, how staff are named), queries (the 我的待办 queue and the staff view of one case),
render (the 我的待办 text), notify (what staff hear through the outbox), texts (zh-CN),
scope (which cases a staff member sees in the console), steer (the console's 派单/转派, 督办,
催办, 隐藏, 核查 and internal notes) and review (when a resolution waits for 核查, who reviews).
``flows.FLOWS`` joins the domain's ``handlers.reports.FLOWS``.
"""
