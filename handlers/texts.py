"""Every sentence the bot says in the core conversation, in Simplified Chinese."""

WELCOME = (
    "欢迎关注邻里！这里是社区居民参与平台。\n"
    "· 发现问题？直接发一张照片，或回复「随手拍」\n"
    "· 需要帮助？回复「许愿」发布微心愿\n"
    "· 回复「积分」查看积分，「兑换」兑换礼品\n"
    "回复「帮助」随时查看全部功能。"
)
WELCOME_BUILDING = "已为您关联楼栋：{building}。以后上报问题可以直接选择本楼。"

MENU_RESIDENT = (
    "邻里 · 功能菜单\n"
    "【随手拍】发照片或回复「随手拍」上报问题\n"
    "【我的上报】查看上报进度\n"
    "【微心愿】回复「许愿」发布心愿，「心愿墙」查看\n"
    "【志愿者】回复「志愿者注册」加入志愿者队伍，认领心愿帮办\n"
    "【积分】查看积分，「兑换」兑换礼品，「我的兑换」查看核销码\n"
    "【取消】退出当前操作\n"
    "工作人员请回复「绑定 六位邀请码」。"
)
MENU_STAFF = (
    "\n\n工作人员功能\n"
    "【我的待办】查看待处理事项\n"
    "【接单 / 处理中 / 完成 编号】处理案件\n"
    "【驳回 编号 原因】退回不属于处理范围的案件\n"
    "【转派 编号 物业/部门】吹哨转派\n"
    "【报到 编号】物业报到并接单\n"
    "【案件 编号】查看案件详情、照片和经过\n"
    "【核销 六位核销码】服务站发放兑换的礼品（社区管理员、网格员）\n"
    "【后台】获取指挥中心（网页后台）的登录链接"
)
MENU_ADMIN = "\n【待审心愿】审核微心愿"

UNKNOWN = "抱歉，没有看懂「{text}」。回复「帮助」查看能做什么，或直接发照片上报问题。"
UNKNOWN_MEDIA = "收到啦。如需上报问题，请先回复「随手拍」或直接发照片；回复「帮助」查看全部功能。"
CANCELLED = "已取消当前操作。回复「帮助」查看全部功能。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。回复「帮助」查看全部功能。"
STAFF_ONLY = "该功能仅限工作人员使用。如您是工作人员，请回复「绑定 六位邀请码」。"
NOT_ALLOWED = "您没有权限进行此操作。"
BAD_LOCATION = "没能读出这个位置，请重新发送：点对话框「+」→「位置」，在地图上选好地点后发送。"
BUSY = "系统繁忙，请稍后再试。给您带来不便，敬请谅解。"
NOT_UNDERSTOOD = "没有看懂。"
STEP_NOT_UNDERSTOOD = NOT_UNDERSTOOD + "{prompt}\n（回复「取消」可退出）"
NEEDS_ARGUMENT = "请在「{keyword}」后面加上{what}，例如：{example}"
DID_YOU_MEAN = "抱歉，没有看懂「{text}」。您是不是想说「{command}」？回复「帮助」查看全部功能。"
EXPIRED = "您上次的操作已超过 {minutes} 分钟未完成，已失效。请重新开始，回复「帮助」查看全部功能。"

# -- photos (photos, photo_access) ------------------------------------------------------------
PHOTO_UNKNOWN = "没有这张照片"
PHOTO_NOT_READY = "照片还在从微信下载，请稍后再看"
UPLOAD_UNKNOWN = "照片不存在或已使用：{media_id}"
# The photos sweep found a photo it cannot use (not a JPG/PNG, over 10 MB, unreadable).
PHOTO_REFUSED = ("您为{what}发送的一张照片无法使用（只能使用 10 MB 以内的 JPG 或 PNG 照片），没有保存，"
                 "其余内容不受影响。请另拍一张照片再发送。")
PHOTO_OWNERS = {"report": "随手拍 {id}", "report_after": "案件 {id} 的处理后照片",
                "wish": "心愿 {id}", "wish_proof": "心愿 {id} 的完成凭证"}

BIND_NEED_CODE = "请回复「绑定」加六位邀请码，例如：绑定 123456"
BIND_BAD_FORMAT = "邀请码是六位数字，请检查后重试，例如：绑定 123456"
BIND_WRONG = "邀请码不正确，请核对后重试。"
BIND_EXPIRED = "该邀请码已过期，请联系社区管理员重新生成。"
BIND_USED = "该邀请码已被使用，请联系社区管理员重新生成。"
BIND_TOO_MANY = "尝试次数过多，请一小时后再试。"
BIND_PAUSED = "近期错误的邀请码过多，为保护账号安全，绑定已暂停，请稍后再试（约 {minutes} 分钟后）。"
BIND_OK = "绑定成功！{name}，您的身份是「{role}」{scope}。回复「帮助」查看工作人员功能。"

# -- 后台: the web console's one-time sign-in link (console_access) ---------------------------
CONSOLE_LINK = ("指挥中心登录链接（{minutes} 分钟内有效，只能使用一次）：\n{url}\n"
                "请在电脑或手机浏览器中打开。此链接等同于您的登录凭证，请勿转发给他人。")
CONSOLE_NOT_STAFF = "该功能仅限工作人员使用。"

ROLE_NAMES = {
    "resident": "居民",
    "volunteer": "志愿者",
    "grid_worker": "网格员",
    "property_manager": "物业",
    "department": "职能部门",
    "admin": "社区管理员",
}

# How a person without a name appears to others (handlers.masking.mask_name).
NO_NAME = "居民"

# -- withdrawing a staff role (handlers.staff.withdraw_role), the console's 人员 page -----------
WITHDRAW_NOT_STAFF = "此人不是工作人员，没有可撤销的角色。"
WITHDRAW_SELF = "不能撤销自己的角色，请由其他管理员操作。"
STAFF_ADMINS_ONLY = "只有社区或街道管理员可以管理人员。"
STREET_ADMIN_ONLY = "只有街道管理员可以邀请或撤销社区管理员。"
