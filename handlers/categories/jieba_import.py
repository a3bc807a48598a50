"""jieba, imported without what the classifier never uses (issue 17: server memory).

* pkg_resources: jieba finds its dict.txt with it when it imports, with a plain path
  otherwise. It is 10 MB of every server process that nothing else in linli loads, so it is
  hidden for the moment jieba is imported.
* jieba.finalseg: the HMM guesser of new words and its probability tables (3 MB). The
  classifier cuts with ``HMM=False`` and adds its words with a frequency, the two paths that
  never reach it; a stand-in module says so if anything ever does.
"""

from __future__ import annotations

import sys
import types


def _no_hmm(*_args: object) -> None:
    raise RuntimeError("jieba's HMM (finalseg) is not loaded in linli: cut with HMM=False")


_stand_in = types.ModuleType("jieba.finalseg", "jieba's HMM, not loaded (see jieba_import)")
_stand_in.cut = _no_hmm  # type: ignore[attr-defined]
_stand_in.add_force_split = _no_hmm  # type: ignore[attr-defined]

_hidden = "pkg_resources" not in sys.modules
if "jieba" not in sys.modules:
    sys.modules.setdefault("jieba.finalseg", _stand_in)
if _hidden:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails: ImportError
try:
    import jieba
finally:
    if _hidden and sys.modules.get("pkg_resources", 0) is None:
        del sys.modules["pkg_resources"]

__all__ = ["jieba"]
