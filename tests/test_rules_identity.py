"""rules.identity: name keys (toneless pinyin) as the rules join on them."""

from __future__ import annotations

import random

from pypinyin import lazy_pinyin

from rules.identity import _pinyin_key, name_key, name_similarity, same_name

# Common surname and given-name characters, with some whose reading depends on the phrase (长, 重, 乐,
# 朝, 单, 曾, 行, 都, 和): the character-by-character path must never answer for a phrase.
COMMON = ("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
          "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫"
          "孔向常汤康易乔赖文施洪辛柯庄单长重乐朝华国建明军强伟芳秀英兰玉桂珍凤红梅丽霞娟春燕云飞志勇平小大二"
          "三四行都和银")


def test_name_keys_equal_pypinyin_on_many_names() -> None:
    rng = random.Random(7)
    every_han = [chr(c) for c in range(0x4E00, 0x9FA6)]
    names = {a + b for a in COMMON for b in COMMON}  # every two-character pair: phrases among them
    for _ in range(20_000):
        pool = COMMON if rng.random() < 0.7 else every_han
        names.add("".join(rng.choice(pool) for _ in range(rng.choice([2, 3, 3, 4]))))
    names |= {"重庆", "长乐", "银行", "单于", "张a三", "李1", "欧阳娜娜", "zhang", "王 五"}
    mismatched = [n for n in names if _pinyin_key(n) != " ".join(lazy_pinyin(n))]
    assert mismatched == []
    phrases = [n for n in ("重庆", "长乐", "银行") if n in names]
    assert [_pinyin_key(n) for n in phrases] == ["chong qing", "chang le", "yin hang"]


def test_homophones_share_a_key_and_cleaning_comes_first() -> None:
    assert name_key("王丽") == name_key("王莉") == "wang li"
    assert name_key("买买提·吐尔逊") == name_key("买买提 吐尔逊") == name_key("买买提吐尔逊")
    assert name_key("张三") != name_key("张山峰")
    assert name_key(None) == name_key("") == ""
    assert same_name("王丽", "王莉") and not same_name("王丽", "王明")
    assert name_similarity("王丽", "王莉") == 0.9


def test_d09_keys_names_only_in_the_villages_it_compares(monkeypatch) -> None:
    """D09 keys names (pinyin, a Python function) only where it compares them: the register of a
    village paying compensation by ledger, the land register of a village with compensated people.
    A city's other villages hold hundreds of thousands of names (2.6-3.1 s before, 0.3-0.7 s after)."""
    from rules import identity
    from tests.rule_fixtures import run_case

    keyed: list[str] = []
    real = identity.name_key

    def recording(name):
        keyed.append(name)
        return real(name)

    monkeypatch.setattr(identity, "name_key", recording)
    here, elsewhere = "611021100201", "611021100202"
    rows = {
        "land_contracts": [
            {"village_code": here, "person_id": "611021196001010010", "contractor_name": "刘大山", "contract_area_mu": 3.2},
            {"village_code": elsewhere, "person_id": None, "contractor_name": "别村甲", "contract_area_mu": 1.0},
        ],
        "compensation_roster": [
            {"village_code": here, "project_name": "县道改建工程", "person_id": "611021196202020020",
             "person_name": "孙二柱", "area_mu": 1.5, "amount_yuan": 3800.0},
        ],
        "household_register": [
            {"village_code": elsewhere, "person_id": "611021196303030030", "person_name": "别村乙"},
        ],
    }
    flags = run_case("D09", {"name": "keys", "rows": rows})
    assert flags["subject_key"].to_list() == ["611021196202020020"]  # still flagged: no land here
    assert "孙二柱" in keyed
    assert not {"别村甲", "别村乙"} & set(keyed)  # the other village's names were never keyed


def test_a06_names_the_person_and_village_the_same_way_every_run() -> None:
    """Where an ID's names (or villages) are seen equally often, A06 shows the first as its summary
    lists them (most often, then in order), not whichever arg_max meets first: a nightly run with
    nothing changed must not name the person or place the flag differently."""
    from fixtures.connectors.workbooks import make_id

    from tests.rule_fixtures import run_case

    x, y = "611021100201", "611021100202"
    register, old_age = [], []
    for i in range(12):
        pid = make_id("19400101", f"{i:03d}")
        first, second = (f"王{i}甲", f"王{i}乙") if i % 2 else (f"王{i}乙", f"王{i}甲")
        register.append({"village_code": x if i % 3 else y, "person_id": pid, "person_name": first})
        old_age.append({"village_code": y if i % 3 else x, "person_id": pid, "person_name": second,
                        "amount_yuan": 100.0, "pay_month": "2024-03-01"})
    flags = run_case("A06", {"name": "ties", "rows": {"household_register": register, "old_age_payments": old_age}})
    assert flags.height == 12
    for row in flags.iter_rows(named=True):
        i = int(row["subject_key"][14:17])
        first = min(f"王{i}甲", f"王{i}乙")  # seen once each: the first in order (乙 U+4E59, 甲 U+7532)
        assert row["subject_name"] == first, row
        assert row["village_code"] == x, row  # once in each village: the first
        assert row["summary"].index(first) < row["summary"].index(max(f"王{i}甲", f"王{i}乙"))
