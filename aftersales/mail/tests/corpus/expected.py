"""What a reader should get from each corpus message: subject, sender, the start of the shown body
(quotes and signatures cut), attachment names, refused attachments and the kind of noise.

Written by hand from the messages (not from the parser's output): when the parser disagrees,
the parser is wrong.
"""

from __future__ import annotations

from typing import Any

E: dict[str, dict[str, Any]] = {
    "01_plain_ascii.eml": {
        "subject": "SMS delivery to Vietnam failing",
        "sender": "li.wei@example-logistics.cn",
        "body": "Hello,\n\nSince this morning every SMS to +84 numbers",
    },
    "02_gbk_labelled_gb2312.eml": {
        "subject": "验证码收不到（王喆）",
        "sender": "wang.zhe@example-shop.cn",
        "sender_name": "王喆",
        "body": "您好：\n\n王喆反馈，朱镕基路仓库的短信验证码收不到",
    },
    "03_big5_hkscs.eml": {
        "subject": "收唔到短訊",
        "sender": "tm.chan@example-hk.test",
        "body": "你好，\n我哋啲客戶講收唔到短訊",
    },
    "04_gb18030.eml": {
        "subject": "重复扣费 𠮷野家",
        "sender": "finance@example-food.cn",
        "body": "客户名称：𠮷野家（上海）\n金额：€120",
    },
    "05_iso2022jp.eml": {
        "subject": "送信遅延について",
        "sender": "tanaka@example-jp.test",
        "body": "お世話になっております。\nSMSの送信が遅延しています。",
    },
    "06_utf8_8bit.eml": {
        "subject": "接口返回 500 错误",
        "sender": "zhou.min@example-bank.cn",
        "sender_name": "周敏",
        "body": "你好，今天下午开始 /api/send 接口频繁返回 500 错误。",
    },
    "07_quoted_printable.eml": {
        "subject": "Invoice question – November",
        "sender": "grace.ho@example-retail.test",
        "body": "Hi team,\n\nOur November invoice lists 12 000 messages at €0.05 – we sent only 9 500. This line",
    },
    "08_base64_utf8.eml": {
        "subject": "充值通知短信延迟",
        "sender": "ops@example-games.test",
        "body": "充值通知短信延迟十分钟以上",
    },
    "09_alternative.eml": {
        "subject": "Password reset SMS not arriving",
        "sender": "zhou.min@example-bank.cn",
        "body": "Password reset SMS do not arrive for China Mobile numbers.",
        "html_contains": "<b>not</b>",
    },
    "10_html_only.eml": {
        "subject": "后台无法登录",
        "sender": "wu.fang@example-edu.cn",
        "body": "后台管理系统无法登录，提示“账号已锁定”。",
        "html_contains": "请帮忙解锁",
        "html_lacks": ["<script", "onclick", "alert("],
    },
    "11_nested_multipart.eml": {
        "subject": "Monthly report attached",
        "sender": "liu.yang@example-logistics.cn",
        "body": "Please find the monthly report attached",
        "attachments": ["chart.png", "report-2026-11.pdf"],
        "inline": ["chart.png"],
    },
    "12_forwarded_rfc822.eml": {
        "subject": "Fwd: Complaint from a shopper",
        "sender": "zhang.lei@example-shop.cn",
        "body": "See the shopper's complaint below",
        "attachments": ["Where is my parcel.eml"],
    },
    "13_inline_image.eml": {
        "subject": "Screenshot of the error",
        "sender": "sun.li@example-media.cn",
        "body": "The console shows this error:",
        "attachments": ["image.png"],
        "inline": ["image.png"],
    },
    "14_rfc2231_utf8_filename.eml": {
        "subject": "Statement for November",
        "sender": "chen.jing@example-bank.cn",
        "body": "The statement is attached.",
        "attachments": ["对账单 2026年11月.pdf"],
    },
    "15_rfc2231_gbk_continuation.eml": {
        "subject": "Invoice details",
        "sender": "huang.xin@example-shop.cn",
        "body": "Details attached.",
        "attachments": ["发票明细表.xlsx"],
    },
    "16_rfc2047_filename.eml": {
        "subject": "Contract scan",
        "sender": "ma.lin@example-edu.cn",
        "body": "Scan of the signed contract.",
        "attachments": ["合同扫描件.jpg"],
    },
    "17_reply_qq.eml": {
        "subject": "回复：[AS-000123] 短信发送失败",
        "sender": "wangfang@qq.com",
        "sender_name": "王芳",
        "body": "问题还在，今天上午又有三十条失败。",
        "body_lacks": "原始邮件",
        "text_contains": "您好，已为您切换通道。",
        "thread": ["<AS-000123.41.x7k2@desk.example.test>"],
    },
    "18_reply_foxmail.eml": {
        "subject": "Re: [AS-000124] 深圳号码发送失败",
        "sender": "wang.jl@example-trade.cn",
        "body": "收到，谢谢。但是深圳的号码仍然失败。",
        "body_lacks": "请提供失败号码",
        "thread": ["<AS-000124.55.q9w8@desk.example.test>"],
    },
    "19_reply_outlook_zh.eml": {
        "subject": "答复: [AS-000125] 安排排查时间",
        "sender": "zhao.qiang@example-auto.cn",
        "body": "好的，我们明天上午十点有空。",
        "body_lacks": "发件人",
    },
    "20_reply_gmail_zh.eml": {
        "subject": "Re: [AS-000126] 联通号码失败",
        "sender": "qian.hao.example@gmail.com",
        "body": "补充一下：失败的都是联通号码。",
        "body_lacks": "写道",
        "thread": ["<AS-000126.60.aa11@desk.example.test>"],
    },
    "21_reply_netease.eml": {
        "subject": "Re:[AS-000127] 验证码延迟",
        "sender": "fengxue_example@163.com",
        "sender_name": "冯雪",
        "body": "今天测试正常了，可以关闭工单。",
        "body_lacks": "写道",
    },
    "22_reply_outlook_en.eml": {
        "subject": "RE: [AS-000128] Invoice question",
        "sender": "grace.ho@example-retail.test",
        "body": "Thanks, the credit note works for us.",
        "body_lacks": "credit note for 2 500",
    },
    "23_reply_gmail_en.eml": {
        "subject": "Re: [AS-000129] API key rotation",
        "sender": "tom.baker.example@gmail.com",
        "body": "Rotated, the old key can go.",
        "body_lacks": "wrote:",
    },
    "24_outlook_winmail.eml": {
        "subject": "Signed order form",
        "sender": "nina.koh@example-corp.test",
        "body": "The signed order form is attached.",
        "attachments": ["winmail.dat"],
    },
    "25_autoreply_auto_submitted.eml": {
        "subject": "Out of office: [AS-000123] SMS delivery to Vietnam failing",
        "sender": "li.wei@example-logistics.cn",
        "body": "I am away until 1 December",
        "noise": "auto-reply",
    },
    "26_autoreply_qq.eml": {
        "subject": "自动回复: Re: [AS-000123] 短信发送失败",
        "sender": "wangfang@qq.com",
        "body": "这是来自QQ邮箱的假期自动回复邮件。",
        "noise": "auto-reply",
    },
    "27_autoreply_exchange.eml": {
        "subject": "Automatic reply: [AS-000130] Signed order form",
        "sender": "nina.koh@example-corp.test",
        "body": "I'm out of the office until Monday.",
        "noise": "auto-reply",
    },
    "28_bounce_dsn.eml": {
        "subject": "Undelivered Mail Returned to Sender",
        "sender": "mailer-daemon@mx.desk.example.test",
        "body": "This is the mail system at host mx.desk.example.test.",
        "attachments": ["attachment.txt"],
        "noise": "bounce",
    },
    "29_bounce_zh.eml": {
        "subject": "系统退信",
        "sender": "postmaster@mail.example-cn-host.test",
        "body": "抱歉，您的邮件被退回来了",
        "noise": "bounce",
    },
    "30_mailing_list.eml": {
        "subject": "[vendor-announce] Maintenance window on Saturday",
        "sender": "announce@lists.example-vendor.test",
        "body": "Planned maintenance on Saturday",
        "noise": "list",
    },
    "31_bulk_newsletter.eml": {
        "subject": "双十二 offers",
        "sender": "news@example-marketing.test",
        "body": "# Offers\n\nBig discounts this week.",
        "noise": "list",
    },
    "32_broken_boundary.eml": {
        "subject": "Logs from the gateway",
        "sender": "yang.tao@example-games.test",
        "body": "The gateway log is attached.",
        "attachments": ["gateway.log"],
        "defect": "CloseBoundaryNotFoundDefect",
    },
    "33_missing_boundary.eml": {
        "subject": "Missing boundary",
        "sender": "xu.ming@example-auto.cn",
        "body": "Our client forgot the boundary parameter.",
        "defect": "boundary recovered from the body",
    },
    "34_wrong_charset_label.eml": {
        "subject": "Wrong label",
        "sender": "he.jun@example-bank.cn",
        "body": "退款短信模板审核一直没有通过。",
    },
    "35_missing_charset_gbk.eml": {
        "subject": "No charset",
        "sender": "lin.na@example-shop.cn",
        "body": "您好，我们的营销短信被运营商拦截了，请协助申诉。",
    },
    "36_truncated_base64.eml": {
        "subject": "Truncated upload",
        "sender": "guo.ping@example-media.cn",
        "body": "Here is the export you asked for.",
        "attachments": ["export.zip"],
        "defect": "truncated base64",
    },
    "37_bad_rfc2047.eml": {
        "subject": "订单查\ufffd status",
        "sender": "tang.yu@example-edu.cn",
        "sender_name": "Tang Yu",
        "body": "Order lookup returns nothing.",
    },
    "38_no_date_no_msgid.eml": {
        "subject": "No date or id",
        "sender": "deng.hui@example-trade.cn",
        "body": "A message from a script that writes no Date and no Message-ID.",
        "defect": "no Message-ID",
        "message_id": "",
    },
    "39_8bit_utf8_headers.eml": {
        "subject": "发票抬头需要修改",
        "sender": "xu.qing@example-auto.cn",
        "sender_name": "许晴",
        "body": "请把发票抬头改为“示例汽车有限公司”。",
        "defect": "8-bit bytes in a header",
    },
    "40_8bit_gbk_headers.eml": {
        "subject": "短信签名报备进度",
        "sender": "support-test@example-shop.cn",
        "body": "请问短信签名报备到哪一步了？",
    },
    "41_dangerous_attachment.eml": {
        "subject": "Tool and screenshot",
        "sender": "peng.bo@example-games.test",
        "body": "Run the tool to reproduce.",
        "attachments": ["screen.png"],
        "refused": ["reproduce.exe"],
    },
    "42_reply_iphone_zh.eml": {
        "subject": "Re: [AS-000132] 接口返回 500 错误",
        "sender": "zhou.min@example-bank.cn",
        "body": "已经恢复，谢谢",
        "body_lacks": "发自我的iPhone",
    },
    "43_attachment_only.eml": {
        "subject": "号码清单",
        "sender": "ye.qing@example-logistics.cn",
        "body": "",
        "attachments": ["numbers.csv"],
    },
    "44_unknown_charset.eml": {
        "subject": "Unknown charset label",
        "sender": "fang.yi@example-media.cn",
        "body": "短信回执状态一直是未知。",
    },
    "45_q_encoded_gbk_subject.eml": {
        "subject": "国际短信价格咨询",
        "sender": "kefu@example-trade.cn",
        "sender_name": "Kefu Team",
        "body": "请发一份东南亚国家的短信价格表。",
    },
    "46_subject_token_original_message.eml": {
        "subject": "FW: [AS-000123] SMS delivery to Vietnam failing",
        "sender": "li.wei@example-logistics.cn",
        "body": "Adding our network team; still failing for Viettel numbers.",
        "body_lacks": "Which operator?",
    },
}
