"""The keyword classifier: one phrase (at least) per category, unknown text, data checks."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from handlers.categories import classifier
from handlers.categories.classifier import RULES_FILE, Classifier, classify, parse_rules
from handlers.categories.service import load_categories
from handlers.categories.suggest import suggest
from handlers.categories.taxonomy import DEFAULT_FILE
from handlers.geo.errors import GeoDataError
from storage.geo.models import Category

# What residents actually type (Changchun: 马葫芦 is a manhole cover, 冰溜子 an icicle).
EXAMPLES = [
    ("马路上有个大坑，车过去颠得厉害", "road_damage"),
    ("人行道地砖松动了", "road_damage"),
    ("小区门口井盖没了很危险", "manhole_cover"),
    ("马葫芦盖丢了", "manhole_cover"),
    ("楼下下水道堵了，污水冒出来", "sewer"),
    ("化粪池外溢 臭味很大", "sewer"),
    ("楼后面垃圾堆了好几天没人清运", "garbage"),
    ("有人乱扔装修垃圾", "garbage"),
    ("一楼住户私搭乱建了个彩钢房", "illegal_building"),
    ("早市小摊贩占道经营，路都走不了", "street_vending"),
    ("有辆车长期停放落满灰，是僵尸车", "abandoned_vehicle"),
    ("一辆报废车停在路边半年没人动", "abandoned_vehicle"),
    ("绿化带里的树枝断了要掉下来", "greenery"),
    ("有人毁绿种菜", "greenery"),
    ("路灯不亮，晚上一片黑", "street_light"),
    ("小区路灯坏了好几个", "street_light"),
    ("3号楼电梯又坏了，老人上不去楼", "elevator"),
    ("工地围挡倒了挡着人行道", "hoarding"),
    ("下雨后路口积水很深没法走", "waterlogging"),
    ("家里暖气不热，室温才十五度", "heating"),
    ("人行道积雪结冰太滑了，没人清雪", "snow_removal"),
    ("屋檐上的冰溜子很危险", "snow_removal"),
    ("楼道灯不亮", "stairwell"),
    ("楼道里的灯不亮", "stairwell"),
    ("单元门门禁坏了", "stairwell"),
    ("楼上装修噪音太大", "other"),
]


@pytest.mark.parametrize(("text", "code"), EXAMPLES)
def test_examples_rank_their_category_first(text, code):
    ranked = classify(text)
    assert ranked[0].code == code, [(s.code, s.score) for s in ranked]
    assert 1 <= len(ranked) <= 3 and ranked[0].score > 0


def test_every_category_has_rules_and_an_example():
    codes = [c["code"] for c in json.loads(DEFAULT_FILE.read_text("utf-8"))["categories"]]
    rules = parse_rules(json.loads(RULES_FILE.read_text("utf-8")))
    assert list(rules.weights) == codes  # same categories, same order (the tie-breaker)
    assert set(codes) == {code for _, code in EXAMPLES}
    assert rules.fallback == "other" and set(rules.synonyms.values()) <= {
        w for ws in rules.weights.values() for w in ws}  # every synonym leads somewhere


@pytest.mark.parametrize("text", ["今天天气不错", "", "   ", "？？", "谢谢你们", "hello"])
def test_unknown_text_falls_back_to_other(text):
    assert [(s.code, s.score) for s in classify(text)] == [("other", 0.0)]


def test_stairwell_lights_are_not_street_lights_but_close():
    ranked = classify("楼道灯不亮")
    assert [s.code for s in ranked] == ["stairwell", "street_light"]
    assert ranked[0].words == ("楼道灯",) and ranked[0].score > ranked[1].score


def test_suggestions_are_ranked_limited_and_explained():
    text = "下雨后积水把井盖冲走了，路面也塌陷了，垃圾到处都是"
    ranked = classify(text)
    assert len(ranked) == 3 and ranked[0].score >= ranked[1].score >= ranked[2].score
    assert {s.code for s in ranked} <= {"waterlogging", "manhole_cover", "road_damage",
                                        "garbage"}
    assert classify(text, limit=1) == ranked[:1]
    assert "积水" in classify(text, allowed={"waterlogging"})[0].words
    assert classify(text, allowed={"elevator"}) == []  # nothing allowed matches, no fallback


def test_words_are_segmented_with_the_domain_dictionary():
    c = classifier.default_classifier()
    assert "路灯" in c.words("路灯不亮") and "不亮" in c.words("路灯不亮")  # not 路 + 灯不亮
    assert "井盖" in c.words("马葫芦盖子丢了")  # a synonym, mapped to its keyword
    assert c.words("ＡＢＣ　井盖") == ["abc", "井盖"]  # full-width folded, spaces dropped


async def test_jieba_is_loaded_once_per_process_even_when_asked_at_once(monkeypatch):
    monkeypatch.setattr(classifier, "_default", None)  # as in a fresh process
    built = []
    original = Classifier.__init__

    def counting_init(self, rules):
        built.append(self)
        original(self, rules)

    monkeypatch.setattr(Classifier, "__init__", counting_init)
    assert not classifier.is_loaded()
    with ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda _: classifier.default_classifier(), range(4)))
    await classifier.warm_up()
    assert len(built) == 1 and all(c is built[0] for c in first)
    assert classifier.default_classifier() is built[0] and classifier.is_loaded()


async def test_warm_up_loads_in_a_thread(monkeypatch):
    monkeypatch.setattr(classifier, "_default", None)
    await classifier.warm_up()
    assert classifier.is_loaded() and classify("井盖丢了")[0].code == "manhole_cover"


@pytest.mark.parametrize(("doc", "message"), [
    ({}, 'no "rules" object'),
    ({"fallback": "other", "rules": {"x": {"井盖": "high"}}}, "weights must be non-zero"),
    ({"fallback": "other", "rules": {"x": {"井盖": 0}}}, "weights must be non-zero"),
    ({"fallback": "", "rules": {"x": {"井盖": 1}}}, '"fallback" must be a category code'),
    ({"fallback": "x", "min_score": 0, "rules": {"x": {"井盖": 1}}}, '"min_score" must be'),
    ({"fallback": "x", "synonyms": {"a": 1}, "rules": {"x": {"井盖": 1}}}, '"synonyms"'),
])
def test_bad_rules_are_refused(doc, message):
    with pytest.raises(GeoDataError, match=message):
        parse_rules(doc)


def test_rules_are_data():
    custom = Classifier(parse_rules({"fallback": "misc", "min_score": 1, "synonyms": {
        "猫咪": "猫"}, "rules": {"cats": {"猫": 2}, "dogs": {"狗": 2, "猫": -1}}}))
    assert [s.code for s in custom.classify("猫咪和狗")] == ["cats", "dogs"]
    assert [s.score for s in custom.classify("猫咪和狗")] == [2.0, 1.0]
    assert custom.classify("天气")[0].code == "misc"


async def test_suggest_offers_only_active_categories(db):
    await load_categories()
    first = await suggest("楼道灯不亮")
    assert [(s.category.code, s.category.name) for s in first] == [
        ("stairwell", "楼道设施"), ("street_light", "路灯")]
    await Category.filter(code="stairwell").update(active=False)
    assert [s.category.code for s in await suggest("楼道灯不亮")] == ["street_light"]
    unknown = await suggest("今天天气不错")
    assert [(s.category.code, s.score) for s in unknown] == [("other", 0.0)]
    await Category.filter(code="other").update(active=False)
    assert await suggest("今天天气不错") == []
