"""The wish conversations in chat: 许愿 (post), 志愿者注册 (volunteer), 心愿墙, 我的认领 and
查看心愿 (wall), 认领, 放弃, 完成, 确认心愿, 未完成, 取消心愿 (claims), 待审心愿, 通过, 退回
(admin); the helpers their steps share (steps). Steps call ``service`` and ``queries`` and
reply with ``render`` and ``texts``.
"""

from handlers.wishes.flows import admin, claims, post, volunteer, wall

FLOWS = [*post.FLOWS, *volunteer.FLOWS, *wall.FLOWS, *claims.FLOWS, *admin.FLOWS]
