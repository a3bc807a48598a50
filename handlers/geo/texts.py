"""What people read about places (zh-CN): the name of a point in linli's own geography."""

NEAR_BUILDING = "{building}附近"
IN_COMPOUND = "{compound}内"
GRID = "{area} {grid} 网格"
NO_GRID = "{area}（未划网格）"
JOIN = " · "

# Refusals of names that do not exist, with what does (handlers/geo/known.py).
UNKNOWN_GRID = "没有网格 {code}；现有网格：{known}。"
UNKNOWN_ORG = "没有单位「{org}」；现有：{known}。"
UNKNOWN_BUILDING = "二维码里的楼栋 {code} 不在本服务的楼栋中，没有记下。请扫描楼道里张贴的二维码，或联系网格员。"
LIST_SEP = "、"
# A place outside every grid of the street and beyond the nearest-grid bound.
OUTSIDE = "这个位置不在{street}的服务范围内，本服务只受理{street}辖区内的问题。其他地方的问题请拨打 12345 市民服务热线。"
