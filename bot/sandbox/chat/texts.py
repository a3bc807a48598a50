"""What the web chat simulator shows (Simplified Chinese)."""

from __future__ import annotations

ACCOUNT = "邻里"

# The demo people of ``linli demo-data``: openid, who they are.
PEOPLE = [
    ("demo-resident", "居民"),
    ("demo-grid-g01", "网格员（G01）"),
    ("demo-property", "物业"),
    ("demo-admin", "社区管理员"),
    ("demo-volunteer", "志愿者"),
]

# How pushes are labelled, and the fields of the template and subscribe messages
# (bot.wechat.messenger fills them).
KIND_NAMES = {"text": "客服消息", "image": "客服消息", "template": "模板消息",
              "subscribe": "订阅消息"}
TEMPLATE_TITLE = "办理进度通知"
SUBSCRIBE_TITLE = "服务通知"
FIELD_NAMES = {
    "keyword1": "办理状态", "keyword2": "更新时间",
    "thing1": "事项", "phrase2": "状态", "thing3": "说明", "time4": "时间",
}

UPLOAD_REFUSED = "图片发送失败（{error}）"
NOT_AN_IMAGE = "请选择一张图片"
BAD_REQUEST = "请求格式不对"
