"""The public text of what residents type (handlers.masking): what other people may read.

Pure functions, no database: every example is a Chinese text a resident could send.
"""

from __future__ import annotations

import pytest

from handlers.masking import coarse_address, mask_name, mask_text

# -- personal details are masked --------------------------------------------------------------

MASKED = [
    # (what was typed, what must not survive, what the public reads)
    ("路灯坏了，我叫王小明电话13812345678住3单元501",
     ["王小明", "13812345678", "3单元501", "501"], "路灯坏了，我叫王**电话***********住*单元***"),
    ("有事打138-1234-5678", ["138-1234-5678", "1234", "5678"], "有事打***-****-****"),
    ("联系电话 139 1234 5678 谢谢", ["139 1234 5678", "1234 5678"], "联系电话 *** **** **** 谢谢"),
    ("+86 13912345678", ["13912345678"], "+** ***********"),
    ("座机0431-88886666找物业", ["0431-88886666", "88886666"], "座机****-********找物业"),
    ("打010 12345678", ["010 12345678", "12345678"], "打*** ********"),
    ("（0431）8888-6666", ["0431", "8888-6666"], "（****）****-****"),
    ("电话：88886666", ["88886666"], "电话：********"),
    ("身份证220102199003071234", ["220102199003071234"], "身份证******************"),
    ("身份证号22010219900307123X丢了", ["22010219900307123X"], "身份证号******************丢了"),
    ("银行卡6222021234567890123", ["6222021234567890123"], "银行卡*******************"),
    ("吉A12345一直占消防通道", ["A12345", "12345"], "吉A*****一直占消防通道"),
    ("京A·12345", ["12345"], "京A·*****"),
    ("新能源车吉AD12345停在盲道", ["AD12345", "D12345"], "新能源车吉A******停在盲道"),
    ("粤b12345", ["b12345"], "粤b*****"),
    ("5号楼2单元301室漏水", ["5号楼", "2单元", "301"], "*号楼*单元***室漏水"),
    ("501室门口有垃圾", ["501"], "***室门口有垃圾"),
    ("12栋门口井盖坏了", ["12栋"], "**栋门口井盖坏了"),
    ("12栋301楼道灯坏了", ["12栋", "301"], "**栋***楼道灯坏了"),
    ("三单元五楼", ["三单元", "五楼"], "*单元*楼"),
    ("3-2-501门口", ["3-2-501"], "*-*-***门口"),
    ("住在8号楼3单元6层", ["8号楼", "3单元", "6层"], "住在*号楼*单元*层"),
    ("我姓王，住楼上", ["姓王"], "我姓*，住楼上"),
    ("联系人：李建国 电话13900000001", ["李建国", "13900000001"], "联系人：李** 电话***********"),
    ("姓名：周桂兰", ["周桂兰"], "姓名：周**"),
    ("我叫张三，井盖没了", ["张三"], "我叫张*，井盖没了"),
    ("发邮件到li.lei@example.com", ["li.lei@example.com", "example"], "发邮件到***@***"),
    ("１３８１２３４５６７８", ["13812345678", "１３８１２３４５６７８"], "***********"),
]


@pytest.mark.parametrize(("typed", "secrets", "public"), MASKED)
def test_personal_details_are_masked(typed, secrets, public):
    masked = mask_text(typed)
    for secret in secrets:
        assert secret not in masked, (typed, secret, masked)
    assert masked == public


# -- what the public needs to read stays -----------------------------------------------------

KEPT = [
    "A1234 还没修好",
    "跟 A1001 是同一个问题",
    "2026-12-06 上午发现的",
    "2026年12月6日",
    "12月6号开始堆的",
    "每天10:30以后路灯才亮",
    "晚上8点到10点很吵",
    "3个井盖都没了",
    "有2棵树倒了，大约30米长",
    "road_damage",
    "manhole_cover 类",
    "楼道灯不亮",
    "老百姓的事",
    "二楼楼道灯坏了",
    "1楼大厅漏水",
    "温度-5度，水管冻裂",
    "12345热线打不通",
    "价格99元",
    "2号线地铁站出口",
    "G01 网格",
    "B12-1 楼下",
    "我是住户",
    "小区门口垃圾堆了三天",
    "限高2.5米",
    "",
]


@pytest.mark.parametrize("typed", KEPT)
def test_ordinary_words_are_kept(typed):
    assert mask_text(typed) == typed


def test_case_numbers_dates_and_counts_survive_next_to_masked_details():
    typed = "A1036 同一问题，2026-12-06 10:30 看到3个井盖没盖，我叫王小明13812345678"
    assert mask_text(typed) == "A1036 同一问题，2026-12-06 10:30 看到3个井盖没盖，我叫王**" + "*" * 11


def test_masking_twice_changes_nothing_more():
    for _, _, public in MASKED:
        assert mask_text(public) == public


# -- addresses: down to the building or the road ---------------------------------------------

ADDRESSES = [
    ("人民大街 5号楼2单元301室", "人民大街 5号楼"),
    ("明珠小区12栋301", "明珠小区12栋"),
    ("明珠小区3单元501", "明珠小区"),
    ("明珠小区8号楼3单元6层", "明珠小区8号楼"),
    ("和顺小区3-2-501", "和顺小区"),
    ("长春市朝阳区 明珠小区东门", "长春市朝阳区 明珠小区东门"),
    ("人民大街12号", "人民大街12号"),
    ("明珠小区 501室", "明珠小区"),
    ("3单元501", ""),
    ("明珠小区东门 王小明 13812345678", "明珠小区东门 王小明 ***********"),
    ("我叫王小明住明珠小区", "我叫王**住明珠小区"),
    ("43.88600,125.31800", "43.88600,125.31800"),
    ("", ""),
]


@pytest.mark.parametrize(("address", "public"), ADDRESSES)
def test_addresses_are_coarsened_to_the_building_or_road(address, public):
    assert coarse_address(address) == public


# -- names: how a person appears to others ---------------------------------------------------

@pytest.mark.parametrize(("name", "shown"), [
    ("王小明", "王**"), ("王伟", "王**"), ("欧阳娜娜", "欧**"), ("Ｔｏｍ", "T**"),
    ("  李建国 ", "李**"), ("", "居民"), (None, "居民"), ("   ", "居民")])
def test_a_name_shows_its_first_character_only(name, shown):
    assert mask_name(name) == shown


# -- skipping a pattern whose telltale is absent changes nothing --------------------------------

def _unhinted(text: str) -> str:
    """mask_text with every pattern run on every text (no skipping)."""
    from handlers import masking

    text = masking.fold(text)
    for pattern, replace in masking._PERSONAL:
        text = pattern.sub(replace, text)
    return masking._DWELLING.sub(masking._starred, text)


def test_skipping_patterns_gives_the_same_text_as_running_them_all():
    import random

    pieces = ["13812345678", "0431-88886666", "电话", "tel:", "3-2-501", "5号楼", "二号楼",
              "3单元", "三单元", "501室", "12栋", "6幢", "房间", "4层", "吉A12345", "京AD1234",
              "@", "a.b@c.cn", "我叫王小明", "姓李", "联系人", "１３８", "Ａ", "-", " ", "，",
              "井盖", "路灯", "3个", "2026年", "10:30", "五", "楼", "元", "间", "X", "7"]
    rng = random.Random(5)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8)))
             for _ in range(5000)]
    differ = [t for t in texts if mask_text(t) != _unhinted(t)]
    assert differ == []
    assert sum(mask_text(t) != t for t in texts) > 2500  # most of them have something masked
