"""Demo check-ins and a past NPS survey (issue 8).

Every active master account gets a check-in plan owned by its account manager (key accounts every
14 days, the others every 30), with a history of logged touchpoints. Suda Logistics (速达物流) and
MoonLight Studio were last contacted weeks ago and show as overdue; Yunfan Mobility (a trial) has a
plan but nobody has ever called: the seed's "no regular contact", visible on /feedback/checkins/.
Pebblestone Health has no plan at all (the list counts it). Some history is imported from the old
"月度回访" log (``source="import"``).

A survey of last quarter, closed two weeks ago, was sent to every primary contact with an email;
most answered, and each customer's panel shows its score.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from aftersales.core import clock
from aftersales.customers.models import Contact, Customer, CustomerStatus
from aftersales.feedback import checkins, surveys
from aftersales.feedback.models import InvitationState, Survey, SurveyInvitation

# code → (cadence days, check-ins as (days before now, kind, notes, imported))
HISTORY: dict[str, tuple[int, list[tuple[int, str, str, bool]]]] = {
    "starriver": (
        14,
        [
            (70, "call", "月度回访：客户对越南路由的到达率满意，希望增加泰国通道。", True),
            (40, "meeting", "季度会议：讨论 WAP 推送的新需求，约定月底前给出报价。", False),
            (9, "call", "回访：子账号3 的发送量上升，提醒充值预警阈值。", False),
        ],
    ),
    "bluewave": (
        14,
        [
            (50, "email", "Sent the quarterly delivery report; they asked about Verify pricing in MENA.", False),
            (6, "chat", "Quick chat on WhatsApp: the MENA launch went well, no open questions.", False),
        ],
    ),
    "suda": (
        14,
        [
            (95, "call", "月度回访：反馈东南亚账号余额消耗过快。", True),
            (48, "call", "回访：解释 DDT 计费规则，客户仍有疑问，需要跟进。", False),
        ],
    ),
    "kaito-pay": (
        30,
        [(21, "meeting", "Video call: OTP conversion in India is stable; asked for a status page.", False)],
    ),
    "moonlight": (
        30,
        [(63, "email", "Checked in after the voice outage; they were satisfied with the credit.", False)],
    ),
    "qinghe-edu": (30, [(12, "call", "回访：开学季短信高峰已过，运行平稳。", False)]),
    "yunfan": (30, []),  # a plan, but never contacted
}
# Primary contacts' scores on last quarter's survey (email → score, answer); the rest did not answer.
SCORES: dict[str, tuple[int, str]] = {
    "zhou.min@starriver.example": (9, "希望工单回复更快一些，尤其是周末。"),
    "omar.haddad@bluewave.example": (10, "The MENA team is great."),
    "ma.jianguo@suda.example": (4, "余额预警太晚，问题反复出现，没有人主动联系我们。"),
    "harriet.cole@moonlight.example": (6, "Nobody called us after the outage until we asked."),
    "zheng.xue@qinghe.example": (10, ""),
    "grace.whitfield@pebblestone.example": (9, "Good documentation."),
    "he.wei@yunfan.example": (7, "还在试用，希望有人介绍一下产品。"),
}


def load(*, now: dt.datetime, users: dict[str, Any], customers: dict[str, Customer]) -> dict[str, Any]:
    """Write the plans, their check-ins and the past survey. Returns counts and the overdue customers."""
    lead = users.get("demo-lead")
    fallback = users.get("demo-agent")
    plans = 0
    logged = 0
    for code, (cadence, history) in HISTORY.items():
        customer = customers.get(code)
        if customer is None or customer.status != CustomerStatus.ACTIVE:
            continue
        owner = customer.account_manager or fallback
        started = now - dt.timedelta(days=100)
        with clock.moving(started):
            checkins.save_plan(customer=customer, actor=lead, owner=owner, cadence_days=cadence)
        plans += 1
        for days, kind, notes, imported in history:
            at = now - dt.timedelta(days=days)
            with clock.moving(at + dt.timedelta(minutes=30)):
                checkins.log_checkin(
                    customer=customer,
                    actor=None if imported else owner,
                    owner=owner,
                    kind=kind,
                    occurred_at=at,
                    notes=notes,
                    source="import" if imported else "desk",
                    source_ref=f"demo:月度回访:{code}:{days}" if imported else "",
                )
            logged += 1
    overdue = sorted(plan.customer.code for plan in checkins.plans(overdue_only=True, today=checkins.desk_today(now)))
    survey, answered = _past_survey(now=now, lead=lead)
    return {"plans": plans, "checkins": logged, "overdue": overdue, "survey": survey.pk, "answers": answered}


def _past_survey(*, now: dt.datetime, lead: Any) -> tuple[Survey, int]:
    sent_at = now - dt.timedelta(days=35)
    quarter = (sent_at.month - 1) // 3 + 1
    with clock.moving(sent_at - dt.timedelta(hours=2)):
        survey = surveys.create_survey(
            actor=lead,
            name=f"{sent_at.year} Q{quarter} NPS",
            closes_at=sent_at + dt.timedelta(days=21),
            nps_question={
                "en": "How likely is it that you would recommend us to a friend or colleague?",
                "zh-hans": "您有多大可能向朋友或同事推荐我们？",
            },
            questions=[
                {"en": "What is the one thing we should do better?", "zh-hans": "我们最应该改进的一件事是什么？"}
            ],
        )
    Survey.objects.filter(pk=survey.pk).update(sent_at=sent_at)
    contacts = Contact.objects.filter(is_primary=True, customer__status=CustomerStatus.ACTIVE).exclude(email="")
    answered = 0
    for index, contact in enumerate(contacts.order_by("pk")):
        # Written as already sent: the demo sends no email.
        invitation = SurveyInvitation.objects.create(
            survey=survey,
            customer_id=contact.customer_id,
            contact=contact,
            email=contact.email,
            language=contact.language or "en",
            nonce=secrets.token_hex(16),
            state=InvitationState.SENT,
            attempts=1,
            next_attempt_at=sent_at,
            sent_at=sent_at,
            created_at=sent_at,
        )
        found = SCORES.get(contact.email)
        if found is None:
            continue
        score, answer = found
        with clock.moving(sent_at + dt.timedelta(days=1 + index % 10, hours=3)):
            surveys.record_answer(invitation=invitation, score=score, answers=[answer])
        answered += 1
    return survey, answered
