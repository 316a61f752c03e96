"""The template-checker benchmark still runs (on tiny data) and its mix is what it claims."""

from __future__ import annotations

from aftersales.sms.templatecheck import check
from bench.bench_templatecheck import main, make_templates


def test_the_mix_has_chinese_english_india_and_long_templates():
    templates = make_templates(400, seed=3)
    countries = {country for _text, country, _purpose in templates}
    assert {"CN", "IN"} <= countries
    results = [check(*template) for template in templates]
    assert any(r.encoding == "GSM-7" for r in results) and any(r.encoding == "UCS-2" for r in results)
    assert any(r.segments > 2 for r in results)
    assert any(f.code == "shortener" for r in results for f in r.findings)


def test_benchmark_runs_on_tiny_data(capsys):
    assert main(["--templates", "200", "--repeat", "1"]) == 0
    assert "templates/s" in capsys.readouterr().out
