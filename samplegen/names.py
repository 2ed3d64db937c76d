"""Name pools for the synthetic county: people, towns, villages, companies, banks.

Everything here is fictional. Characters were picked to have a single common reading, so that the
toneless pinyin the rules use to compare names is unambiguous (homophone pairs such as 丽/莉 are
listed explicitly and used only where a near miss is wanted).
"""

from __future__ import annotations

import random
from functools import lru_cache

from pypinyin import lazy_pinyin

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程"
    "袁邓许傅沈彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
# Surnames weighted towards the big ones, as in a real village.
_SURNAME_WEIGHTS = [12 if i < 10 else 5 if i < 30 else 2 for i in range(len(SURNAMES))]

MALE_CHARS = ("伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国文志海东春亮成峰磊晨毅兵锋江彬博宏振"
              "怀德福贵生荣山兴新安永金宝喜顺")
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲桂英兰萍红梅琳雪慧莉婷倩颖琴云洁凤秀珍蓉花香月美玉彩翠莲菊巧爱淑琼"
OLD_MALE_GIVEN = ("建国", "国强", "德明", "福生", "学文", "振华", "长贵", "志刚", "世荣", "保平", "有才", "金山",
                  "守仁", "永福", "存德", "玉林", "忠义", "兴旺", "茂林", "春生")
OLD_FEMALE_GIVEN = ("桂英", "秀英", "凤兰", "玉兰", "秀珍", "桂兰", "淑芬", "翠花", "金凤", "玉梅", "秀兰",
                    "彩霞", "桂芳", "玉珍", "凤英", "兰英", "素珍", "月娥", "春梅", "冬梅")
# Given-name characters with a homophone that a clerk could type instead (same toneless pinyin).
HOMOPHONES = {
    "丽": "莉", "伟": "玮", "芳": "方", "静": "婧", "敏": "闵", "军": "君", "杰": "洁", "娟": "鹃",
    "红": "宏", "明": "鸣", "平": "萍", "英": "瑛", "霞": "侠", "刚": "钢", "勇": "永", "涛": "韬",
    "斌": "彬", "燕": "艳", "林": "琳", "辉": "晖", "峰": "锋",
}
# Minority names (transliterated), written with a middle dot; departments use different dots.
MINORITY_MALE = ("阿卜杜·热合曼", "买买提·吐尔逊", "艾尼瓦尔·托合提", "阿不都·克里木", "吐尔洪·买买提")
MINORITY_FEMALE = ("古丽·艾力", "热依拉·买买提", "阿依古丽·吾甫尔", "帕提古丽·阿不都")
DOT_VARIANTS = ("·", "•", "・", ".")

TOWN_BASES = (
    "城关", "河西", "石门", "柳林", "龙潭", "青山", "白河", "金川", "马坊", "杨庄", "清泉", "红岩", "高塬", "凤鸣",
    "桃源", "梨园", "松坪", "槐店", "三岔", "五里", "黄坪", "银峰", "莲花", "古城", "新民", "太平", "永丰", "兴隆",
    "安乐", "丰收", "长青", "双河", "万安", "白鹿", "景村", "麻坪", "寺耳", "保安", "灵口", "巡检", "庙台", "高耀",
)
_V_FIRST = "东西南北上下前后大小新老高张王李刘陈杨赵黄周马石柳杏桃梨枣槐松柏竹青白红金银龙凤清湖泉河山岭沙田花兴永丰安宁富"
_V_SECOND = "岭沟坪塬湾庄园峪川坡台寨营堡店铺桥渠洼坊岔垭滩峁坝湖林河山源屯"

BANKS = (
    ("中国农业银行示例县支行", "622848", 19),
    ("示例县农村信用合作联社", "621458", 19),
    ("中国邮政储蓄银行示例县支行", "621799", 19),
    ("中国建设银行示例县支行", "621700", 19),
    ("陕西信合", "6230", 16),
    ("长安银行示例县支行", "623119", 18),
)

