"""The lead pages under /sla/: who sees what, the year view, overrides, hours and policies."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from aftersales.sla.models import Calendar, CalendarOverride, Policy

pytestmark = pytest.mark.django_db
CALENDARS = reverse("sla:calendars")
POLICIES = reverse("sla:policies")


def calendar_url(calendar: Calendar, year: int | None = None) -> str:
    url = reverse("sla:calendar", args=[calendar.pk])
    return f"{url}?year={year}" if year else url


def day_cell(html: str, date: str) -> str:
    match = re.search(rf'<td class="([^"]*)" data-date="{date}"[^>]*>(.*?)</td>', html)
    assert match, f"no cell for {date}"
    return match.group(1) + " " + match.group(2)


@pytest.fixture
def freeze(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC))


def test_access(client, personas) -> None:
    calendar = Calendar.get_default()
    policy = Policy.objects.get(is_default=True)
    reads = [CALENDARS, calendar_url(calendar), POLICIES]
    writes = [reverse("sla:calendar_new"), reverse("sla:calendar_edit", args=[calendar.pk]),
              reverse("sla:policy_new"), reverse("sla:policy_edit", args=[policy.pk])]
    for user, read_status, write_status in (
        (personas.outsider, 403, 403), (personas.viewer, 200, 403), (personas.agent, 200, 403),
        (personas.lead, 200, 200), (personas.admin, 200, 200),
    ):
        client.force_login(user)
        for url in reads:
            assert client.get(url).status_code == read_status, (user, url)
        for url in writes:
            assert client.get(url).status_code == write_status, (user, url)
    client.logout()
    assert client.get(CALENDARS).status_code == 302
    client.force_login(personas.lead)
    assert client.get(reverse("sla:calendar", args=[999999])).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(reverse("sla:calendar", args=[999999])).status_code == 403


def test_readers_see_no_write_controls(client, personas) -> None:
    client.force_login(personas.agent)
    html = client.get(calendar_url(Calendar.get_default(), 2026)).content.decode()
    assert "Edit hours" not in html and 'data-testid="override-form"' not in html
    assert "New policy" not in client.get(POLICIES).content.decode()
    assert client.post(reverse("sla:override_new", args=[Calendar.get_default().pk]),
                       {"date": "2027-02-07", "is_workday": "1"}).status_code == 403
    assert not CalendarOverride.objects.exists()


def test_calendar_list_and_sidebar(client, personas) -> None:
    client.force_login(personas.viewer)
    html = client.get(CALENDARS).content.decode()
    assert "China (Asia/Shanghai) 09:00-18:00" in html
    assert "09:00-12:00, 13:00-18:00" in html
    assert reverse("sla:policies") in html  # the sidebar links both pages


def test_year_view_shows_holidays_and_make_up_days_with_text_not_only_colour(client, personas, freeze) -> None:
    client.force_login(personas.viewer)
    html = client.get(calendar_url(Calendar.get_default(), 2025)).content.decode()
    assert html.count('class="month"') == 12
    assert "248 working days" in html
    national_day = day_cell(html, "2025-10-01")
    assert "day-holiday" in national_day and "holiday: National Day" in national_day
    make_up = day_cell(html, "2025-10-11")  # a Saturday worked
    assert "day-makeup" in make_up and "make-up workday" in make_up
    assert "day-weekend" in day_cell(html, "2025-10-12")
    assert "day-work" in day_cell(html, "2025-10-09")
    for words in ("Working day", "Holiday", "Make-up workday (调休)", "Weekend (not worked)"):
        assert words in html  # the legend
    assert 'href="?year=2024"' in html and 'href="?year=2026"' in html
    assert '<abbr title="Monday">Mo</abbr>' in html


def test_the_year_view_in_chinese_names_weekdays_and_holidays_in_chinese(client, personas, freeze) -> None:
    personas.viewer.agent_profile.language = "zh-hans"
    personas.viewer.agent_profile.save()
    client.force_login(personas.viewer)
    html = client.get(calendar_url(Calendar.get_default(), 2025)).content.decode()
    heads = re.findall(r'<abbr title="[^"]+">([^<]+)</abbr>', html)[:7]
    assert heads == ["一", "二", "三", "四", "五", "六", "日"]  # (a cut-short 星期一 read 星期 seven times)
    assert "国庆节" in day_cell(html, "2025-10-01") and "National Day" not in html


def test_lead_adds_next_years_tiaoxiu_and_the_warning_goes(client, personas, freeze) -> None:
    calendar = Calendar.get_default()
    client.force_login(personas.lead)
    html = client.get(CALENDARS).content.decode()
    assert "2027's make-up workdays (调休) are not entered yet." in html
    client.force_login(personas.agent)
    assert "not entered yet" not in client.get(CALENDARS).content.decode()  # leads only

    client.force_login(personas.lead)
    response = client.post(reverse("sla:override_new", args=[calendar.pk]),
                           {"date": "2027-02-20", "is_workday": "1", "note": "Spring Festival make-up"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"{calendar_url(calendar)}?year=2027#overrides")
    page = client.get(calendar_url(calendar, 2027)).content.decode()
    assert "not entered yet" not in page
    cell = day_cell(page, "2027-02-20")
    assert "day-makeup" in cell and "day-override" in cell and "Spring Festival make-up" in cell
    assert 'data-testid="override-row"' in page

    client.post(reverse("sla:override_new", args=[calendar.pk]), {"date": "2027-02-11", "is_workday": "0"})
    page = client.get(calendar_url(calendar, 2027)).content.decode()
    assert "day-holiday" in day_cell(page, "2027-02-11")

    override = CalendarOverride.objects.get(date=dt.date(2027, 2, 20))
    response = client.post(reverse("sla:override_delete", args=[calendar.pk, override.pk]))
    assert response.status_code == 302
    page = client.get(calendar_url(calendar, 2027)).content.decode()
    assert "day-weekend" in day_cell(page, "2027-02-20")


def test_override_form_errors_are_shown(client, personas) -> None:
    calendar = Calendar.get_default()
    client.force_login(personas.lead)
    response = client.post(reverse("sla:override_new", args=[calendar.pk]), {"date": "not a date", "is_workday": "1"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert client.get(reverse("sla:override_delete", args=[calendar.pk, 1])).status_code == 405


def week_post(**days: str) -> dict[str, str]:
    data = {"name": "Shenzhen support", "timezone": "Asia/Shanghai", "country": "CN"}
    data.update({f"day_{day}": "" for day in range(7)})
    data.update(days)
    return data


def test_lead_edits_the_weekly_hours_with_validation(client, personas) -> None:
    client.force_login(personas.lead)
    response = client.post(reverse("sla:calendar_new"), week_post(day_0="09:00-12:00, 13:30-18:30"))
    assert response.status_code == 302
    calendar = Calendar.objects.get(name="Shenzhen support")
    assert calendar.week == {"0": [["09:00", "12:00"], ["13:30", "18:30"]]}

    edit = reverse("sla:calendar_edit", args=[calendar.pk])
    assert "09:00-12:00, 13:30-18:30" in client.get(edit).content.decode()
    response = client.post(edit, week_post(day_0="12:00-09:00"))
    assert response.status_code == 400
    assert "The interval 12:00-09:00 must end after it starts." in response.content.decode()
    response = client.post(edit, week_post(day_1="09:00-13:00, 12:00-18:00"))
    assert response.status_code == 400
    assert "The intervals 09:00-13:00 and 12:00-18:00 overlap." in response.content.decode()
    response = client.post(edit, week_post(day_2="nine to five"))
    assert response.status_code == 400
    assert "Write intervals like 09:00-12:00" in response.content.decode()
    response = client.post(edit, week_post(day_5="9:00-12:00", day_6="18:00-24:00"))
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.week == {"5": [["09:00", "12:00"]], "6": [["18:00", "24:00"]]}
    assert calendar.engine().week[6] == [(dt.time(18), dt.time(0))]


def test_lead_creates_and_edits_a_policy(client, personas) -> None:
    client.force_login(personas.lead)
    page = client.get(reverse("sla:policy_new")).content.decode()
    assert "First response within" in page
    data = {
        "name": "Key account chat", "order": "5", "is_active": "on", "calendar": str(Calendar.get_default().pk),
        # tickets and customers offer their values, so conditions are checkboxes
        "tiers": ["key"], "priorities": ["1", "2"], "channels": ["chat", "email"],
        "first_response_0": "0", "first_response_1": "20", "next_response_0": "1", "next_response_1": "",
        "resolution_0": "6", "resolution_1": "30", "pause_on_waiting_customer": "on", "warn_at_percent": "80",
    }
    response = client.post(reverse("sla:policy_new"), data)
    assert response.status_code == 302, response.content.decode()
    policy = Policy.objects.get(name="Key account chat")
    assert policy.first_response == dt.timedelta(minutes=20)
    assert policy.next_response == dt.timedelta(hours=1)
    assert policy.resolution == dt.timedelta(hours=6, minutes=30)
    assert (policy.tiers, policy.priorities, policy.channels) == (["key"], [1, 2], ["chat", "email"])
    assert policy.paused_statuses() == {"waiting_customer"}
    listing = client.get(POLICIES).content.decode()
    assert "Key account chat" in listing and "6h 30m" in listing and "20m" in listing

    edit = reverse("sla:policy_edit", args=[policy.pk])
    form = client.get(edit).content.decode()
    assert 'value="6"' in form and 'value="30"' in form
    assert re.search(r'value="chat"[^>]*checked', form) and re.search(r'value="key"[^>]*checked', form)
    response = client.post(edit, {**data, "priorities": ["urgent"]})
    assert response.status_code == 400 and "not one of the available choices" in response.content.decode()
    response = client.post(edit, {**data, "resolution_1": "75"})
    assert response.status_code == 400
    response = client.post(edit, {**data, "resolution_0": "", "resolution_1": ""})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.resolution is None


def test_registered_condition_choices_become_checkboxes(client, personas, monkeypatch) -> None:
    from aftersales.sla import conditions

    monkeypatch.setattr(conditions, "_providers", {})
    conditions.register_condition_choices("channels", lambda: [("email", "Email"), ("chat", "Chat")])
    conditions.register_condition_choices("priorities", lambda: [(1, "P1 · urgent"), (2, "P2 · high")])
    with pytest.raises(ValueError):
        conditions.register_condition_choices("weather", list)
    client.force_login(personas.lead)
    page = client.get(reverse("sla:policy_new")).content.decode()
    assert 'type="checkbox" name="channels" value="chat"' in page
    assert 'type="checkbox" name="priorities" value="1"' in page
    assert 'name="tiers"' in page and 'type="checkbox" name="tiers"' not in page  # no provider: text
    data = {
        "name": "Urgent chat", "order": "3", "is_active": "on", "calendar": str(Calendar.get_default().pk),
        "channels": ["chat"], "priorities": ["1", "2"], "tiers": "", "category_codes": "dlr",
        "first_response_0": "0", "first_response_1": "15", "warn_at_percent": "75",
    }
    assert client.post(reverse("sla:policy_new"), data).status_code == 302
    policy = Policy.objects.get(name="Urgent chat")
    assert (policy.channels, policy.priorities, policy.category_codes, policy.tiers) == (["chat"], [1, 2], ["dlr"], [])
    edit = client.get(reverse("sla:policy_edit", args=[policy.pk])).content.decode()
    assert re.search(r'name="channels" value="chat"[^>]*checked', edit)
    response = client.post(reverse("sla:policy_new"), {**data, "name": "Bad", "channels": ["fax"]})
    assert response.status_code == 400
