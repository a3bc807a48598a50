"""Everything the mini-program API says in its error bodies (``{"error": {"message": ...}}``),
in Simplified Chinese. Refusals of the use cases bring their own text from ``handlers``.

Placeholders are filled with ``str.format``; the codes next to them live at the raise sites.
"""

# -- the message of an HTTP status, when the error has none of its own -----------------------
INVALID_REQUEST = "请求内容有误"
TOO_MANY_REQUESTS = "请求太频繁，请稍后再试"
MESSAGES = {
    400: "请求格式不正确", 401: "请先登录", 403: "没有权限", 404: "没有找到",
    405: "不支持这个请求方法", 409: "当前状态不允许这个操作", 413: "上传的内容太大",
    415: "不支持的文件类型", 422: INVALID_REQUEST, 429: TOO_MANY_REQUESTS,
    500: "服务器出错了，请稍后再试", 503: "服务暂时不可用",
}
REQUEST_FAILED = "请求失败"
NO_SUCH_ENDPOINT = "没有这个接口"

# -- signing in, who may call --------------------------------------------------------------
LOGIN_FIRST = MESSAGES[401]
SESSION_EXPIRED = "登录已失效，请重新登录"
FORBIDDEN = "没有权限进行这个操作"
LOGIN_CODE_INVALID = "登录码无效或已过期，请重新登录"
LOGIN_CODE_USED = "登录码已用过，请重新登录"
LOGIN_TOO_OFTEN = "登录太频繁，请稍后再试"
WECHAT_UNAVAILABLE = "微信服务暂时不可用，请稍后再试"

# -- request bodies: JSON, forms, text --------------------------------------------------------
UNREADABLE_CHARACTERS = "请求中含有无法识别的字符"
DISALLOWED_CHARACTERS = "含有不允许的字符"
JSON_TOO_DEEP = "请求内容嵌套过深（最多 {depth} 层）"
JSON_MALFORMED = "请求内容不是有效的 JSON"
JSON_NOT_OBJECT = "请求内容应为 JSON 对象"
JSON_ONLY = "请以 application/json 提交"
MULTIPART_ONLY = "请以 multipart/form-data 上传"
MALFORMED_MULTIPART = "表单格式不正确：{error}"
FILE_FIELD = "文件应放在 {field} 字段"
FIELD_TOO_LONG = "字段 {field} 太长"
# One problem of a field in the details of 400 invalid_request, by pydantic's error type
# (``bot.api.inputs.problem``); {field} is the field's name, the rest pydantic's context.
PROBLEMS = {
    "missing": "缺少必填字段 {field}",
    "string_too_long": "{field} 最多 {max_length} 个字符",
    "string_too_short": "{field} 至少 {min_length} 个字符",
    "string_type": "{field} 应为文本",
    "string_pattern_mismatch": "{field} 的格式不正确",
    "too_long": "{field} 最多 {max_length} 项",
    "too_short": "{field} 至少 {min_length} 项",
    "int_parsing": "{field} 应为整数",
    "int_type": "{field} 应为整数",
    "int_from_float": "{field} 应为整数",
    "float_parsing": "{field} 应为数字",
    "float_type": "{field} 应为数字",
    "bool_parsing": "{field} 应为 true 或 false",
    "bool_type": "{field} 应为 true 或 false",
    "greater_than_equal": "{field} 应大于或等于 {ge}",
    "less_than_equal": "{field} 应小于或等于 {le}",
    "greater_than": "{field} 应大于 {gt}",
    "less_than": "{field} 应小于 {lt}",
    "finite_number": "{field} 应为有限的数字",
    "enum": "{field} 应为以下之一：{expected}",
    "literal_error": "{field} 应为以下之一：{expected}",
    "extra_forbidden": "不认识的字段 {field}",
    "date_parsing": "{field} 应为日期（如 2026-12-01）",
    "date_from_datetime_parsing": "{field} 应为日期（如 2026-12-01）",
    "datetime_parsing": "{field} 应为时间（如 2026-12-01T08:00:00+08:00）",
    "datetime_from_date_parsing": "{field} 应为时间（如 2026-12-01T08:00:00+08:00）",
    "list_type": "{field} 应为列表",
    "dict_type": "{field} 应为对象",
    "model_type": "{field} 应为对象",
    "json_invalid": "{field} 不是有效的 JSON",
}
PROBLEM_OTHER = "{field} 的值不正确"
BAD_CURSOR = "分页游标无效"
LAT_LNG_PAIR = "lat 和 lng 需要同时提供"

# -- photos --------------------------------------------------------------------------------
PHOTO_TYPE = "只接受 JPEG 或 PNG 格式的照片"
PHOTO_PIXELS = "照片像素太多（最多 {limit} 万像素），请缩小后再上传"
PHOTO_TOO_BIG = "照片不能超过 10 MB"
PHOTO_EMPTY = "照片是空的"
TOO_MANY_FILES = "最多上传 {count} 张照片"

# -- Idempotency-Key -----------------------------------------------------------------------
KEY_USED = "这个 Idempotency-Key 已用于其他请求"
KEY_REUSED = "这个 Idempotency-Key 已用于内容不同的请求"
BAD_KEY = "Idempotency-Key 应为 1-255 个可见 ASCII 字符"

# -- what a path names ---------------------------------------------------------------------
UNKNOWN_CASE = "没有找到这个案件，请核对编号。"
UNKNOWN_WISH = "没有找到这个心愿，请核对编号"
UNKNOWN_REWARD = "没有找到这件礼品"
ADMINS_ONLY_GRID = "只有管理员可以查看全部案件"
