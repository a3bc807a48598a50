"""Text people read lives in the ``texts`` modules: no Chinese sentence anywhere else.

Every module of ``bot/``, ``handlers/``, ``rewards/`` and ``storage/`` is parsed with ``ast``;
each string constant (f-string parts included) is checked. The rule:

A **Chinese sentence** is a string constant with at least ``MIN_CJK`` (6) CJK characters, or
with at least 2 CJK characters and a Chinese sentence mark (``SENTENCE_MARKS``: ，。！？；：「」).
Shorter Chinese without those marks - the command words of flow declarations (随手拍, 我的上报,
积分兑换), word tuples (满意 / 不满意), short labels - is not a sentence.

Such a sentence may live only in a ``texts`` module: a module named ``texts.py`` or any module
inside a package named ``texts``. Not checked, because they are not chat or API replies:

- docstrings;
- OpenAPI and CLI documentation: the value of a ``description=``, ``summary=`` or ``help=``
  keyword argument (pydantic ``Field``, route declarations, argparse) and of a
  ``"description"`` / ``"summary"`` key in a dict literal (the OpenAPI document);
- messages for operators: the arguments of ``log.*`` / ``logger.*`` / ``logging.*`` calls and
  of ``print`` (the CLI's English output, which may quote a Chinese command);
- regular expressions: the arguments of ``re.*`` calls, and the character sets listed in
  ``NOT_SENTENCES`` (Chinese numerals and the like, used to build patterns);
- demo data modules (``demo.py``): sample content, not UI text;
- data files (JSON) and tests, which are not modules of these packages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "rewards", "storage")

MIN_CJK = 6
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SENTENCE_MARKS = re.compile(r"[，。！？；：「」]")
DOC_KEYWORDS = frozenset({"description", "summary", "help"})
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
LOGGERS = frozenset({"log", "logger", "logging"})
DEMO_MODULES = frozenset({"demo.py"})
# Module-level names whose value is a set of characters for a pattern, not something said.
NOT_SENTENCES = {
    ("handlers/masking.py", "_CN"),          # Chinese numerals
    ("handlers/masking.py", "_AFTER_NAME"),  # the characters that end a name in 我叫…
}


def is_sentence(text: str) -> bool:
    cjk = len(CJK.findall(text))
    return cjk >= MIN_CJK or (cjk >= 2 and SENTENCE_MARKS.search(text) is not None)


def is_texts_module(relpath: str) -> bool:
    parts = relpath.split("/")
    return parts[-1] == "texts.py" or "texts" in parts[:-1]


def _constants(node: ast.AST) -> set[int]:
    return {id(n) for n in ast.walk(node) if isinstance(n, ast.Constant)}


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                found.add(id(body[0].value))
    return found


def _is_log_or_print_or_re(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "print"
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = func.value.id
        return owner == "re" or (owner in LOGGERS and func.attr in LOG_METHODS)
    return False


def _exempt_parts(node: ast.AST, relpath: str) -> list[ast.AST]:
    """The parts of ``node`` whose strings are not checked."""
    if isinstance(node, ast.Call):
        parts = [kw.value for kw in node.keywords if kw.arg in DOC_KEYWORDS]
        return parts + (list(node.args) if _is_log_or_print_or_re(node.func) else [])
    if isinstance(node, ast.Dict):
        return [value for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value in DOC_KEYWORDS]
    if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and (relpath, t.id) in NOT_SENTENCES for t in node.targets):
        return [node.value]
    return []


def _exempt(tree: ast.Module, relpath: str) -> set[int]:
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        for part in _exempt_parts(node, relpath):
            skip |= _constants(part)
    return skip


def sentences_in(source: str, relpath: str = "<source>") -> list[tuple[int, str]]:
    """(line, text) of every Chinese sentence in ``source`` outside the exempt places."""
    tree = ast.parse(source)
    skip = _exempt(tree, relpath)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in skip and is_sentence(node.value))


def modules() -> list[str]:
    return sorted(str(path.relative_to(ROOT).as_posix())
                  for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_no_chinese_sentence_outside_texts_modules() -> None:
    found = []
    for relpath in modules():
        if is_texts_module(relpath) or relpath.rsplit("/", 1)[-1] in DEMO_MODULES:
            continue
        source = (ROOT / relpath).read_text(encoding="utf-8")
        found += [f"{relpath}:{line}: {text!r}" for line, text in sentences_in(source, relpath)]
    assert not found, ("Chinese sentences outside a texts module (move them to the package's "
                       "texts.py):\n" + "\n".join(found))


def test_not_sentences_still_name_something() -> None:
    """An entry of NOT_SENTENCES that no longer matches an assignment is stale."""
    for relpath, name in NOT_SENTENCES:
        tree = ast.parse((ROOT / relpath).read_text(encoding="utf-8"))
        names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
        assert name in names, f"{relpath}: {name} is gone; drop it from NOT_SENTENCES"


def test_the_detector_finds_a_sentence() -> None:
    source = '''
"""A docstring may say anything: 这是一句很长的中文说明。"""
import logging
import re
log = logging.getLogger(__name__)
FLOW = command("report", start, "随手拍", "我的上报", words=("满意", "不满意"))
REPLY = "没有找到这个案件，请核对编号。"
LABEL = "地址："
PATTERN = re.compile(r"(电话|手机|座机)[:：]")
def f(number):
    log.warning("案件 %s 没有找到负责的网格员。", number)
    return f"已为 {number} +1，谢谢您！"
class Out(BaseModel):
    name: str = Field(description="负责方：网格员、物业或职能部门")
'''
    assert sentences_in(source) == [(7, "没有找到这个案件，请核对编号。"), (8, "地址："),
                                    (12, " +1，谢谢您！")]


def test_what_counts_as_a_sentence() -> None:
    assert is_sentence("请先登录一下吧")      # 6 CJK characters
    assert is_sentence("描述：")               # a mark and 2 CJK characters
    assert not is_sentence("积分兑换")         # a command word
    assert not is_sentence("：")
    assert not is_sentence("Valid 24 hours.")
    assert is_texts_module("handlers/reports/texts.py")
    assert is_texts_module("handlers/texts/replies.py")
    assert not is_texts_module("handlers/reports/render.py")
