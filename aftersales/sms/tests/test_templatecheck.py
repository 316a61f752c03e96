"""The template checker's segment math (a table of published examples) and its findings.

The segment table follows TwilioDevEd/message-segment-calculator's tests, the ground truth
named in sms-domain.md section 6: 160/153 septets for GSM-7, 70/67 UTF-16 units for UCS-2,
extension characters count two and never straddle parts, emoji and flags are never split.
"""

from __future__ import annotations

import pytest

from aftersales.sms.templatecheck import GSM7, UCS2, check, graphemes, split_parts, units_of

FLAG_CN = "\U0001f1e8\U0001f1f3"  # 🇨🇳
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦 (ZWJ sequence)
THUMB_TONE = "\U0001f44d\U0001f3fd"  # 👍🏽
GRIN = "\U0001f600"  # 😀


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "units", "part_units"),
    [
        ("a" * 160, GSM7, 160, 160, [160]),
        ("a" * 161, GSM7, 161, 161, [153, 8]),
        ("a" * 306, GSM7, 306, 306, [153, 153]),
        ("a" * 307, GSM7, 307, 307, [153, 153, 1]),
        ("a" * 459, GSM7, 459, 459, [153, 153, 153]),
        ("€" * 80, GSM7, 80, 160, [160]),  # extension characters count two
        ("€" * 81, GSM7, 81, 162, [152, 10]),  # ... and an escape pair is never split (152, not 153)
        ("a" * 152 + "€" + "a" * 10, GSM7, 163, 164, [152, 12]),  # the € at the 153rd position moves on
        ("a" * 151 + "€" + "a" * 10, GSM7, 162, 163, [153, 10]),  # at 152-153 it still fits
        ("中" * 70, UCS2, 70, 70, [70]),
        ("中" * 71, UCS2, 71, 71, [67, 4]),
        ("中" * 134, UCS2, 134, 134, [67, 67]),
        ("中" * 135, UCS2, 135, 135, [67, 67, 1]),
        (GRIN * 35, UCS2, 35, 70, [70]),  # emoji are two UTF-16 units
        (GRIN * 36, UCS2, 36, 72, [66, 6]),  # 33 emoji per part: the 34th would split a surrogate pair
        ("a" * 66 + GRIN + "a" * 3, UCS2, 70, 71, [66, 5]),  # the surrogate pair is not cut at 67
        (FLAG_CN * 17 + "a" * 2, UCS2, 36, 70, [70]),
        (FLAG_CN * 20, UCS2, 40, 80, [64, 16]),  # a flag (4 units) is never split: 16 flags per part
        ("a" * 65 + FAMILY, UCS2, 72, 76, [65, 11]),  # the ZWJ family moves whole to part 2
        ("Hello ça va", UCS2, 11, 11, [11]),  # ç is not GSM-7 (only Ç is)
        ("`", UCS2, 1, 1, [1]),
        ("", GSM7, 0, 0, []),
    ],
)
def test_published_segment_examples(text, encoding, characters, units, part_units):
    result = check(text)
    assert result.encoding == encoding
    assert result.characters == characters
    assert result.units == units
    assert result.part_units == part_units
    assert result.segments == len(part_units)
    assert "".join(result.parts) == text


def test_graphemes_keep_flags_zwj_sequences_skin_tones_and_marks_whole():
    text = f"{FLAG_CN}{FLAG_CN}x{THUMB_TONE}{FAMILY}e\u0301\r\n❤\ufe0f1\ufe0f\u20e3"
    assert list(graphemes(text)) == [
        FLAG_CN,
        FLAG_CN,
        "x",
        THUMB_TONE,
        FAMILY,
        "e\u0301",
        "\r\n",
        "❤\ufe0f",
        "1\ufe0f\u20e3",
    ]


def test_an_odd_regional_indicator_stays_alone():
    assert list(graphemes("\U0001f1e8\U0001f1f3\U0001f1fa")) == [FLAG_CN, "\U0001f1fa"]


def test_plain_chinese_is_split_every_67_characters():
    assert split_parts("短" * 200) == ["短" * 67, "短" * 67, "短" * 66]


def test_units_count_escape_pairs_and_surrogates():
    assert units_of("{[]}", GSM7) == 8
    assert units_of("a" + GRIN, UCS2) == 3


# --- The "done when": a Chinese OTP with a bit.ly link ----------------------------------
CHINESE_OTP = (
    "【星河科技】您的验证码是123456，5分钟内有效，请勿泄露给他人。如非本人操作，请忽略本短信。"
    "查看详情 https://bit.ly/3xYzAbC 。感谢您使用星河科技的服务，祝您生活愉快！"
)


