"""How fast is the SMS template checker? ``python -m bench.bench_templatecheck [--templates N] [--repeat R]``

Runs ``aftersales.sms.templatecheck.check`` (pure Python, no Django, no database) over a
realistic mix of message templates, one core, and reports templates per second (best of
``--repeat`` runs). The target in issue 6 is at least 20,000 templates/s.

The mix, about what a reseller's customers send (60 % Chinese, 40 % English):

* Chinese OTPs and notifications with a 【signature】 and Aliyun ``${code}`` / Tencent ``{1}``
  variables, some with links (a few of them bit.ly), some long enough for 2-3 parts;
* Chinese marketing with 回T退订, a few with forbidden characters (★, ¥);
* English OTPs, delivery notices and marketing (Reply STOP …), some with smart quotes, dashes
  and ellipses pasted from a word processor, some with emoji, flags and ZWJ sequences;
* India DLT templates with ``{#var#}``;
* long English notices of 3-7 parts.

Each template gets its own numbers, names and links, checked for a country and purpose that
fit it (CN, IN, GB, US, or none).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time

from aftersales.sms.templatecheck import check

BRANDS_ZH = ["星河科技", "蓝海游戏", "云途出行", "鲜果到家", "快马物流", "青禾教育", "万家优选"]
BRANDS_EN = ["Acme", "Bluewave", "Northwind", "Harbor Bank", "Orbit Mail", "Kestrel Air", "Pinecone"]
NAMES_EN = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley"]
LINK_HOSTS = ["acme.example", "m.bluewave.example", "go.northwind.example", "bit.ly", "t.ly"]

ZH_TEMPLATES = [
    ("otp", "【{brand}】您的验证码是{code}，{minutes}分钟内有效，请勿泄露给他人。"),
    ("otp", "【{brand}】验证码${{code}}，用于登录，{minutes}分钟内有效。如非本人操作请忽略。"),
    (
        "otp",
        "【{brand}】您的验证码是{code}，请勿泄露。查看详情 https://{host}/{slug} 。"
        "感谢您使用{brand}的服务，祝您生活愉快！",
    ),
    ("notification", "【{brand}】您的订单{order}已发货，预计{day}日送达，物流单号{tracking}。"),
    ("notification", "【{brand}】尊敬的用户，您的账户余额不足{amount}元，为避免影响使用，请及时充值。"),
    ("notification", "【{brand}】您预约的{day}日{hour}:00的服务已确认，如需改期请回复或致电客服{phone}，谢谢！"),
    (
        "notification",
        "【{brand}】亲爱的{name_zh}，您的会员积分{points}将于本月底到期，登录App即可兑换好礼：https://{host}/{slug}",
    ),
    ("marketing", "【{brand}】双十一大促，全场{discount}折起，满{amount}减{points}，仅限今日！回T退订"),
    ("marketing", "【{brand}】会员专享价¥{amount}，限时抢购★ 点击 https://{host}/{slug}"),
    ("notification", "您的验证码是{{1}}，{{2}}分钟内有效。"),
]
EN_TEMPLATES = [
    ("otp", "Your {brand} code is {code}. It expires in {minutes} minutes."),
    ("otp", "{brand}: {code} is your verification code. Don\u2019t share it with anyone \u2014 we never ask for it."),
    (
        "notification",
        "Hi {name}, your {brand} order #{order} has shipped and arrives on {day} Nov. Track it: https://{host}/{slug}",
    ),
    ("notification", "{brand}: your appointment on {day}/11 at {hour}:00 is confirmed. Reply C to cancel."),
    ("notification", "{brand}: payment of \u20ac{amount} received \u2026 thank you! \U0001f389"),
    (
        "marketing",
        "{brand}: {discount}0% off everything this weekend only! Shop now https://{host}/{slug} "
        "Reply STOP to unsubscribe",
    ),
    ("marketing", "Big sale \U0001f1ec\U0001f1e7 {discount}0% off at {brand}! Text 2 to opt out"),
    (
        "notification",
        "Hi {name} \U0001f44b\U0001f3fd your {brand} family plan \U0001f468\u200d\U0001f469\u200d\U0001f467 "
        "renews on {day} Nov.",
    ),
]
IN_TEMPLATES = [
    ("otp", "Dear customer, {code} is your OTP for login to {brand}. Valid for {{#var#}} minutes. - {brand}"),
    (
        "notification",
        "Dear {{#var#}}, your {brand} order {{#var#}} has been shipped and will arrive by {{#var#}}. - {brand}",
    ),
    ("notification", "Your {brand} order ${{order}} ships on {{1}}."),
]
LONG_EN = (
    "{brand}: Dear {name}, this is a reminder that your subscription renews on {day} November. Your card ending "
    "{code} will be charged {amount} USD. If you want to change your plan, visit https://{host}/{slug} or call us. "
)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        brand=rng.choice(BRANDS_ZH) if "【" in template or "您" in template else rng.choice(BRANDS_EN),
        name=rng.choice(NAMES_EN),
        name_zh=rng.choice(["张伟", "王芳", "李娜", "刘洋"]),
        code=rng.randrange(1000, 999999),
        minutes=rng.choice([5, 10, 15]),
        order=rng.randrange(10**7, 10**8),
        tracking=f"SF{rng.randrange(10**11, 10**12)}",
        day=rng.randrange(1, 29),
        hour=rng.randrange(8, 20),
        amount=rng.randrange(10, 999),
        points=rng.randrange(10, 5000),
        discount=rng.randrange(3, 9),
        phone=f"400-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
        host=rng.choice(LINK_HOSTS),
        slug="".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6)),
    )


def make_templates(n: int, seed: int = 1) -> list[tuple[str, str | None, str]]:
    """``n`` (text, country, purpose) triples in the mix described above."""
    rng = random.Random(seed)
    out: list[tuple[str, str | None, str]] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.60:
            purpose, template = rng.choice(ZH_TEMPLATES)
            country: str | None = rng.choice(["CN", "CN", "CN", None])
        elif roll < 0.92:
            purpose, template = rng.choice(EN_TEMPLATES)
            country = rng.choice(["GB", "US", None, "SG"])
        elif roll < 0.97:
            purpose, template = rng.choice(IN_TEMPLATES)
            country = "IN"
        else:
            purpose, template, country = "notification", LONG_EN * rng.randrange(2, 7), rng.choice(["GB", None])
        out.append((_fill(template, rng), country, purpose))
    return out


def run(templates: list[tuple[str, str | None, str]]) -> float:
    started = time.perf_counter()
    for text, country, purpose in templates:
        check(text, country, purpose)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--templates", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    check("\U0001f44d\U0001f3fd" * 40)  # the first multi-part UCS-2 text builds the cluster pattern
    cold_ms = (time.perf_counter() - started) * 1000
    templates = make_templates(args.templates, args.seed)
    results = [check(text, country, purpose) for text, country, purpose in templates[:20_000]]
    ucs2 = sum(r.encoding == "UCS-2" for r in results) / len(results)
    multi = sum(r.segments > 1 for r in results) / len(results)
    with_errors = sum(not r.compliant for r in results) / len(results)
    mean_chars = statistics.mean(r.characters for r in results)

    times = [run(templates) for _ in range(args.repeat)]
    best = min(times)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(
        f"templates: {len(templates):,} (UCS-2 {ucs2:.0%}, multi-part {multi:.0%}, with errors {with_errors:.0%}, "
        f"mean {mean_chars:.0f} characters)"
    )
    print(f"first call (builds the cluster pattern): {cold_ms:.1f} ms")
    print(
        f"best of {args.repeat}: {best:.3f} s = {len(templates) / best:,.0f} templates/s "
        f"(median {len(templates) / statistics.median(times):,.0f}/s, {best / len(templates) * 1e6:.1f} µs each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
