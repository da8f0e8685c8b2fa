"""How a name is read, in every script it may be written in, as search keys.

The families' names reach the records in Hangul, in Chinese characters (simplified or
traditional) and in several romanisations. Each name is turned into keys in three spaces:

- ``s:`` the name as written: Chinese characters made simplified (OpenCC), Latin letters
  without diacritics, no spaces, hyphens or apostrophes;
- ``k:`` the Korean reading, romanised and folded: Chinese characters read in Sino-Korean
  (the ``hanja`` library, with our own surname readings: 金 is 김 as a surname), Hangul
  romanised syllable by syllable (``korean-romanizer``, Revised Romanisation), and the
  letters folded so that Revised and McCune–Reischauer spellings meet (``Chŏng``, ``Chong``
  and ``Jeong`` all fold to ``cong``); a surname is replaced by its group
  (Kim/Gim, Lee/Yi/Rhee/Ri, Park/Pak/Bak, ...), which also covers the initial-sound rule
  (리/이, 류/유);
- ``p:`` the Mandarin reading: pinyin without tones (``pypinyin``), with the surname
  readings of characters that read differently as surnames (朴 is piáo).

A person's keys are the family name, the given name, and both together in either order.
A search turns the typed text into candidate keys the same way and looks for stored keys
that start with one of them (one indexed query, children.queries.search_filter).
"""

import re
import unicodedata
from functools import lru_cache
from typing import Any

# SLOW_IMPORTS: the reading libraries are imported inside the functions that first need
# them. pypinyin alone loads its phrase dictionary for about 0.2 s, which every process
# (each gunicorn worker, each management command) would otherwise pay at start-up through
# the services that import this module.

# Sino-Korean readings of surnames where the common reading (hanja's) differs, or where
# the character is written simplified. Keys are simplified and traditional characters.
SURNAME_HANGUL = {
    "金": "김",
    "李": "이",
    "朴": "박",
    "崔": "최",
    "郑": "정",
    "鄭": "정",
    "刘": "유",
    "劉": "유",
    "柳": "유",
    "林": "임",
    "卢": "노",
    "盧": "노",
    "鲁": "노",
    "魯": "노",
    "罗": "나",
    "羅": "나",
    "梁": "양",
    "吕": "여",
    "呂": "여",
    "廉": "염",
    "龙": "용",
    "龍": "용",
    "陆": "육",
    "陸": "육",
    "赵": "조",
    "趙": "조",
    "张": "장",
    "張": "장",
    "韩": "한",
    "韓": "한",
    "吴": "오",
    "吳": "오",
    "孙": "손",
    "孫": "손",
    "黄": "황",
    "黃": "황",
    "许": "허",
    "許": "허",
    "权": "권",
    "權": "권",
    "边": "변",
    "邊": "변",
    "车": "차",
    "車": "차",
    "严": "엄",
    "嚴": "엄",
    "冯": "풍",
    "馮": "풍",
    "杨": "양",
    "楊": "양",
    "陈": "진",
    "陳": "진",
    "玄": "현",
    "南宫": "남궁",
    "南宮": "남궁",
    "皇甫": "황보",
    "诸葛": "제갈",
    "諸葛": "제갈",
    "鲜于": "선우",
    "鮮于": "선우",
}

# Mandarin readings of characters that read differently as surnames.
SURNAME_PINYIN = {
    "朴": "piao",
    "单": "shan",
    "單": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "區": "ou",
    "查": "zha",
    "曾": "zeng",
    "乐": "yue",
    "樂": "yue",
    "盖": "ge",
    "蓋": "ge",
    "缪": "miao",
    "繆": "miao",
    "覃": "qin",
    "尉": "yu",
    "召": "shao",
    "繁": "po",
    "种": "chong",
    "秘": "bi",
    "宿": "su",
    "长孙": "zhangsun",
    "長孫": "zhangsun",
}