def test_chinese_otp_with_a_bitly_link_costs_two_segments_and_is_not_compliant():
    result = check(CHINESE_OTP, "CN", "otp")
    assert result.encoding == UCS2
    assert 70 < result.characters <= 134
    assert result.segments == 2
    assert result.part_units == [67, result.characters - 67]
    codes = {finding.code: finding for finding in result.findings}
    assert codes["otp_multipart"].severity == "error"
    assert codes["otp_multipart"].params == {"segments": 2, "units": 97, "limit": 70, "encoding": "UCS-2"}
    assert codes["shortener"].params == {"host": "bit.ly"}
    assert codes["shortener"].article == "template-rejected"
    assert codes["ucs2_needed"].article == "gsm7-ucs2-segments"
    assert not result.compliant


# --- Encoding findings -----------------------------------------------------------------------
def test_smart_quotes_dashes_and_ellipsis_are_reported_with_gsm_replacements():
    result = check("Your code is 123456 \u2014 don\u2019t share it\u2026", purpose="otp")
    assert result.encoding == UCS2
    forcing = {item.char: item.replacement for item in result.forcing}
    assert forcing == {"\u2014": "-", "\u2019": "'", "\u2026": "..."}
    assert result.suggested_text == "Your code is 123456 - don't share it..."
    assert check(result.suggested_text).encoding == GSM7
    finding = next(f for f in result.findings if f.code == "accidental_unicode_same_parts")
    assert finding.severity == "warning"
    assert result.highlighted == frozenset(forcing)


def test_nbsp_and_accents_have_replacements_but_emoji_do_not():
    result = check(f"Caf\u00e9\u00a0ouvert {GRIN}")
    forcing = {item.char: item.replacement for item in result.forcing}
    assert forcing == {"\u00a0": " ", GRIN: None}  # é is GSM-7
    assert result.suggested_text is None
    assert [f.code for f in result.findings] == ["ucs2_needed"]


def test_chinese_text_is_not_highlighted_character_by_character():
    assert check("您的验证码是123456").highlighted == frozenset()


# --- Links, opt-out, brand ---------------------------------------------------------------------
@pytest.mark.parametrize("link", ["bit.ly/abc", "https://tinyurl.com/x1", "http://T.LY/abc", "see is.gd/q", "rb.gy/a"])
def test_public_shorteners_are_errors(link):
    result = check(f"Acme: your parcel is on its way {link}")
    assert [f.code for f in result.findings] == ["shortener"]


@pytest.mark.parametrize(
    "text",
    ["Acme: track at https://acme.example/t/1", "Acme: mail rabbit.ly.example.com", "Acme: visit orbit.lyon.example"],
)
def test_own_domains_are_fine(text):
    assert not [f for f in check(text).findings if f.code == "shortener"]


def test_marketing_needs_stop_style_opt_out_and_a_brand():
    codes = [f.code for f in check("Big sale today, 20% off everything!", purpose="marketing").findings]
    assert codes == ["marketing_no_opt_out", "no_brand"]
    weak = check("Acme: big sale today. Text 2 to opt out", purpose="marketing")
    assert [f.code for f in weak.findings] == ["marketing_weak_opt_out"]
    good = check("Acme: big sale today, 20% off. Reply STOP to unsubscribe", purpose="marketing")
    assert good.findings == []
    chinese = check("【星河商城】双十一全场五折，回T退订", "CN", "marketing")
    assert chinese.compliant


def test_notifications_need_no_opt_out_or_brand_outside_india():
    assert check("Your parcel arrives today.").findings == []


# --- Placeholders per market -------------------------------------------------------------------
def test_india_accepts_dlt_variables_and_flags_other_styles():
    ok = check("Dear customer, your Acme order {#var#} has been shipped. - Acme", "IN")
    assert [f.code for f in ok.findings] == ["dlt_variables"]
    assert ok.findings[0].params["count"] == 1
    wrong = check("Dear customer, your Acme order ${order} ships on {1}. - Acme", "IN")
    found = [(f.code, f.params.get("found")) for f in wrong.findings]
    assert ("placeholder_wrong_for_market", "${order}") in found
    assert ("placeholder_wrong_for_market", "{1}") in found
    assert all(f.article == "india-dlt" for f in wrong.findings if f.code.startswith("placeholder"))


def test_india_dlt_rules_fixed_text_spacing_brackets_and_brand():
    codes = {f.code for f in check("{#var#} {#var#}", "IN").findings}
    assert {"dlt_too_few_fixed", "no_brand"} <= codes
    codes = {f.code for f in check("Acme:  your code is {#var#} <valid>", "IN").findings}
    assert {"dlt_double_space", "dlt_angle_brackets"} <= codes
    share = check("Acme: order {#var#} ships {#var#} {#var#}", "IN")
    assert "dlt_variable_share" in {f.code for f in share.findings}