COMPANY_PREFIX = ("示例县", "城关镇", "商洛市", "示例县城关镇")
COMPANY_CORE = ("兴达", "宏源", "鑫盛", "永安", "华泰", "顺发", "金鼎", "恒通", "利民", "富民", "惠农", "建兴",
                "志远", "汇丰", "明珠", "天成", "瑞丰", "长盛", "通达", "广源", "聚财", "新城", "益民", "德润")
COMPANY_KIND = ("建材有限公司", "五金门市部", "文具店", "建筑工程有限公司", "电器商行", "农资经营部",
                "印务有限公司", "机械租赁站", "苗木专业合作社", "水泥制品厂", "广告装饰部", "劳务有限公司")


@lru_cache(maxsize=200_000)
def pinyin_key(name: str) -> str:
    """Toneless pinyin of a name after removing spaces and dots (the rules' notion of sameness)."""
    cleaned = "".join(ch for ch in name if not ch.isspace() and ch not in "·•・.．‧")
    return " ".join(lazy_pinyin(cleaned))


def han_name(rng: random.Random, male: bool, born_year: int, surname: str | None = None) -> str:
    sur = surname or rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    if born_year < 1960 and rng.random() < 0.6:
        return sur + rng.choice(OLD_MALE_GIVEN if male else OLD_FEMALE_GIVEN)
    pool = MALE_CHARS if male else FEMALE_CHARS
    if rng.random() < 0.35:
        return sur + rng.choice(pool)
    return sur + rng.choice(pool) + rng.choice(pool)


def minority_name(rng: random.Random, male: bool) -> str:
    return rng.choice(MINORITY_MALE if male else MINORITY_FEMALE)


def homophone_of(name: str) -> str | None:
    """A different spelling with the same pinyin (changing one given-name character), if any."""
    for i in range(len(name) - 1, 0, -1):
        alt = HOMOPHONES.get(name[i])
        if alt:
            return name[:i] + alt + name[i + 1:]
        for k, v in HOMOPHONES.items():
            if v == name[i]:
                return name[:i] + k + name[i + 1:]
    return None


def spaced(name: str) -> str:
    """王伟 → 王  伟 (two-character names padded for alignment, as clerks do)."""
    if len(name) == 2:
        return name[0] + "  " + name[1]
    return name[0] + " " + name[1:]


def village_bases(count: int, rng: random.Random) -> list[str]:
    """Distinct two-character village name stems (东岭, 西沟 ...)."""
    combos = [a + b for a in _V_FIRST for b in _V_SECOND if a != b]
    rng.shuffle(combos)
    head = ["东岭", "西沟", "南坪", "北塬", "柳湾", "石门", "杨庄", "桃园", "清泉", "龙潭", "凤凰", "白杨"]
    out: list[str] = []
    seen: set[str] = set()
    for c in head + combos:
        if c not in seen:
            seen.add(c)
            out.append(c)
        if len(out) == count:
            return out
    # a city of thousands of villages: three-character stems too (东岭庄, 西沟坪), in a seeded order
    longer = [c + d for c in combos for d in _V_SECOND if d not in c]
    rng.shuffle(longer)
    for c in longer:
        if c not in seen:
            seen.add(c)
            out.append(c)
        if len(out) == count:
            return out
    raise ValueError("too many villages for the name pool")


def town_names(count: int) -> list[str]:
    out = []
    for i in range(count):
        base = TOWN_BASES[i % len(TOWN_BASES)]
        k = i // len(TOWN_BASES)
        if 1 <= k <= 5:
            base = base + "东西南北中"[k - 1]
        elif k > 5:  # a city of thousands of villages: two more characters keep the names distinct
            base = base + "东西南北中"[(k - 6) // 5 % 5] + "东西南北中"[(k - 6) % 5]
        out.append(base + ("镇" if i % 5 != 4 else "乡"))
    return out