# Spellings of Korean surnames, folded (lower case, no diacritics or apostrophes), each
# to its group. Hangul romanised by korean-romanizer lands here too (김 → gim, 리 → ri).
# A spelling may belong to two groups (Chun is 전 or 천): a search then tries both.
SURNAME_GROUPS: dict[str, tuple[str, ...]] = {
    "kim": ("gim", "kim", "keem"),
    "lee": ("i", "lee", "yi", "rhee", "ri", "rhie", "lie", "li", "ree", "yee", "ree"),
    "park": ("bak", "park", "pak", "bahk", "pag", "bag"),
    "choi": ("choe", "choi", "chwe", "choy", "chey"),
    "jeong": ("jeong", "jung", "chung", "chong", "joung", "cheong", "jong"),
    "kang": ("gang", "kang", "kahng"),
    "jo": ("jo", "cho", "joe", "chough"),
    "yun": ("yun", "yoon", "youn"),
    "jang": ("jang", "chang"),
    "im": ("im", "lim", "rim", "yim", "leem", "rhim"),
    "han": ("han", "hahn"),
    "oh": ("o", "oh"),
    "seo": ("seo", "suh", "so", "seu"),
    "sin": ("sin", "shin", "shinn", "sheen"),
    "gwon": ("gwon", "kwon", "kwun"),
    "hwang": ("hwang", "whang"),
    "an": ("an", "ahn"),
    "song": ("song", "soung"),
    "yu": ("yu", "yoo", "ryu", "ryoo", "lyu", "you", "ryou", "rew"),
    "hong": ("hong",),
    "jeon": ("jeon", "jun", "chun", "chon", "chŏn"),
    "cheon": ("cheon", "chun", "chon"),
    "go": ("go", "ko", "koh"),
    "mun": ("mun", "moon", "moun"),
    "yang": ("yang", "ryang", "lyang"),
    "son": ("son", "sohn"),
    "bae": ("bae", "bai", "pae", "bay"),
    "baek": ("baek", "paek", "paik", "baik", "back", "pack"),
    "heo": ("heo", "hur", "huh", "ho"),
    "nam": ("nam",),
    "no": ("no", "noh", "ro", "roh"),
    "ha": ("ha",),
    "gwak": ("gwak", "kwak"),
    "seong": ("seong", "sung"),
    "cha": ("cha",),
    "ju": ("ju", "joo", "chu", "choo"),
    "u": ("u", "woo", "wu"),
    "na": ("na", "ra", "la"),
    "min": ("min",),
    "yeo": ("yeo", "yo", "ryeo", "lyeo", "yuh"),
    "hyeon": ("hyeon", "hyun"),
    "yeom": ("yeom", "ryeom", "yum"),
    "yong": ("yong", "ryong"),
    "yuk": ("yuk", "ryuk", "yook"),
    "jin": ("jin", "chin"),
    "eom": ("eom", "um", "ŏm"),
    "byeon": ("byeon", "byun", "pyon", "pyeon"),
}
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
SEPARATORS = re.compile(r"[\s\-‐‑·・.'’ʼ`ʻ,]+")


def _is_hangul(char: str) -> bool:
    return HANGUL_FIRST <= ord(char) <= HANGUL_LAST


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


