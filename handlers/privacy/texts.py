"""Everything people read about their data, in one place (zh-CN)."""

from __future__ import annotations

EXPORT_SUMMARY_HEAD = "您在邻里的数据："
