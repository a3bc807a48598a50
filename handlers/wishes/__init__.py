"""微心愿: residents' small wishes fulfilled by volunteers.

flows: post (许愿), volunteer (志愿者注册), wall (心愿墙, 我的认领, 查看心愿), actions (认领,
放弃, 完成, 确认心愿, 未完成, 取消心愿), admin (待审心愿, 通过, 退回); use cases: service
(draft, post, approve, reject, cancel), claims, awards, volunteer.register, and the queries
and visibility rules in wall - the chat's steps and the mini-program API both call them;
sweeps: scheduled; bulletin counts: stats; all Chinese text: texts.
"""

from handlers.wishes import actions, admin, post, volunteer, wall

FLOWS = [*post.FLOWS, *volunteer.FLOWS, *wall.FLOWS, *actions.FLOWS, *admin.FLOWS]
