"""How fast old logs import: a generated CSV in the old team's shape through ``import-logs``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_benchimport \\
        .venv/bin/python -m bench.bench_import [--rows 5000] [--customers 200] [--no-cases] [--batch-size N]
        [--once] [--overlap]

Writes a GB18030 CSV like the shared sample (日期, 客户, 问题描述, 处理人, 状态, 解决时间, 备注: mixed date
forms, owners with aliases, statuses, vendor case numbers in one row in five (the first row naming
a number opens the case, later ones link to it, a later row of the same customer continues its
ticket), a monthly check-in in one row in a hundred, a few junk rows), imports it once (timed, with
this process's peak RSS and its read-ahead child's), then again (every row a duplicate). Python's
start-up (this environment sets PYTHONDONTWRITEBYTECODE, so every module is compiled again:
~10-20 s), jieba's dictionary, the URL configuration and the holidays package are loaded before
the clock starts. Target (issue 9): ≥ 5,000
rows/s for CSV into tickets on PostgreSQL, memory flat on a 1,000,000-row file. ``--overlap``
also reports how long the writer and the database each worked while the other waited, and side by
side (``bench/overlap.py``; the sampler costs a few percent of a CPU).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ISSUES = [
    "越南短信送达率下降到{n}%", "Sender ID \"BRAND{n}\" registration pending", "余额不足 {n} EUR，提醒充值",
    "验证码疑似盗刷，异常暴增 {n} 倍", "Template rejected: contains a link", "客户询问长短信计费（{n} 段）",
    "API 返回 status {n}", "number 4477009{n:05d} not receiving inbound SMS",
]
OWNERS = ["小李", "老韩", "杨", "小李 / 杨", ""]
STATUSES = ["已解决", "处理中", "已关闭", "已完成", "pending", "done"]


def write_csv(path: Path, rows: int, customers: int, seed: int = 1, cases: bool = True) -> None:
    rng = random.Random(seed)
    names = [f"测试客户{i:04d}" if i % 3 else f"Bench Customer {i:04d}" for i in range(customers)]
    with path.open("w", encoding="gb18030", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["日期", "客户", "问题描述", "处理人", "状态", "解决时间", "备注"])
        for i in range(rows):
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            date = rng.choice([f"2025/{month}/{day}", f"2025-{month:02d}-{day:02d} 10:{i % 60:02d}",
                               f"{month}月{day}日", f"2025{month:02d}{day:02d}"])
            if i % 97 == 0:
                date = "????"
            issue = rng.choice(ISSUES).format(n=i % 100) if i % 100 != 50 else "月度回访：客户对本月送达率满意"
            status = rng.choice(STATUSES)
            resolved = f"2025/{month}/{min(day + 1, 28)}" if status in ("已解决", "已关闭", "已完成", "done") else ""
            note = f"已开 case {4500000 + i % 5000:08d}" if cases and i % 5 == 0 else ""
            out.writerow([date, rng.choice(names), issue, rng.choice(OWNERS), status, resolved, note])


def _children_cpu() -> float:
    """CPU seconds of this process's ended children so far (the read-ahead reader, once it exits)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _backend_pid() -> int | None:
    """The process id of this process's PostgreSQL backend (None elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _backend_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this process's connection used so far (0 elsewhere)."""
    from bench.overlap import stat_fields

    pid = _backend_pid()
    fields = stat_fields(pid) if pid is not None else None
    if fields is None:  # not PostgreSQL, or the database runs elsewhere
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_sampler() -> subprocess.Popen[str] | None:
    """``bench.overlap`` watching this process, its reader and its database backend (PostgreSQL, Linux)."""
    backend = _backend_pid()
    if backend is None or not Path("/proc/self/stat").exists():
        return None
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen([sys.executable, "-m", "bench.overlap", str(os.getpid()), str(backend)],  # noqa: S603
                            cwd=root, stdout=subprocess.PIPE, text=True)  # fmt: skip


def _stop_sampler(sampler: subprocess.Popen[str]) -> dict[str, float]:
    from bench.overlap import shares

    sampler.send_signal(signal.SIGTERM)
    output, _errors = sampler.communicate(timeout=30)
    return shares(Counter(json.loads(output)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--no-cases", action="store_true", help="no vendor case numbers in the notes")
    parser.add_argument("--batch-size", type=int, help="rows per transaction (default: the importer's)")
    parser.add_argument("--once", action="store_true", help="skip the second (all duplicates) import")
    parser.add_argument("--overlap", action="store_true",
                        help="sample which of writer, reader and database run side by side (bench/overlap.py)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()
    from django.core.management import call_command, load_command_class
    from django.urls import get_resolver

    from aftersales.core.search.tokens import jieba_tokenizer

    started = time.perf_counter()
    load_command_class("aftersales.imports", "import-logs")
    jieba_tokenizer()
    # Modules the first batch would otherwise import on the clock, once per process: the URL
    # configuration (a vendor case's note links to the case) and the holidays package (SLA calendars).
    get_resolver().url_patterns  # noqa: B018
    importlib.import_module("holidays")
    print(f"start-up (modules, jieba's dictionary) {time.perf_counter() - started:.1f} s, not counted")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ops-log-bench-2025.csv"
        write_csv(path, args.rows, args.customers, cases=not args.no_cases)
        print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
        for label in ("first import", "again (duplicates)")[: 1 if args.once else 2]:
            out = io.StringIO()
            backend_before = _backend_cpu()
            cpu_started = time.process_time()
            children_started = _children_cpu()
            started = time.perf_counter()
            batch = ["--batch-size", str(args.batch_size)] if args.batch_size else []
            sampler = _start_sampler() if args.overlap else None
            call_command("import-logs", str(path), "--json", *batch, stdout=out, stderr=io.StringIO())
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            backend = _backend_cpu() - backend_before
            reader_cpu = _children_cpu() - children_started  # (the reader has ended, the sampler not yet)
            side_by_side = _stop_sampler(sampler) if sampler is not None else None
            summary = json.loads(out.getvalue())
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the read-ahead process
            print(f"{label:20} {seconds:8.1f} s {args.rows / seconds:9,.0f} rows/s  peak {peak:5.0f} MB "
                  f"(reader {reader:4.0f} MB)  "
                  f"imported {summary['imported']:,} duplicates {summary['duplicates']:,} "
                  f"quarantined {summary['quarantined']:,} {summary['outcomes']}")
            if backend:  # PostgreSQL on this machine: what a quiet machine would do (both CPUs' work, in turn)
                print(f"{'':20} CPU: importer {cpu:.1f} s + database {backend:.1f} s → "
                      f"{args.rows / (cpu + backend):,.0f} rows per CPU second; the reader {reader_cpu:.1f} s "
                      "beside them")  # fmt: skip
            if side_by_side:
                print(f"{'':20} side by side: the writer alone {side_by_side['writer_alone']:.0%}, the database "
                      f"alone {side_by_side['database_alone']:.0%}, both {side_by_side['both']:.0%}, neither "
                      f"{side_by_side['neither']:.0%} of the run; the reader ran {side_by_side['reader']:.0%}")


if __name__ == "__main__":
    main()
