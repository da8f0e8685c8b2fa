"""Name keys across scripts (casework.names.readings): the keys a typed name makes start
one of the keys of the recorded name, whatever script or romanisation either is in."""

import pytest

from casework.names.readings import fold_korean, person_keys, query_keys, romanised


def finds(recorded: tuple[str, str], typed: str) -> bool:
    stored = person_keys(*recorded)
    return any(key.startswith(prefix) for key in stored for prefix in query_keys(typed))


KIM_HANZI = ("金", "正花")
KIM_HANGUL = ("김", "정화")


@pytest.mark.parametrize(
    "typed",
    [
        "김정화",
        "金正花",
        "Kim Jeong-hwa",
        "Kim Chong-hwa",
        "Kim Chŏng-hwa",
        "Gim Jeonghwa",
        "jin zheng hua",
        "Jin Zhenghua",
        "jīn zhèng huā",
        "Jeonghwa Kim",
        "정화 김",
        "kimjeonghwa",
        "김 정화",
    ],
)
def test_a_name_in_chinese_characters_is_found_however_it_is_typed(typed):
    assert finds(KIM_HANZI, typed)


@pytest.mark.parametrize("typed", ["金正花", "Kim Jeong-hwa", "Kim Chŏng-hwa", "jeonghwa-kim", "김정화", "Kim"])
def test_a_name_in_hangul_is_found_by_characters_and_romanisations(typed):
    assert finds(KIM_HANGUL, typed)


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        (("Kim", "Jeong-hwa"), "김정화"),  # recorded in romanisation, typed in Hangul
        (("Pak", "Chŏng-hŭi"), "박정희"),  # McCune–Reischauer with diacritics
        (("Ch'oe", "Un-hui"), "최은희"),
        (("刘", "桂兰"), "劉桂蘭"),  # simplified recorded, traditional typed
        (("劉", "桂蘭"), "刘桂兰"),
        (("王", "桂兰"), "王桂兰"),  # the whole name without a space
        (("王", "桂兰"), "桂兰"),  # the given name alone, as before
        (("하", "은정"), "하은정"),
        (("李", "明"), "리명"),  # the initial-sound rule, with and without
        (("李", "明"), "이명"),
        (("이", "명"), "Ri Myong"),
        (("이", "명"), "Lee Myeong"),
        (("이", "명"), "Yi Myŏng"),
        (("柳", "美"), "류미"),
        (("유", "미"), "Ryu Mi"),
        (("朴", "正"), "piao zheng"),  # 朴 is piáo as a surname, not pǔ
        (("朴", "正"), "Park Jeong"),
        (("최", "수"), "Choi Su"),
        (("崔", "秀"), "Choe Su"),
        (("Zhang", "Wei"), "张伟"),
        (("张", "伟"), "Zhang Wei"),
    ],
)
def test_names_are_found_across_scripts(recorded, typed):
    assert finds(recorded, typed)


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [(KIM_HANZI, "박정화"), (KIM_HANZI, "Lee Jeonghwa"), (("王", "桂兰"), "刘桂兰"), (KIM_HANGUL, "김정숙")],
)
def test_other_names_are_not_found(recorded, typed):
    assert not finds(recorded, typed)


def test_a_case_number_or_one_latin_letter_makes_no_name_key():
    assert query_keys("C-2026-0004") == set()
    assert query_keys("k") == set()
    assert query_keys("김") != set()


@pytest.mark.parametrize(
    ("revised", "mccune_reischauer"),
    # Published pairs (the Revised Romanisation of 2000 and McCune–Reischauer of 1939).
    [
        ("Jeong", "Chŏng"),
        ("Busan", "Pusan"),
        ("Gwangju", "Kwangju"),
        ("Eunjeong", "Ŭnjŏng"),
        ("Cheongjin", "Ch'ŏngjin"),
        ("Daegu", "Taegu"),
        ("Jeju", "Cheju"),
        ("Hamgyeong", "Hamgyŏng"),
    ],
)
def test_revised_and_mccune_reischauer_spellings_fold_alike(revised, mccune_reischauer):
    assert fold_korean(romanised(revised)) == fold_korean(romanised(mccune_reischauer))


def test_hangul_is_romanised_syllable_by_syllable_in_revised_romanisation():
    assert romanised("김정화") == "gimjeonghwa"
    assert romanised("金正花", surname=True) == "gimjeonghwa"  # 金 read 김 as a surname, not 금