def fold_latin(text: str) -> str:
    """Lower case ASCII letters only: diacritics, apostrophes, tone numbers and spaces go."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if "a" <= c <= "z")


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    from opencc_purepy import OpenCC  # imported on first use: see SLOW_IMPORTS

    return OpenCC("t2s")


def simplified(text: str) -> str:
    return _to_simplified().convert(text) if any(_is_han(c) for c in text) else text


def as_written(text: str) -> str:
    """The `s:` form: lower case, simplified characters, Latin letters folded, no separators."""
    text = simplified(SEPARATORS.sub("", unicodedata.normalize("NFKC", text).lower()))
    return "".join(c if _is_han(c) or _is_hangul(c) else fold_latin(c) for c in text)


@lru_cache(maxsize=4096)
def _hanja_reading(char: str) -> str:
    import hanja  # imported on first use: see SLOW_IMPORTS

    reading = hanja.translate(char, "substitution")
    return reading if reading and all(_is_hangul(c) for c in reading) else ""


@lru_cache(maxsize=4096)
def _romanised_syllable(syllable: str) -> str:
    from korean_romanizer.romanizer import Romanizer  # imported on first use: see SLOW_IMPORTS

    return fold_latin(Romanizer(syllable).romanize())


def hangul_of(text: str, *, surname: bool = False) -> str:
    """Chinese characters read in Sino-Korean (surname readings first for a surname)."""
    text = SEPARATORS.sub("", text)
    if surname:
        for length in (2, 1):
            head = text[:length]
            if head in SURNAME_HANGUL:
                return SURNAME_HANGUL[head] + hangul_of(text[length:])
    return "".join(_hanja_reading(c) if _is_han(c) else c for c in text)


def romanised(text: str, *, surname: bool = False) -> str:
    """Hangul and Chinese characters romanised syllable by syllable (Revised Romanisation),
    Latin letters folded; anything else dropped."""
    text = hangul_of(text, surname=surname)
    return "".join(_romanised_syllable(c) if _is_hangul(c) else fold_latin(c) for c in text)


# Revised and McCune–Reischauer spellings, and the usual English ones, meet here.
_FOLDS = [
    ("eo", "o"),
    ("eu", "u"),
    ("ch", "c"),
    ("sh", "s"),
    ("j", "c"),
    ("g", "k"),
    ("d", "t"),
    ("b", "p"),
    ("r", "l"),
    ("f", "p"),
]


def fold_korean(romanisation: str, *, initial: bool = True) -> str:
    """The folded Korean reading. `initial`: the text starts a name, where the initial-sound
    rule drops or softens an l or n (리 → 이, 류 → 유, 로 → 노), so both are folded alike."""
    text = romanisation
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = re.sub(r"(.)\1+", r"\1", text)
    if initial:
        text = re.sub(r"^[ln](?=[iy])", "", text)
        text = re.sub(r"^l", "n", text)
    return text


SPELLING_GROUPS: dict[str, set[str]] = {}
for _group, _spellings in SURNAME_GROUPS.items():
    for _spelling in _spellings:
        SPELLING_GROUPS.setdefault(fold_latin(_spelling), set()).add(_group)


def surname_groups(romanisation: str) -> set[str]:
    return SPELLING_GROUPS.get(romanisation, set())


def pinyin_of(text: str, *, surname: bool = False) -> str:
    """Pinyin without tones; Latin letters folded; Hangul dropped (it has no Mandarin reading)."""
    text = simplified(SEPARATORS.sub("", text))
    head = ""
    if surname:
        for length in (2, 1):
            if text[:length] in SURNAME_PINYIN:
                head, text = SURNAME_PINYIN[text[:length]], text[length:]
                break
    if not any(_is_han(c) for c in text):
        return head + fold_latin("".join(c for c in text if not _is_hangul(c)))
    from pypinyin import Style, lazy_pinyin  # imported on first use: see SLOW_IMPORTS

    return head + fold_latin("".join(p for p in lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")))


def _korean_family_forms(family: str) -> set[str]:
    spelled = romanised(family, surname=True)
    return surname_groups(spelled) or ({fold_korean(spelled)} if spelled else set())


def person_keys(family_name: str, given_name: str) -> set[str]:
    """Every key a person with these names is found by."""
    family, given = (family_name or "").strip(), (given_name or "").strip()
    keys: set[str] = set()

    def combine(space: str, families: set[str], givens: set[str]) -> None:
        parts = {f for f in families if f} | {g for g in givens if g}
        keys.update(space + part for part in parts)
        keys.update(space + f + g for f in families for g in givens if f and g)
        keys.update(space + g + f for f in families for g in givens if f and g)

    combine("s:", {as_written(family)}, {as_written(given)})
    given_korean = romanised(given)
    # The given name with and without the initial-sound rule: a typed whole name is
    # folded as one word, where the rule applies only to its start.
    givens = {fold_korean(given_korean), fold_korean(given_korean, initial=False)} if given_korean else set()
    combine("k:", _korean_family_forms(family), givens)
    combine("p:", {pinyin_of(family, surname=True)}, {pinyin_of(given)})
    return {_joined(key) for key in keys if len(key) > 2}


def _joined(key: str) -> str:
    """Doubled letters where two folded parts meet fold too (wang + geon: wankon, as typed)."""
    return key[:2] + re.sub(r"(.)\1+", r"\1", key[2:]) if key.startswith("k:") else key


def whole_name_keys(family_name: str, given_name: str) -> set[str]:
    """Only the keys of family and given name together (either order): what the
    duplicate check compares, so that a shared surname alone is no match."""
    return person_keys(family_name, given_name) - person_keys(family_name, "") - person_keys("", given_name)


def query_keys(text: str) -> set[str]:
    """The keys a typed name may start: the whole text, read in each script, with the
    surname taken from either end (a name in either order, with or without a space)."""
    text = unicodedata.normalize("NFKC", text).strip()[:100]
    if not text or any(c.isdigit() for c in text):
        return set()  # names have no digits: a case number is searched as such
    keys = {"s:" + as_written(text)}
    pinyins = {pinyin_of(text, surname=True), pinyin_of(text)}
    spellings = {romanised(text, surname=True), romanised(text)}
    han = "".join(c for c in SEPARATORS.sub("", text) if _is_han(c))
    if han and len(han) > 1:
        # Given name first: the surname is the last character.
        last = SEPARATORS.sub("", text)
        spellings.add(romanised(last[:-1]) + romanised(last[-1], surname=True))
        pinyins.add(pinyin_of(last[:-1]) + pinyin_of(last[-1], surname=True))
    keys.update("p:" + p for p in pinyins if p)
    for spelled in filter(None, spellings):
        keys.add("k:" + fold_korean(spelled))
        for spelling, groups in SPELLING_GROUPS.items():
            if spelled == spelling:
                keys.update("k:" + group for group in groups)
            elif spelled.startswith(spelling):
                rest = fold_korean(spelled[len(spelling) :])
                keys.update("k:" + group + rest for group in groups)
            if spelled.endswith(spelling) and spelled != spelling:
                rest = fold_korean(spelled[: -len(spelling)])
                keys.update("k:" + rest + group for group in groups)
    return {_joined(key) for key in keys if _long_enough(key[2:])}


def _long_enough(prefix: str) -> bool:
    """One Latin letter would start half the keys; one Hangul syllable or character is a name."""
    return len(prefix) >= 2 or (len(prefix) == 1 and not prefix.isascii())
