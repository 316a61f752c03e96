"""The import pages: upload → preview with the detected mapping → import → summary; quarantine;
provisional customers; agent aliases. Leads only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.customers.models import Customer
from aftersales.imports.models import AgentAlias, ImportedRow, ImportRun, MappingProfile
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("frozen")

HANDOVER = "when,who,what,done by\n2025-03-05,Bluewave Games,DLR missing,小李\n,Bluewave Games,no date here,小李\n"
CSV = "日期,客户,问题描述,处理人\n2025/3/5,Bluewave Games,送达率下降,小李\n2025/3/6,Moonlit Farm,余额不足,老王\n"


def _upload(client: Any, text: str, name: str = "ops.csv", **extra: Any) -> Any:
    data = {"logs": [SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")],
            "timezone": "Asia/Shanghai", "create_customers": "on", **extra}  # fmt: skip
    return client.post("/imports/upload/", data)


def _import(client: Any, text: str) -> ImportRun:
    """Upload ``text`` (date, customer, issue columns) and import it as detected."""
    _upload(client, text)
    run = ImportRun.objects.get()
    client.post(f"/imports/runs/{run.pk}/preview/", {"col-0": "date", "col-1": "customer", "col-2": "issue",
                                                     "action": "import"})  # fmt: skip
    return run


def _row_of(page: str, text: str) -> str:
    """The table row of ``page`` from ``text`` on (to its end)."""
    return page[page.index(text):].split("</tr>")[0]


def test_agents_and_viewers_cannot_reach_the_import_pages(client: Any, personas: Any) -> None:
    for user in (personas.agent, personas.viewer):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403
        assert _upload(client, CSV).status_code == 403
    assert not ImportRun.objects.exists()


def test_upload_preview_import_and_summary(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    page = client.get("/imports/")
    assert "Nothing imported yet." in page.content.decode()
    response = _upload(client, CSV)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/runs/{run.pk}/preview/"
    preview = client.get(response["Location"]).content.decode()
    assert 'data-header="客户"' in preview and '<option value="customer" selected>' in preview
    assert "送达率下降" in preview and "Moonlit Farm" in preview
    assert ">2025-03-05<" in preview and "00:00" not in preview  # a date without a time shows none
    # The import would create Moonlit Farm; Bluewave Games is the desk's.
    moonlit, bluewave = (preview[preview.index(name):].split("</td>")[0] for name in ("Moonlit Farm", "Bluewave Games"))
    assert "new customer" in moonlit and "new customer" not in bluewave
    assert not Ticket.objects.exists()  # the preview writes nothing
    imported = client.post(f"/imports/runs/{run.pk}/preview/", {
        "col-0": "date", "col-1": "customer", "col-2": "issue", "col-3": "owner", "action": "import",
    }, follow=True)  # fmt: skip
    body = imported.content.decode()
    assert "2 rows = 2 imported + 0 already imported + 0 quarantined" in body
    assert "Moonlit Farm" in body  # the provisional customer, listed
    assert Ticket.objects.count() == 2
    assert Customer.objects.get(name="Moonlit Farm").provisional
    run.refresh_from_db()
    assert run.created_by == personas.lead and run.state == ImportRun.State.DONE


QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the production queue; no worker here
MAPPING = {"col-0": "date", "col-1": "customer", "col-2": "issue", "col-3": "owner", "action": "import"}


def test_a_large_import_runs_in_the_background_and_its_page_follows_it(client: Any, personas: Any,
                                                                       settings: Any) -> None:  # fmt: skip
    """With a real queue the request only enqueues the import: the run waits for a worker, its page
    polls and shows how far it has got, a second "import" is refused, and the worker's run fills
    the same page with the summary."""
    from aftersales.imports import tasks

    settings.TASKS = QUEUE
    client.force_login(personas.lead)
    _upload(client, CSV)
    run = ImportRun.objects.get()
    body = client.post(f"/imports/runs/{run.pk}/preview/", MAPPING, follow=True).content.decode()
    run.refresh_from_db()
    assert run.state == ImportRun.State.QUEUED and not Ticket.objects.exists()
    assert "The import has started in the background." in body
    assert 'data-testid="run-progress"' in body and "Waiting for a task worker" in body
    assert 'hx-trigger="every 2s"' in body and 'data-testid="rerun-link"' not in body
    queued = tasks.import_files.get_result(run.options["task"])
    assert queued.args == [run.pk, personas.lead.pk] and not queued.is_finished
    again = client.post(f"/imports/runs/{run.pk}/preview/", MAPPING, follow=True).content.decode()
    assert "This import is already under way" in again and ImportRun.objects.count() == 1

    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, counts={"rows": 1})
    running = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert "Importing: 1 row so far." in running and 'hx-trigger="every 2s"' in running

    result = tasks.import_files.call(run.pk, personas.lead.pk)  # what the worker runs
    assert result["imported"] == 2
    done = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert "2 rows = 2 imported + 0 already imported + 0 quarantined" in done
    assert "hx-trigger" not in done and 'data-testid="run-progress"' not in done
    assert 'data-testid="rerun-link"' in done and 'data-testid="run-stopped"' not in done
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and Ticket.objects.filter(imported=True).count() == 2


def test_a_run_whose_worker_was_lost_says_so_and_can_be_imported_again(client: Any, personas: Any,
                                                                       settings: Any) -> None:  # fmt: skip
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = QUEUE
    client.force_login(personas.lead)
    _upload(client, CSV)
    run = ImportRun.objects.get()
    client.post(f"/imports/runs/{run.pk}/preview/", MAPPING)
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, counts={"rows": 1})
    # The worker was killed mid-run; the lease sweeper fails its task (core.leases, TASK_STUCK_MINUTES).
    run.refresh_from_db()
    DBTaskResult.objects.filter(id=run.options["task"]).update(status=TaskResultStatus.FAILED)
    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert 'data-testid="run-stopped"' in page and "the process running it is gone" in page
    assert "hx-trigger" not in page and 'data-testid="rerun-link"' in page
    runs = client.get("/imports/").content.decode()  # the list says the same, not "Running"
    assert 'data-testid="run-stopped"' in runs and "Stopped before the end" in runs and "Running" not in runs
    client.post(f"/imports/runs/{run.pk}/preview/", MAPPING)  # import again: a new run, queued
    newer = ImportRun.objects.exclude(pk=run.pk).get()
    assert newer.state == ImportRun.State.QUEUED and DBTaskResult.objects.count() == 2


def test_the_background_import_marks_a_vanished_file_as_the_runs_failure(personas: Any, tmp_path: Any) -> None:
    from aftersales.imports import load as loading
    from aftersales.imports import tasks

    run = loading.start_run(actor=personas.lead, files=[{"name": "gone.csv", "path": str(tmp_path / "gone.csv"),
                                                         "size": 0}])  # fmt: skip
    result = tasks.import_files.call(run.pk, personas.lead.pk)
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and "gone.csv" in run.error and "gone.csv" in result["failed"]


def test_a_corrected_mapping_imports_the_quarantined_rows_without_duplicating(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    _upload(client, HANDOVER, name="handover.csv")
    run = ImportRun.objects.get()
    # First attempt: "what" ignored, so nothing says what happened (the other row has no date at all).
    client.post(f"/imports/runs/{run.pk}/preview/", {"col-0": "date", "col-1": "customer", "col-2": "ignore",
                                                     "col-3": "owner", "action": "import"})  # fmt: skip
    assert ImportedRow.objects.filter(outcome="quarantined").count() == 2
    quarantine = client.get("/imports/quarantine/?reason=no_date").content.decode()
    assert "no date here" in quarantine and "DLR missing" not in quarantine
    # Corrected, saved as a profile, imported again from the summary's "again" link.
    again = client.post(f"/imports/runs/{run.pk}/preview/", {
        "col-0": "date", "col-1": "customer", "col-2": "issue", "col-3": "owner", "profile_name": "handover",
        "action": "import"}, follow=True)  # fmt: skip
    assert "2 rows = 1 imported + 0 already imported + 1 quarantined" in again.content.decode()
    assert Ticket.objects.get().subject == "DLR missing"
    assert MappingProfile.objects.get(name="handover").mapping["what"] == "issue"
    assert ImportRun.objects.count() == 2 and ImportedRow.objects.count() == 2
    third = client.post(f"/imports/runs/{run.pk}/preview/", {
        "col-0": "date", "col-1": "customer", "col-2": "issue", "col-3": "owner", "action": "import"}, follow=True)
    assert "2 rows = 0 imported + 1 already imported + 1 quarantined" in third.content.decode()
    assert Ticket.objects.count() == 1


def test_the_quarantine_says_why_in_the_readers_language_whatever_the_import_ran_in(client: Any,
                                                                                  personas: Any) -> None:
    client.force_login(personas.lead)
    _upload(client, HANDOVER, name="handover.csv")
    run = ImportRun.objects.get()
    client.post(f"/imports/runs/{run.pk}/preview/", {"col-0": "date", "col-1": "customer", "col-2": "issue",
                                                     "col-3": "owner", "action": "import"})  # fmt: skip
    english = client.get("/imports/quarantine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The row has no date, and its text names none." in english
    profile = personas.lead.agent_profile
    profile.language = "zh-hans"  # the lead reads the desk in Chinese
    profile.save(update_fields=["language"])
    chinese = client.get("/imports/quarantine/").content.decode()
    assert "这一行没有日期，文字中也没有提到日期。" in chinese
    assert "The row has no date" not in chinese
    assert "没有日期（1）" in chinese  # Chinese brackets around the count, as in 全部（1）


def test_the_preview_shows_statuses_and_categories_by_their_names(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    _upload(client, "日期,客户,问题描述,状态\n2025/3/5,Bluewave Games,送达率下降,已解决\n")
    preview = client.get(f"/imports/runs/{ImportRun.objects.get().pk}/preview/").content.decode()
    assert "<td>Resolved</td>" in preview and "<td>resolved</td>" not in preview
    assert "Delivery &amp; conversion rate" in preview and "delivery-conversion" not in preview
    assert "runs in the background" in preview


def test_an_image_named_csv_is_refused_at_upload_and_no_run_is_left(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    response = client.post("/imports/upload/", {"logs": [SimpleUploadedFile("pixel.csv", png, content_type="text/csv")],
                                                "timezone": "Asia/Shanghai"})  # fmt: skip
    assert response.status_code == 400
    assert "pixel.csv is not a log file (its content is image/png)" in response.content.decode()
    assert not ImportRun.objects.exists()
    utf16 = "日期\t客户\t问题描述\n2025/3/5\tBluewave Games\t送达率下降\n".encode("utf-16")
    accepted = client.post("/imports/upload/", {"logs": [SimpleUploadedFile("excel.txt", utf16)],
                                                "timezone": "Asia/Shanghai"})  # fmt: skip
    assert accepted.status_code == 302  # text in UTF-16 (NUL bytes and all) is still a log


def test_the_runs_rows_say_what_each_became_and_whose_check_in_it_is(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    run = _import(client, "日期,客户,问题描述\n2025/3/5,Kaito Pay,送达率下降\n"
                          "2025/3/7,Moonlit Farm,月度回访：客户满意\n")
    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert "<td>New ticket</td>" in page and "<td>Check-in</td>" in page
    assert "Moonlit Farm" in _row_of(page, "<td>Check-in</td>")


def test_the_runs_list_in_chinese_says_who_imported_not_who_edited(client: Any, personas: Any) -> None:
    profile = personas.lead.agent_profile
    profile.language = "zh-hans"
    profile.save(update_fields=["language"])
    client.force_login(personas.lead)
    _upload(client, CSV)
    page = client.get("/imports/").content.decode()
    assert "导入人" in page and "修改人" not in page
    missing = client.get("/imports/runs/999999/").content.decode()
    assert "该链接指向的内容可能已被删除" in missing and "工单或客户" not in missing


def test_the_provisional_review_suggests_the_customer_a_name_most_likely_is(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    _import(client, "日期,客户,问题描述\n2025/3/5,Blu Wave Gamez Co,送达率下降\n2025/3/6,Zephyr Quill Ltd,余额不足\n")
    page = client.get("/imports/customers/").content.decode()
    # A misspelling: the merge target is chosen already; nothing close: nothing chosen.
    assert '<option value="bluewave" selected>' in _row_of(page, "Blu Wave Gamez Co")
    assert "selected>" not in _row_of(page, "Zephyr Quill Ltd").replace('<option value="" selected>', "")


def test_a_mapping_without_a_date_column_is_refused(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    _upload(client, CSV)
    run = ImportRun.objects.get()
    response = client.post(f"/imports/runs/{run.pk}/preview/", {"col-0": "ignore", "col-1": "customer",
                                                                "col-2": "issue", "col-3": "owner", "action": "import"})
    assert response.status_code == 400
    assert "Choose the column that holds the date." in response.content.decode()
    assert not Ticket.objects.exists()


def test_bad_uploads_get_a_clear_error(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    response = _upload(client, CSV, timezone="Mars/Olympus")
    assert response.status_code == 400 and "is not a known timezone" in response.content.decode()
    empty = client.post("/imports/upload/", {"timezone": "Asia/Shanghai"})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    old = _upload(client, "binary", name="ops.xls")
    assert old.status_code == 400 and "cannot be read" in old.content.decode()


def test_quarantine_filters_and_rejects_unknown_reasons(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    assert "No quarantined rows." in client.get("/imports/quarantine/").content.decode()
    response = client.get("/imports/quarantine/?reason=bogus")
    assert response.status_code == 400 and "Unknown reason" in response.content.decode()


def test_provisional_customers_are_confirmed_or_merged(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    _upload(client, CSV + "2025/3/7,Bluewave Gmes Studio,DLR,小李\n")
    run = ImportRun.objects.get()
    client.post(f"/imports/runs/{run.pk}/preview/", {"col-0": "date", "col-1": "customer", "col-2": "issue",
                                                     "col-3": "owner", "action": "import"})  # fmt: skip
    page = client.get("/imports/customers/").content.decode()
    assert "Moonlit Farm" in page and "Bluewave Gmes Studio" in page
    farm = Customer.objects.get(name="Moonlit Farm")
    typo = Customer.objects.get(name="Bluewave Gmes Studio")
    assert client.post(f"/imports/customers/{farm.pk}/confirm/").status_code == 302
    farm.refresh_from_db()
    assert not farm.provisional
    bad = client.post(f"/imports/customers/{typo.pk}/merge/", {"target": "nope"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    merged = client.post(f"/imports/customers/{typo.pk}/merge/", {"target": "bluewave"}, follow=True)
    assert "was merged into Bluewave Games; 1 tickets moved." in merged.content.decode()
    assert Ticket.objects.filter(customer=personas.other_customer).count() == 2
    assert "No provisional customers." in client.get("/imports/customers/").content.decode()
    assert client.post(f"/imports/customers/{farm.pk}/confirm/").status_code == 404  # no longer provisional


def test_agent_aliases_are_added_and_removed(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    assert "No aliases yet." in client.get("/imports/aliases/").content.decode()
    saved = client.post("/imports/aliases/", {"alias": "小李", "user": personas.agent.pk}, follow=True)
    assert "“小李” now means" in saved.content.decode()
    alias = AgentAlias.objects.get()
    assert alias.user == personas.agent
    refused = client.post("/imports/aliases/", {"alias": "客户", "user": personas.viewer.pk})
    assert refused.status_code == 400
    assert client.post(f"/imports/aliases/{alias.pk}/delete/").status_code == 302
    assert not AgentAlias.objects.exists()


def test_the_sidebar_links_the_import_page_for_leads_only(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    assert 'data-testid="imports-link"' in client.get("/tickets/").content.decode()
    client.force_login(personas.agent)
    assert 'data-testid="imports-link"' not in client.get("/tickets/").content.decode()


def _gone_holder() -> str:
    """A ``leases.holder()`` name of a process of this host that has ended."""
    import subprocess
    import sys

    from aftersales.core import leases

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)  # fmt: skip
    return f"{leases.holder().rpartition(':')[0]}:{finished.stdout.strip()}"


def test_a_web_run_whose_worker_process_is_gone_says_so_at_once(client: Any, personas: Any, settings: Any) -> None:
    settings.TASKS = QUEUE
    client.force_login(personas.lead)
    _upload(client, CSV)
    run = ImportRun.objects.get()
    client.post(f"/imports/runs/{run.pk}/preview/", MAPPING)
    run.refresh_from_db()
    # A worker took the task and began (``load`` records its process), then was killed: its task is
    # still "running" for the sweeper's TASK_STUCK_MINUTES, but the page need not wait for that.
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING,
                                               options={**run.options, "holder": _gone_holder()})  # fmt: skip
    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert 'data-testid="run-stopped"' in page and "hx-trigger" not in page
    assert "Stopped before the end" in client.get("/imports/").content.decode()


def test_a_command_run_whose_process_is_gone_says_so(client: Any, personas: Any) -> None:
    from aftersales.core import leases
    from aftersales.imports import load as loading

    gone = _gone_holder()
    client.force_login(personas.lead)
    for holder, stopped in ((gone, True), (leases.holder(), False)):
        run = loading.start_run(actor=None, files=[], options={"source": "command", "holder": holder})
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING)
        page = client.get(f"/imports/runs/{run.pk}/").content.decode()
        assert ('data-testid="run-stopped"' in page) is stopped
        assert ('hx-trigger="every 2s"' in page) is not stopped
        listed = client.get("/imports/").content.decode()
        assert ("Stopped before the end" in listed) is stopped and ("Running" in listed) is not stopped
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.DONE)
