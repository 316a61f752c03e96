"""Demo resolution notes and quality reviews (issue 8).

The demo's tickets are resolved by ``demo.loader`` through the ticket actions, before resolution notes
existed in its stories; this module fills them in afterwards: a root cause chosen from the ticket's
category, a short summary and, on some, the customer's underlying need — in the ticket's language —
on the ticket and on the status event that resolved it (so the timeline shows them). Then the team
lead scores a few recently resolved tickets (``feedback.quality``), leaving the rest as the sample.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.core import clock
from aftersales.feedback import quality
from aftersales.feedback.models import QualityReview
from aftersales.tickets.models import DONE_STATUSES, EventKind, RootCause, Status, Ticket, TicketEvent

LIMIT = 400
REVIEWS = 8
# category code → (root cause code, English summary, Chinese summary)
BY_CATEGORY: dict[str, tuple[str, str, str]] = {
    "delivery-conversion": (
        "vendor-carrier",
        "The carrier route failed; traffic moved to a backup route.",
        "运营商线路故障，已切换到备用线路。",
    ),
    "sender-id": (
        "vendor-carrier",
        "Re-submitted the sender ID with the carrier's missing document.",
        "补交运营商要求的材料后重新提交 Sender ID。",
    ),
    "fraud": (
        "fraud",
        "Blocked the pumped prefixes and added a verify rate limit.",
        "封禁被刷号段，并为验证码接口增加频率限制。",
    ),
    "documents": (
        "documentation-gap",
        "Sent the missing guide; the public docs are being updated.",
        "发送了缺失的文档，公开文档正在补充。",
    ),
    "support-quality": ("other", "Apologised, answered fully and set a follow-up.", "致歉并完整答复，约定了回访。"),
    "vendor-support": (
        "vendor-carrier",
        "The vendor fixed the problem after our escalation.",
        "升级处理后，原厂修复了问题。",
    ),
    "inaccurate-answers": (
        "documentation-gap",
        "Corrected the earlier answer and the macro behind it.",
        "更正了之前的答复及对应的快捷回复。",
    ),
    "platform-logic": (
        "our-platform",
        "Explained the platform rule; a clearer message is planned.",
        "解释了平台逻辑，计划改进提示文字。",
    ),
    "accounts": (
        "customer-config",
        "The sub-account's settings were wrong; corrected with the customer.",
        "子账号配置有误，已与客户一起更正。",
    ),
    "billing-balance": (
        "billing",
        "Explained the invoice lines and topped up the balance.",
        "解释了账单明细，余额已充值。",
    ),
}
FALLBACK = ("other", "Answered the customer's question.", "已答复客户的问题。")
# Every third ticket notes the need behind the question (the seed: "never the pain behind it").
NEEDS = (
    ("Wants to hear about carrier problems before their users do.", "希望在用户发现之前就得知运营商故障。"),
    ("Needs a checklist for sender ID registration per country.", "需要按国家整理的 Sender ID 注册清单。"),
    ("Needs a balance alert before the account runs dry.", "需要在余额耗尽前收到提醒。"),
)
# (correct, complete, tone, root cause found, notes)
CARDS = (
    (True, True, 5, True, "Clear answer, cause found and explained."),
    (True, False, 4, True, "Right fix, but the customer's second question went unanswered."),
    (True, True, 4, False, "Solved the symptom; the cause was not looked for."),
    (False, False, 2, False, "Wrong first answer; the customer had to ask again."),
)


def _zh(ticket: Ticket) -> bool:
    language = ticket.contact.language if ticket.contact else ""
    language = language or (ticket.customer.language if ticket.customer else "")
    return language.startswith("zh")


def load(*, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any]) -> dict[str, int]:
    causes = {cause.code: cause for cause in RootCause.objects.all()}
    done = list(
        Ticket.objects.filter(
            status__in=DONE_STATUSES, resolved_at__isnull=False, root_cause__isnull=True, merged_into__isnull=True
        )
        .select_related("category", "contact", "customer")
        .order_by("-resolved_at")[:LIMIT]
    )
    noted = 0
    for index, ticket in enumerate(done):
        code, summary_en, summary_zh = BY_CATEGORY.get(ticket.category.code if ticket.category else "", FALLBACK)
        cause = causes.get(code)
        zh = _zh(ticket)
        need = NEEDS[index // 3 % len(NEEDS)][1 if zh else 0] if index % 3 == 0 else ""
        summary = summary_zh if zh else summary_en
        Ticket.objects.filter(pk=ticket.pk).update(resolution_summary=summary, root_cause=cause, underlying_need=need)
        event = (
            TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS, after__status=Status.RESOLVED)
            .order_by("-at", "-id")
            .first()
        )
        if event is not None:
            event.after = {
                **event.after,
                "resolution": {
                    "summary": summary,
                    "underlying_need": need,
                    "root_cause": {"code": cause.code, "en": cause.name_en, "zh": cause.name_zh} if cause else None,
                },
            }
            event.save(update_fields=["after"])
        noted += 1

    lead = users.get("demo-lead")
    reviewed = 0
    if lead is not None:
        recent = list(
            quality.reviewable_tickets(now=now).select_related("owner").order_by("-resolved_at", "-pk")[:REVIEWS]
        )
        for index, ticket in enumerate(recent):
            correct, complete, tone, found, notes = CARDS[index % len(CARDS)]
            with clock.moving(min(now, (ticket.resolved_at or now) + dt.timedelta(hours=20))):
                quality.record_review(
                    ticket=ticket,
                    reviewer=lead,
                    correct=correct,
                    complete=complete,
                    tone=tone,
                    root_cause_found=found,
                    notes=notes,
                )
            reviewed += 1
    return {"resolution_notes": noted, "quality_reviews": reviewed, "quality_total": QualityReview.objects.count()}
