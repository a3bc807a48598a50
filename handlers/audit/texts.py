"""The audit log's words (审计): each action's label."""

ACTION_NAMES: dict[str, str] = {
    "login": "登录",
    "logout": "退出登录",
    "view_private": "查看个人信息",
    "view_case": "查看案件",
    "assign": "派单/转派",
    "supervise": "督办",
    "remind": "催办",
    "reject": "驳回",
    "hide": "隐藏",
    "review": "核查",
    "note": "内部备注",
    "intake": "代录",
    "export_csv": "导出表格",
    "wish_approve": "通过心愿",
    "wish_reject": "退回心愿",
    "wish_post": "代发心愿",
}
