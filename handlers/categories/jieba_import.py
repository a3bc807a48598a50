"""jieba, imported without pkg_resources.

jieba finds its dict.txt with pkg_resources when that imports, and with a plain path
otherwise. pkg_resources (setuptools) is 10 MB of every server process that nothing else in
linli loads, so it is hidden for the moment jieba is imported (benchmarks/memory_bench.py).
"""

from __future__ import annotations

import sys

_hidden = "pkg_resources" not in sys.modules
if _hidden:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails: ImportError
try:
    import jieba
finally:
    if _hidden and sys.modules.get("pkg_resources", 0) is None:
        del sys.modules["pkg_resources"]

__all__ = ["jieba"]
