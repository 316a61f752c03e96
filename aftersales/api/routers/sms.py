"""/sms: the SMS template checker over HTTP (issue 6).

Runs ``sms.templatecheck.check`` and answers what the page shows: encoding, counts, the parts,
the characters that forced UCS-2, and the findings translated into the caller's language with
the slug (and desk link) of the knowledge article that explains each one. It writes nothing, but
it is a POST (a template can be long), so like every POST it needs a writer's role.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import field_validator

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS
from aftersales.sms.checking import shown_findings
from aftersales.sms.forms import MAX_TEMPLATE_LENGTH
from aftersales.sms.templatecheck import check

router = Router()


class TemplateCheckIn(Schema):
    text: str = Field(
        min_length=1,
        max_length=MAX_TEMPLATE_LENGTH,
        description="The template as it will be sent, placeholders included.",
    )
    country: str | None = Field(
        None,
        pattern=r"^([A-Za-z]{2})?$",
        description="ISO 3166 alpha-2 code of the destination market (CN, IN, GB …); empty or null for none.",
        examples=["CN"],
    )
    purpose: Literal["notification", "otp", "marketing"] = Field("notification", description="What the message is for.")

    sender: str | None = Field(
        None,
        max_length=20,
        description="Optional sender ID to check too: 3-11 letters and digits, or a number of at most 15 digits.",
        examples=["ACME"],
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("the text is empty"))
        return value


class FindingOut(Schema):
    code: str = Field(description="Stable machine code, e.g. otp_multipart, shortener, cn_signature_length.")
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="What is wrong and what to do, in the caller's language.")
    article: str | None = Field(description="Slug of the knowledge article with the standard solution, if any.")
    article_url: str | None = Field(None, description="That article's page in the agent desk, if it exists here.")


class ForcingCharacterOut(Schema):
    char: str
    codepoint: str = Field(description="U+XXXX")
    count: int
    replacement: str | None = Field(description='GSM-7 replacement; "" means remove it; null when there is none.')


class TemplateCheckOut(Schema):
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int = Field(description="Unicode code points.")
    units: int = Field(description="Billed units: GSM-7 septets (2 per extension character) or UTF-16 code units.")
    segments: int = Field(description="Parts the message is sent and billed as.")
    parts: list[str] = Field(description="The text of each part; joined they give the text back.")
    part_units: list[int] = Field(description="Units in each part (at most 160/153 GSM-7, 70/67 UCS-2).")
    ucs2_characters: list[ForcingCharacterOut] = Field(description="The characters that forced UCS-2.")
    suggested_text: str | None = Field(description="The text with those characters replaced, when that makes it GSM-7.")
    compliant: bool = Field(description="No finding of severity error.")
    findings: list[FindingOut]


@router.post(
    "/template-check",
    response={200: TemplateCheckOut, **ERRORS},
    summary="Check an SMS template",
    description="Encoding (GSM-7 or UCS-2), characters, billed units and parts of a message template, and the "
    "findings for the market and purpose: one-part OTPs, link shorteners, opt-out and brand for "
    "marketing, China signature 【】 rules and forbidden characters, India DLT {#var#}, Aliyun ${x} "
    "and Tencent {1} placeholders, length limits, marketing quiet hours; and the sender ID, if given.",
)
def template_check(request: HttpRequest, payload: TemplateCheckIn) -> dict[str, Any]:
    result = check(payload.text, payload.country or None, payload.purpose, sender=payload.sender or None)
    return {
        "encoding": result.encoding,
        "characters": result.characters,
        "units": result.units,
        "segments": result.segments,
        "parts": result.parts,
        "part_units": result.part_units,
        "ucs2_characters": [
            {"char": item.char, "codepoint": item.codepoint, "count": item.count, "replacement": item.replacement}
            for item in result.forcing
        ],
        "suggested_text": result.suggested_text,
        "compliant": result.compliant,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "article": f.article,
                "article_url": f.article_url,
            }
            for f in shown_findings(result, caller(request))
        ],
    }
