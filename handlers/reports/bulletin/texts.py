"""What the weekly bulletin (周通报) says, in Simplified Chinese."""

# -- weekly bulletin (周通报) ---------------------------------------------------------------
B_TITLE = "邻里周通报 {week}（{start} 至 {end}）"
B_TOTAL = "全街道：上报 {cases} 件，受理用时中位数 {accept}，按时办结率 {sla}，返工率 {reopen}，满意度 {rating}"
B_COMMUNITIES = "【各社区】"
B_GRIDS = "【各网格】"
B_UNIT = "{name}：上报 {cases} 件，受理 {accept}，按时办结 {sla}，返工 {reopen}，满意度 {rating}"
B_RANKING = "【排名】按时办结率（上报不少于 {minimum} 件的单位）"
B_RANK = "{rank}. {name} {sla}（受理 {accept}）"
B_NO_RANKING = "本周没有上报达到 {minimum} 件的单位，不排名。"
B_WISHES = "【微心愿】本周完成 {total} 个：{by_community}"
B_NO_WISHES = "【微心愿】本周完成 0 个。"
B_NOTE = ("注：上报按提交时间统计；受理用时、按时办结、返工、满意度分别按本周受理、办结、"
          "重新办理、评价的案件统计。")
B_NONE = "—"
B_NO_GRID = "未划网格"
B_NOTICE_STATUS = "已发布"
B_NOTICE_TEXT = "本周上报 {cases} 件，按时办结率 {sla}"
