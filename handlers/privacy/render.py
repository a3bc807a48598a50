"""我的数据's chat summary: counts per kind in Chinese, then the download link."""

from __future__ import annotations

from handlers.privacy import texts
from handlers.privacy.queries import Export


def summary(found: Export, url: str) -> str:
    lines = [texts.EXPORT_SUMMARY_HEAD]
    for kind, count in found.counts().items():
        if count:
            lines.append(texts.SUMMARY_LINE.format(name=texts.KIND_NAMES.get(kind, kind),
                                                   count=count))
    if len(lines) == 1:
        lines.append(texts.SUMMARY_NONE)
    lines.append(texts.DOWNLOAD.format(url=url))
    return "\n".join(lines)
