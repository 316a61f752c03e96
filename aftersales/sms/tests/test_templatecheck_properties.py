"""Property tests for segmentation: whatever the text, the parts rebuild it, fit their limit,
never cut an escape pair, a surrogate pair or a grapheme cluster, and their count is the segment count."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.sms.templatecheck import (
    GSM7,
    GSM7_ALL,
    GSM7_EXTENSION,
    MULTI_LIMIT,
    SINGLE_LIMIT,
    check,
    graphemes,
)

GSM_CHARS = sorted(GSM7_ALL)
# Pieces that stress the splitter: extension characters, emoji, flags, ZWJ sequences, skin tones,
# variation selectors, combining marks, CR LF, Chinese and smart punctuation.
PIECES = [
    "€",
    "{",
    "]",
    "a",
    " ",
    "中",
    "文",
    "\u2019",
    "\u2014",
    "\U0001f600",
    "\U0001f1e8\U0001f1f3",
    "\U0001f1ec\U0001f1e7",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f44d\U0001f3fd",
    "\u2764\ufe0f",
    "e\u0301",
    "a\u0301\u0308",
    "\r\n",
    "1\ufe0f\u20e3",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
]

gsm_text = st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=700)
mixed_text = st.lists(st.sampled_from(PIECES), max_size=250).map("".join)
any_text = st.one_of(gsm_text, mixed_text, st.text(max_size=400))


def _limit(result) -> int:
    return (SINGLE_LIMIT if result.segments == 1 else MULTI_LIMIT)[result.encoding]


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_parts_rebuild_the_text_and_fit_their_limit(text):
    result = check(text)
    assert "".join(result.parts) == text
    assert result.segments == len(result.parts)
    assert all(part for part in result.parts)
    assert all(units <= _limit(result) for units in result.part_units)
    assert sum(result.part_units) == result.units


# 3GPP 23.038: the default alphabet in code order (0x1B is ESC) and the extension table's codes.
GSM_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION_CODES = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
ESC = 0x1B


def septets(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        if ch in GSM_EXTENSION_CODES:
            out += [ESC, GSM_EXTENSION_CODES[ch]]
        else:
            out.append(GSM_TABLE.index(ch))
    return out


def test_the_septet_tables_match_the_checkers():
    assert len(GSM_TABLE) == 128 and GSM_TABLE[ESC] == "\x1b"
    assert set(GSM_TABLE) - {"\x1b"} == set(GSM7_ALL) - GSM7_EXTENSION
    assert set(GSM_EXTENSION_CODES) == GSM7_EXTENSION


@settings(max_examples=300, deadline=None)
@given(gsm_text)
def test_gsm_text_never_splits_an_escape_pair(text):
    result = check(text)
    assert result.encoding == GSM7
    encoded = [septets(part) for part in result.parts]
    # The parts' septets are the message's septets, cut only between characters: no part ends on
    # an ESC whose code went to the next part, and each part fits its limit in real septets.
    assert [septet for part in encoded for septet in part] == septets(text)
    for part_septets in encoded:
        assert part_septets[-1:] != [ESC]
        assert len(part_septets) <= _limit(result)
    assert [len(part) for part in encoded] == result.part_units


@settings(max_examples=300, deadline=None)
@given(mixed_text)
def test_clusters_and_surrogate_pairs_are_never_split(text):
    result = check(text)
    clusters = list(graphemes(text))
    boundaries = {0}
    position = 0
    for cluster in clusters:
        position += len(cluster)
        boundaries.add(position)
    position = 0
    for part in result.parts:
        position += len(part)
        assert position in boundaries
        # Python strings hold code points: a part never ends with half a surrogate pair.
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in part)


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40))
def test_known_clusters_come_back_as_they_went_in(pieces):
    separated = "|".join(pieces)  # | keeps regional indicators from pairing across pieces
    assert [c for c in graphemes(separated) if c != "|"] == pieces
