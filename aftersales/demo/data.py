"""The invented world of the demo: customers, contacts, agents and ticket stories.

Every person and company here is fictional. Phone numbers come from ranges reserved for
fiction or documentation (CN +86 138 0013 8xxx as used in examples, US +1 202 555 01xx,
UK London +44 20 7946 0xxx, AU +61 491 570 xxx); e-mail domains end in ``.example``.

Pure data, no Django imports: ``bench.generate`` reuses the stories for its texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the one published password of the demo logins
TEAM_NAME = "Support 售后"


@dataclass(frozen=True)
class AgentSeed:
    username: str
    display_name: str
    role: str  # a people.models.Role value
    language: str
    timezone: str
    duty: str  # what this person does, printed with the logins
    # Django admin (configuration only). The admin role group carries no model permissions, so
    # a staff user needs to be a superuser to see anything there.
    is_staff: bool = False


AGENTS: tuple[AgentSeed, ...] = (
    AgentSeed("demo-agent", "林晓雨 Lin Xiaoyu", "agent", "zh-hans", "Asia/Shanghai",
              "talks to customers / 对接客户"),
    AgentSeed("demo-lead", "陈浩然 Chen Haoran", "lead", "zh-hans", "Asia/Shanghai",
              "vendor cases, money, documentation / 原厂 case、账务、文档"),
    AgentSeed("demo-assistant", "Ada Brennan", "agent", "en", "Europe/London",
              "assistant, helps with both / 助理"),
    AgentSeed("demo-viewer", "Tomás Reyes", "viewer", "en", "America/New_York", "reads only / 只读"),
    AgentSeed("demo-admin", "周若琳 Zhou Ruolin", "admin", "zh-hans", "Asia/Shanghai",
              "configuration, Django admin / 系统配置", is_staff=True),
)


@dataclass(frozen=True)
class ContactSeed:
    name: str
    email: str
    phone: str
    language: str
    im: dict[str, str] = field(default_factory=dict)
    primary: bool = False


@dataclass(frozen=True)
class CustomerSeed:
    code: str
    name: str
    tier: str  # customers.models.Tier
    status: str  # customers.models.CustomerStatus
    timezone: str
    language: str
    products: tuple[str, ...]
    weight: int  # relative share of the tickets (a few customers raise most of them)
    notes: str = ""
    contacts: tuple[ContactSeed, ...] = ()
    subs: tuple[CustomerSeed, ...] = ()


CUSTOMERS: tuple[CustomerSeed, ...] = (
    CustomerSeed(
        "starriver", "星河科技 Starriver Tech", "key", "active", "Asia/Shanghai", "zh-hans", ("sms", "wap"), 30,
        "OTP 为主，越南、泰国流量大。希望每周收到送达率报表。",
        contacts=(
            ContactSeed("周敏", "zhou.min@starriver.example", "+8613800138001", "zh-hans", {"wecom": "zhoumin-sr"},
                        primary=True),
            ContactSeed("吴俊杰", "wu.junjie@starriver.example", "+8613800138002", "zh-hans",
                        {"wechat": "wjj_starriver"}),
        ),
        subs=(
            CustomerSeed("starriver-sub1", "星河科技-子账号1", "key", "active", "Asia/Shanghai", "zh-hans", ("sms",), 6,
                         contacts=(ContactSeed("孙丽", "sun.li@starriver.example", "+8613800138003", "zh-hans"),)),
            CustomerSeed("starriver-sub2", "星河科技-子账号2", "key", "active", "Asia/Shanghai", "zh-hans", ("sms",),
                         5),
            CustomerSeed("starriver-sub3", "星河科技-子账号3", "key", "active", "Asia/Bangkok", "zh-hans", ("sms",), 3,
                         "2025-05 开通，余额共享主账号。"),
        ),
    ),
    CustomerSeed(
        "bluewave", "Bluewave Games", "key", "active", "Asia/Dubai", "en", ("sms", "verify"), 18,
        "Sender IDs in Saudi Arabia and UAE take weeks; keep them updated without being asked.",
        contacts=(
            ContactSeed("Omar Haddad", "omar.haddad@bluewave.example", "+12025550101", "en", {"slack": "omar.h"}, True),
            ContactSeed("Lena Fischer", "lena.fischer@bluewave.example", "+442079460101", "en"),
        ),
        subs=(
            CustomerSeed("bluewave-mena", "Bluewave Games – MENA", "key", "active", "Asia/Riyadh", "en", ("sms",), 4,
                         contacts=(ContactSeed("Yusuf Karim", "yusuf.karim@bluewave.example", "+12025550102", "en"),)),
        ),
    ),
    CustomerSeed(
        "suda", "速达物流 Suda Logistics", "key", "active", "Asia/Shanghai", "zh-hans", ("sms", "ddt"), 20,
        "物流通知 + 验证码。余额常常见底，需要提前提醒。",
        contacts=(
            ContactSeed("马建国", "ma.jianguo@suda.example", "+8613800138011", "zh-hans", {"wecom": "ma-jg"}, True),
            ContactSeed("刘芳", "liu.fang@suda.example", "+8613800138012", "zh-hans", {"dingtalk": "liufang01"}),
        ),
        subs=(
            CustomerSeed("suda-south", "速达物流-华南", "standard", "active", "Asia/Shanghai", "zh-hans", ("sms",), 5),
            CustomerSeed("suda-sea", "速达物流-东南亚", "standard", "active", "Asia/Singapore", "en", ("sms", "ddt"), 4,
                         contacts=(ContactSeed("Nurul Aziz", "nurul.aziz@suda.example", "+61491570110", "en"),)),
        ),
    ),
    CustomerSeed(
        "kaito-pay", "Kaito Pay", "standard", "active", "Asia/Kolkata", "en", ("sms", "verify"), 12,
        "India DLT templates; asks detailed questions about pricing per segment.",
        contacts=(ContactSeed("Priya Raman", "priya.raman@kaitopay.example", "+12025550111", "en",
                              {"telegram": "priya_kp"}, True),),
    ),
    CustomerSeed(
        "moonlight", "MoonLight Studio", "standard", "active", "Europe/London", "en", ("sms", "voice"), 8,
        "Two UK long numbers for two-way SMS.",
        contacts=(ContactSeed("Harriet Cole", "harriet.cole@moonlight.example", "+442079460121", "en", {}, True),),
    ),
    CustomerSeed(
        "qinghe-edu", "青禾教育 Qinghe Education", "standard", "active", "Asia/Shanghai", "zh-hans", ("sms", "wap"), 7,
        contacts=(ContactSeed("郑雪", "zheng.xue@qinghe.example", "+8613800138021", "zh-hans", {"wechat": "zx_qinghe"},
                              True),),
    ),
    CustomerSeed(
        "lancheng-mall", "蓝橙电商 Lancheng Mall", "standard", "suspended", "Asia/Shanghai", "zh-hans", ("sms",), 6,
        "余额不足已暂停发送，待客户充值后恢复。",
        contacts=(ContactSeed("黄磊", "huang.lei@lancheng.example", "+8613800138031", "zh-hans", {}, True),),
    ),
    CustomerSeed(
        "pebblestone", "Pebblestone Health", "standard", "active", "America/New_York", "en", ("sms", "verify"), 5,
        contacts=(ContactSeed("Grace Whitfield", "grace.whitfield@pebblestone.example", "+12025550131", "en",
                              primary=True),),
    ),
    CustomerSeed(
        "yunfan", "云帆出行 Yunfan Mobility", "trial", "active", "Asia/Shanghai", "zh-hans", ("sms",), 3,
        "试用账号，每日限额 1000 条。",
        contacts=(ContactSeed("何伟", "he.wei@yunfan.example", "+8613800138041", "zh-hans", {"wecom": "hewei-yf"},
                              primary=True),),
    ),
    CustomerSeed(
        "tidewater", "Tidewater Travel", "standard", "churned", "Europe/Berlin", "en", ("sms",), 2,
        "Moved to another provider after the price change; keep in touch quarterly.",
        contacts=(ContactSeed("Jonas Weber", "jonas.weber@tidewater.example", "+442079460141", "en", {}, True),),
    ),
)

# Values the {placeholders} of the stories are filled with (zh and en variants where it matters).
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("Vietnam", "越南"), ("Indonesia", "印度尼西亚"), ("Saudi Arabia", "沙特阿拉伯"), ("UAE", "阿联酋"),
    ("India", "印度"), ("Thailand", "泰国"), ("Philippines", "菲律宾"), ("Brazil", "巴西"),
    ("Nigeria", "尼日利亚"), ("Mexico", "墨西哥"),
)
SENDERS = ("STARRIVER", "BLUEWAVE", "SUDA", "KAITOPAY", "MOONLIGHT", "QINGHE", "VERIFY", "ALERT")
MONTHS = (("January", "1月"), ("February", "2月"), ("March", "3月"), ("April", "4月"), ("May", "5月"), ("June", "6月"),
          ("July", "7月"), ("August", "8月"), ("September", "9月"), ("October", "10月"), ("November", "11月"),
          ("December", "12月"))
ERROR_CODES = ("1", "6", "9", "15", "22", "29", "33")
TAGS = ("otp", "vonage", "jmc", "balance", "sender-id", "dlt", "urgent", "report", "template", "webhook")


@dataclass(frozen=True)
class Story:
    """One kind of ticket: what the customer writes and how the desk answers.

    Placeholders: {country} {sender} {case} {amount} {rate} {number} {month} {err}.
    """

    category: str  # a tickets Category code (migration tickets/0002)
    language: str  # "zh-hans" or "en"
    subject: str
    description: str
    reply: str  # the first public answer
    follow_up: str  # the customer's next message
    closing: str  # the answer that resolves it
    note: str  # an internal note
    tags: tuple[str, ...] = ()


STORIES: tuple[Story, ...] = (
    # --- delivery-conversion ---------------------------------------------------------------
    Story("delivery-conversion", "zh-hans", "{country}短信发送失败率高",
          "今天上午开始发往{country}的验证码大量失败，送达率从 95% 掉到 {rate}%，请尽快排查。",
          "收到，我们已经在查{country}方向的通道，稍后同步结果。",
          "现在还是很多失败，用户收不到验证码，影响注册。",
          "原厂确认是{country}运营商维护，现已恢复，送达率回到 95% 以上。请再观察一下。",
          "已开 vonage case {case}，对方说是运营商维护。", ("otp", "vonage")),
    Story("delivery-conversion", "zh-hans", "{country} OTP 回填率只有 {rate}%",
          "最近一周{country}的验证码回填率只有 {rate}%，之前一直在 60% 以上，是不是被拦截了？",
          "我们看了一下，回执显示大部分已送达，回填率低可能有刷量。能否提供几个没收到的号码？",
          "附上 5 个号码，用户都说没收到。",
          "这几个号码都是同一号段的异常请求，已加黑名单；真实用户的回填率正常。",
          "怀疑盗刷，提醒客户开启频率限制。", ("otp",)),
    Story("delivery-conversion", "en", "Delivery to {country} dropped to {rate}%",
          "Since this morning most OTP messages to {country} fail with err-code {err}. Delivery was 95% yesterday.",
          "Thanks for the report. We are checking the {country} route with our vendor now.",
          "Any update? Our users still cannot log in.",
          "The vendor confirmed a carrier outage in {country}; traffic is back to normal since 14:00.",
          "Vendor case {case} opened; carrier maintenance.", ("otp", "vonage")),
    Story("delivery-conversion", "en", "Messages to {country} arrive 10 minutes late",
          "Our users in {country} receive the verification code about 10 minutes late. Can you switch routes?",
          "We see the delay in the delivery receipts too. We are testing an alternative route.",
          "Better now, but some are still slow.",
          "We moved your {country} traffic to the direct route; median latency is under 5 seconds again.",
          "Route change for {country} done in JMC.", ("otp", "jmc")),
    # --- sender-id -------------------------------------------------------------------------
    Story("sender-id", "en", "Register sender ID \"{sender}\" in {country}",
          "We need the alphanumeric sender ID {sender} registered for {country}. Which documents do you need?",
          "For {country} we need the company licence, a letter of authorisation and sample messages. "
          "Template attached.",
          "Documents sent. How long does it usually take?",
          "{country} approved {sender}; you can start sending with it now.",
          "Submitted to vendor, case {case}. Expected lead time 3-6 weeks.", ("sender-id",)),
    Story("sender-id", "en", "Sender ID {sender} still pending in {country}",
          "It has been a month since we applied for {sender} in {country}. This is our third follow-up.",
          "Sorry for the wait. We chased the vendor again today and will update you by Friday.",
          "Still nothing. Our launch date is next week.",
          "Good news: {sender} is approved in {country}.",
          "Escalated case {case} with the vendor account manager.", ("sender-id", "vonage")),
    Story("sender-id", "zh-hans", "申请{country} Sender ID {sender}",
          "我们要在{country}使用 {sender} 作为发送方，需要准备哪些材料？",
          "{country}需要营业执照、授权书和短信样例，模板已发到您的邮箱。",
          "材料已经提交，请帮忙催一下。",
          "{sender} 在{country}已经审批通过，可以使用了。",
          "已提交原厂，case {case}。", ("sender-id",)),
    Story("sender-id", "zh-hans", "{sender} 在{country}显示成随机号码",
          "用户收到的短信发送方显示成一串数字，不是 {sender}。",
          "{country}部分运营商会替换未注册的 Sender ID，我们确认一下注册状态。",
          "请尽快，用户以为是诈骗短信。",
          "已为您提交{country}的 Sender ID 注册，通过前会显示数字号码，这是运营商规定。",
          "需要补注册，case {case}。", ("sender-id",)),
    # --- fraud -----------------------------------------------------------------------------
    Story("fraud", "zh-hans", "验证码发送量异常，疑似被刷",
          "凌晨 3 点到 5 点验证码发送量暴涨，大部分发往{country}，我们没有那边的用户。",
          "已临时限制{country}方向的发送，并在排查来源 IP。",
          "限制后正常用户有影响吗？",
          "异常号段已加入黑名单，建议在注册页加图形验证码和频率限制。损失 {amount} EUR 的流量已申请核减。",
          "盗刷，异常号段已加黑名单。", ("otp", "urgent")),
    Story("fraud", "en", "Suspicious traffic spike to {country}",
          "We see thousands of OTP requests to {country} numbers in the last hour. We have no customers there.",
          "We blocked {country} on your account for now and are looking at the source.",
          "Thanks. Can we get the cost back?",
          "The pattern is SMS pumping. The block stays; we asked the vendor to credit {amount} EUR.",
          "Asked vendor for a goodwill credit, case {case}.", ("otp", "urgent")),
    Story("fraud", "en", "Please enable a daily cap for our account",
          "After last month's abuse we want a daily cap of {number} messages.",
          "We can set a daily cap and an alert at 80%. Shall we apply it to all sub-accounts?",
          "Yes, all sub-accounts please.",
          "Done: a daily cap of {number} messages on all your accounts, alert at 80%.",
          "Cap configured in JMC.", ("jmc",)),
    # --- documents -------------------------------------------------------------------------
    Story("documents", "en", "Documentation for DLR webhook fields",
          "Where can we find the list of fields in the delivery receipt webhook, and the err-code meanings?",
          "Here is the link to the delivery receipt guide; err-code {err} means the number is barred.",
          "Is there a Chinese version for our developers?",
          "We sent the translated field list; it is also in the knowledge base now.",
          "Doc gap: no Chinese DLR reference. Added to the knowledge base.", ("webhook",)),
    Story("documents", "zh-hans", "需要 API 接入文档（中文版）",
          "我们的开发需要完整的 API 接入文档，最好是中文的，包括签名方式。",
          "已发送中文接入文档和示例代码。",
          "文档里没有说明子账号的 API key 怎么用。",
          "已补充子账号 API key 的说明，并更新了文档版本。",
          "文档不全：缺子账号 API 说明。", ()),
    Story("documents", "zh-hans", "索要{month}对账单",
          "请提供{month}的对账单和发票，财务要用。",
          "好的，已在准备，今天内发给您。",
          "发票抬头需要改成新公司名。",
          "{month}对账单和新抬头发票已发送到您的邮箱。",
          "财务已开票。", ("report",)),
    Story("documents", "en", "Monthly delivery report for {month}",
          "Could you send the delivery report for {month}, per country?",
          "We are preparing it and will send it today.",
          "Can you add the average latency too?",
          "Report for {month} sent, with delivery rate and latency per country.",
          "Customer wants this every month; set a reminder.", ("report",)),
    # --- support-quality -------------------------------------------------------------------
    Story("support-quality", "zh-hans", "投诉：技术支持回复太慢",
          "上周提的问题三天没人回复，我们很不满意。",
          "非常抱歉，这是我们的疏忽。问题已经由专人负责，今天给您答复。",
          "希望以后能有固定的对接人。",
          "已为贵司指定固定对接人，并设置了响应时限。再次致歉。",
          "客户已电话安抚；原因是工单没人认领。", ("urgent",)),
    Story("support-quality", "en", "Complaint: nobody answers the phone",
          "We called three times yesterday and nobody picked up. This is not acceptable.",
          "We apologise. Your call came in during a handover; {number} is our direct line now.",
          "OK, but please make sure it does not happen again.",
          "We added an on-call rota so calls are always answered during business hours.",
          "Handover gap; on-call rota set up.", ()),
    # --- vendor-support --------------------------------------------------------------------
    Story("vendor-support", "zh-hans", "原厂 case {case} 一直没有回复",
          "关于{country}送达问题，原厂 case 已经开了一周没有进展，客户在催。",
          "已经再次催原厂，并抄送了对方的客户经理。",
          "客户问能不能先换通道。",
          "原厂已回复并修复{country}路由，case {case} 已关闭。",
          "原厂支持太慢，升级给客户经理。", ("vonage",)),
    Story("vendor-support", "en", "Vendor asks for more samples ({case})",
          "The vendor needs message IDs and timestamps of failed messages to {country}.",
          "Could you send 10 message IDs with their send times?",
          "Attached are 10 message IDs from this morning.",
          "The vendor found a routing misconfiguration for {country} and fixed it.",
          "Forwarded samples to vendor case {case}.", ("vonage",)),
    # --- inaccurate-answers ----------------------------------------------------------------
    Story("inaccurate-answers", "en", "Your earlier answer about Unicode pricing was wrong",
          "You told us Unicode messages cost the same, but our invoice shows 3 parts per message.",
          "You are right, and we are sorry: Unicode (UCS-2) messages hold 67 characters per part, "
          "so each part is billed.",
          "So what should we change?",
          "Use GSM-7 characters only (no emoji or curly quotes); your template then fits in one part.",
          "Wrong answer given earlier; added segment rules to the knowledge base.", ("template",)),
    Story("inaccurate-answers", "zh-hans", "之前说的限速和实际不一致",
          "客服说每秒可以发 {number} 条，但实际超过 30 条就报错 {err}。",
          "抱歉之前答复不准确，您账号当前限速是每秒 30 条。",
          "能提高吗？",
          "已申请把限速提高到每秒 {number} 条，现已生效。",
          "答复不准确：限速以 JMC 配置为准。", ("jmc",)),
    # --- platform-logic --------------------------------------------------------------------
    Story("platform-logic", "zh-hans", "JMC 平台子账号权限逻辑不清楚",
          "子账号能看到主账号的发送记录吗？我们不希望分公司看到总部的数据。",
          "子账号默认只能看自己的记录，主账号可以看全部。",
          "那余额呢？子账号能看到主账号余额吗？",
          "共享余额的子账号能看到主账号余额，独立余额的看不到。已附上权限说明。",
          "JMC 权限逻辑需要写进手册。", ("jmc",)),
    Story("platform-logic", "en", "Why was my message split into {number} parts?",
          "A 150-character message was billed as {number} parts. Why?",
          "The message has one Chinese character, so it is sent as Unicode: 67 characters per part.",
          "Can the platform warn us before sending?",
          "The template checker in the portal now shows the encoding and the number of parts.",
          "Common question; link the segment calculator.", ("template",)),
    Story("platform-logic", "en", "API returns status {err} on send",
          "Our integration gets status {err} for some messages since yesterday.",
          "Status {err} from the send API points to your account settings; we are checking.",
          "It happens only for the sub-account.",
          "The sub-account had no route for that destination; fixed in the platform.",
          "Sub-account missing route in JMC.", ("jmc",)),
    # --- accounts --------------------------------------------------------------------------
    Story("accounts", "zh-hans", "申请开通新的子账号",
          "我们新成立了一个业务部门，需要开一个子账号，余额共享主账号。",
          "好的，请提供子账号名称和对接人联系方式。",
          "名称：华东业务部，对接人见邮件。",
          "子账号已创建，余额共享主账号，登录信息已发给对接人。",
          "子账号已开通。", ()),
    Story("accounts", "zh-hans", "子账号无法登录后台",
          "子账号的同事登录后台提示密码错误，已经试了很多次。",
          "账号因多次失败被锁定，已为您重置密码。",
          "收到，已经可以登录。",
          "问题已解决，建议开启两步验证。",
          "密码重置。", ()),
    Story("accounts", "en", "Move balance between sub-accounts",
          "Please transfer {amount} EUR from the master account to our sub-account.",
          "Done: {amount} EUR moved to the sub-account. It may take a minute to show.",
          "Can we do this ourselves next time?",
          "Yes: the master account can transfer balance under Accounts → Transfers; guide attached.",
          "Balance transfer {amount} EUR done.", ("balance",)),
    # --- billing-balance -------------------------------------------------------------------
    Story("billing-balance", "zh-hans", "余额不足导致发送失败",
          "今天下午开始发送全部失败，API 返回 status 9。",
          "您的余额只剩 {amount} EUR，已触发额度限制，请尽快充值。",
          "已经充值，麻烦确认。",
          "充值已到账，发送已恢复。建议设置余额提醒。",
          "余额见底，已提醒客户充值；建议开启低余额预警。", ("balance", "urgent")),
    Story("billing-balance", "zh-hans", "{month}账单金额有疑问",
          "{month}账单比上月多了 {amount} EUR，但发送量差不多。",
          "我们核对了一下，多出的部分主要是长短信按条计费。",
          "能提供明细吗？",
          "已发送按国家和分段数的费用明细。",
          "长短信计费解释。", ("report",)),
    Story("billing-balance", "en", "Low balance warning: {amount} EUR left",
          "We got a low balance email. Can you extend our credit limit until the transfer arrives?",
          "We can extend the credit limit by {amount} EUR for 7 days.",
          "Payment sent today.",
          "Payment received and the temporary credit limit removed.",
          "Temporary credit approved by finance.", ("balance",)),
    # --- underlying-needs ------------------------------------------------------------------
    Story("underlying-needs", "zh-hans", "客户想要每周送达率报表",
          "回访时客户提到希望每周收到各国家送达率的报表。",
          "我们可以每周一发送上周的送达率报表，请确认收件人。",
          "收件人加上运维负责人。",
          "每周报表已设置，第一份已发送。",
          "深挖需求：客户其实关心的是越南的稳定性。", ("report",)),
    Story("underlying-needs", "en", "Customer asked about WhatsApp as a fallback",
          "During the call they asked whether we can fall back to another channel when SMS fails.",
          "We can offer a fallback for OTP; would a short call next week work to understand your flows?",
          "Tuesday works.",
          "Call done; we sent a proposal for SMS with voice fallback for OTP.",
          "Real need: login success rate, not SMS as such.", ()),
    # --- regular-contact -------------------------------------------------------------------
    Story("regular-contact", "zh-hans", "{month}月度回访",
          "例行回访：了解客户本月使用情况和意见。",
          "您好，想了解一下本月使用是否顺利，有没有需要我们改进的地方？",
          "整体不错，就是希望余额不足能提前提醒。",
          "已记录，低余额提醒已开启。感谢反馈！",
          "客户满意度一般，关注余额提醒。", ()),
    Story("regular-contact", "en", "Quarterly check-in ({month})",
          "Regular check-in call with the customer.",
          "Hi, a quick check-in: how has delivery been this quarter, and is anything bothering you?",
          "All good, but we plan to launch in {country} next month.",
          "Thanks! We will prepare the {country} sender ID requirements ahead of your launch.",
          "Upsell chance: new country {country}.", ()),
)

# Texts for tickets whose sender nobody recognised (the "needs a customer" queue).
UNKNOWN_CALLERS: tuple[tuple[str, str, str], ...] = (
    ("zh-hans", "有人打电话咨询短信价格", "来电未留下公司名称，只问了发往{country}的价格。"),
    ("en", "Email from unknown sender about delivery failures",
     "Someone wrote from a free-mail address about failures to {country}."),
    ("zh-hans", "API 报错 status {err}，不知道是哪个客户", "日志里只看到 API key 前缀，对不上客户。"),
    ("en", "Voicemail: asked for a call back about a sender ID", "Caller left a number but no company name."),
)

CATEGORY_WEIGHTS: dict[str, int] = {
    "delivery-conversion": 22, "sender-id": 12, "fraud": 6, "documents": 8, "support-quality": 4,
    "vendor-support": 8, "inaccurate-answers": 4, "platform-logic": 9, "accounts": 8, "billing-balance": 12,
    "underlying-needs": 3, "regular-contact": 6,
}


# Customer contacts who can sign in to the portal (/portal/) with the demo password: one of a
# master account (sees its sub-accounts' tickets too), one of a plain account.
PORTAL_CONTACTS = ("zhou.min@starriver.example", "grace.whitfield@pebblestone.example")
