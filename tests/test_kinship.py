"""Kinship derived from households: relations relative to the cadre, configured degrees, village scope."""

from __future__ import annotations

from rule_fixtures import warehouse_from_rows

from rules.derived import build_kinship
from xuncha.config import KinshipConfig
from xuncha.idcard import check_char

V1, V2 = "611021100201", "611021100202"


def pid(n: int) -> str:
    body = f"61102119{60 + n:02d}0101{n:03d}"
    return body + check_char(body)


def member(no: str, n: int, name: str, relation: str, village: str = V1) -> dict:
    return {"household_no": no, "person_id": pid(n), "person_name": name, "relation_to_head": relation, "village_code": village}


def relatives(rows: dict, relations: list[str] | None = None) -> dict[str, str]:
    con = warehouse_from_rows(rows)
    build_kinship(con, relations or list(KinshipConfig().relations))
    return dict(con.execute("SELECT relative_name, relation FROM kinship").fetchall())


def test_relations_seen_from_a_cadre_who_is_a_child_of_the_head() -> None:
    rows = {
        "cadre_roster": [{"person_id": pid(3), "person_name": "李军", "position": "村委会主任", "village_code": V1}],
        "household_register": [
            member("001", 1, "李父", "户主"),
            member("001", 2, "王母", "配偶"),
            member("001", 3, "李军", "长子"),
            member("001", 4, "李妹", "次女"),
            member("001", 5, "张媳", "儿媳"),
            member("001", 6, "李孙", "孙子"),
        ],
    }
    got = relatives(rows)
    assert got["李军"] == "本人"
    assert got["李父"] == "父母" and got["王母"] == "父母" and got["李妹"] == "兄弟姐妹"
    # a daughter-in-law or grandchild of the head is ambiguous for a son: not guessed
    assert "张媳" not in got and "李孙" not in got


def test_configured_degrees_limit_the_relatives() -> None:
    rows = {
        "cadre_roster": [{"person_id": pid(1), "person_name": "李父", "position": "书记", "village_code": V1}],
        "household_register": [
            member("001", 1, "李父", "户主"),
            member("001", 2, "王母", "配偶"),
            member("001", 5, "张媳", "儿媳"),
        ],
    }
    assert relatives(rows)["张媳"] == "子女的配偶"
    assert "张媳" not in relatives(rows, ["配偶", "父母", "子女"])


def test_same_household_number_in_another_village_is_not_family() -> None:
    rows = {
        "cadre_roster": [{"person_id": pid(1), "person_name": "李父", "position": "书记", "village_code": V1}],
        "household_register": [member("001", 1, "李父", "户主", V1), member("001", 2, "赵某", "配偶", V2)],
    }
    assert relatives(rows) == {"李父": "本人"}


def test_assistance_roster_households_count_too() -> None:
    rows = {
        "cadre_roster": [{"person_id": pid(2), "person_name": "王母", "position": "会计", "village_code": V1}],
        "assistance_roster": [
            {"head_id": pid(1), "member_id": pid(1), "member_name": "李父", "relation_to_head": "本人", "village_code": V1},
            {"head_id": pid(1), "member_id": pid(2), "member_name": "王母", "relation_to_head": "妻", "village_code": V1},
        ],
    }
    assert relatives(rows)["李父"] == "配偶"