def test_china_recognises_aliyun_and_tencent_placeholders():
    aliyun = check("【星河科技】您的验证码是${code}，5分钟内有效。", "CN", "otp")
    assert aliyun.compliant and not [f for f in aliyun.findings if f.code.startswith("placeholder")]
    tencent = check("【星河科技】您的验证码是{1}，{2}分钟内有效。", "CN", "otp")
    assert tencent.compliant
    mixed = check("【星河科技】验证码${code}，{1}分钟内有效。", "CN", "otp")
    assert "placeholder_mixed" in {f.code for f in mixed.findings}
    dlt = check("【星河科技】验证码{#var#}，五分钟内有效。", "CN", "otp")
    assert "placeholder_wrong_for_market" in {f.code for f in dlt.findings}
    adjacent = check("【星河科技】验证码${code}${time}分钟内有效。", "CN", "otp")
    assert "cn_adjacent_variables" in {f.code for f in adjacent.findings}


def test_other_markets_just_note_the_placeholders():
    result = check("Hi {{name}}, your code is %s", "GB")
    assert [(f.code, f.severity) for f in result.findings] == [("placeholders_found", "info")]
    assert result.findings[0].params == {"styles": "{{name}}, %s"}


# --- China signature and content ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("【星】您的验证码是1234。", "cn_signature_length"),
        ("【星河科技有限公司客户服务中心】您的验证码是1234。", "cn_signature_length"),
        ("【星河-科技】您的验证码是1234。", "cn_signature_symbols"),
        ("【星河科技】您的验证码是1234，【请勿泄露】。", "cn_brackets_in_body"),
        ("【星河科技】会员价¥99，限时抢购★", "cn_forbidden_characters"),
        ("【星河科技】" + "长" * 500, "cn_too_long"),
    ],
)
def test_china_signature_and_content_errors(text, code):
    finding = next(f for f in check(text, "cn").findings if f.code == code)
    assert finding.severity == "error"
    assert finding.article == "china-signature-template"


def test_china_without_a_signature_says_the_vendor_adds_it():
    result = check("您的验证码是1234，5分钟内有效。", "CN", "otp")
    assert [(f.code, f.severity) for f in result.findings] == [
        ("ucs2_needed", "info"),
        ("cn_signature_missing", "info"),
    ]
    assert result.compliant


def test_signature_at_the_end_is_accepted():
    assert check("您的验证码是1234，5分钟内有效。【星河科技】", "CN", "otp").compliant


# --- Length limits -----------------------------------------------------------------------------
def test_long_messages_warn_past_six_parts_and_fail_past_3200_characters():
    assert [f.code for f in check("a" * 153 * 7).findings] == ["too_many_parts"]
    assert [f.code for f in check("a" * 3201).findings] == ["too_long"]


def test_unknown_purpose_is_refused():
    with pytest.raises(ValueError, match="purpose"):
        check("hi", purpose="spam")


# --- Sender IDs and quiet hours ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("sender", "country", "codes"),
    [
        ("ACME", "DE", []),
        ("ACME", "GB", ["sender_registration"]),
        ("ACME", "AE", ["sender_registration"]),
        ("ACME", "KE", ["sender_registration_unknown"]),
        ("AC", None, ["sender_alpha_length"]),
        ("ACMEWIDGETS12", None, ["sender_alpha_length"]),
        ("ACME-SHOP", None, ["sender_alpha_characters"]),
        ("ACME", "US", ["sender_alpha_unsupported"]),
        ("ACME", "CN", ["sender_via_account_manager"]),
        ("+447700900123", "US", []),
        ("1234567890123456", None, ["sender_numeric_length"]),
    ],
)
def test_sender_id_format_and_market(sender, country, codes):
    result = check("Your parcel arrives today.", country, sender=sender)
    assert [f.code for f in result.findings if f.code.startswith("sender_")] == codes


def test_uae_registration_names_the_lead_time_and_the_article():
    (finding,) = check("Your parcel arrives today.", "AE", sender="ACME").findings
    assert finding.params == {"days": 25}
    assert finding.article == "sender-id-middle-east"


def test_marketing_quiet_hours_in_china_and_india():
    (finding,) = [
        f for f in check("【星河商城】全场五折，回T退订", "CN", "marketing").findings if f.code == "quiet_hours"
    ]
    assert finding.params == {"start": "20:00", "end": "08:00"}
    india = check("Acme: 50% off today. Reply STOP to opt out", "IN", "marketing")
    assert {"start": "21:00", "end": "09:00"} in [f.params for f in india.findings if f.code == "quiet_hours"]


def test_stray_unicode_names_the_parts_saved_only_when_some_are():
    long_text = "Your parcel is on its way \u2014 track it at example.com/t/123 " * 4  # 236 chars
    saving = next(f for f in check(long_text).findings if f.code.startswith("accidental_unicode"))
    assert saving.code == "accidental_unicode"
    assert (saving.params["gsm_segments"], saving.params["segments"]) == (2, 4)
    same = next(f for f in check("Hi \u2014 there").findings if f.code.startswith("accidental_unicode"))
    assert same.code == "accidental_unicode_same_parts" and same.params["segments"] == 1
