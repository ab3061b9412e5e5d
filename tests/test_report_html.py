"""The study report: numbers computed from rows, and a page that renders in a real browser.

Run: pytest tests/test_report_html.py -v   (the browser test needs Debian's chromium)
"""

import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from xling.data.io import write_json, write_parquet
from xling.metrics import gen_score, summarize_rows
from xling.report.study import write_study_report
from xling.study.grid import resolve_cells
from xling.study.spec import parse_spec

LANGS = ["en", "de", "sw"]
# Probability of a correct answer per (cell, language): RL(de) clearly above SFT(de).
P = {"Base": [0.5, 0.3, 0.1], "SFT(de)": [0.55, 0.45, 0.12], "GRPO(de)": [0.8, 0.7, 0.5]}


def fake_study(tmp_path, n=120, p=P):
    """A finished study whose cells hold synthetic per-sample rows (no model needed)."""
    spec = parse_spec({
        "name": "fake", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "grid": {"paradigms": ["sft", "grpo"], "train_langs": [["de"]]},
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "fake.yaml")
    rng = np.random.default_rng(0)
    for cell in resolve_cells(spec):
        rows = []
        for j, lang in enumerate(LANGS):
            for i in range(n):
                ok = bool(rng.random() < p[cell.label][j])
                rows.append({"id": f"{lang}-{i}", "parallel_id": f"p{i}", "lang": lang, "sample": 0,
                             "gold": "1", "prompt": "q", "completion": "c", "extracted": "1" if ok else None,
                             "correct": ok, "reason": "boxed" if ok else "no-answer",
                             "response_lang": lang, "ambiguous_number": False, "prompt_tokens": 1,
                             "completion_tokens": 1, "finish_reason": "stop", "error": None})
        write_parquet(cell.run.eval_file("sandbox"), rows)
        summary = summarize_rows(rows)
        write_json(cell.run.metrics, {"benchmarks": {"sandbox": {"langs": summary}}})
        cell.mark_done()
    return spec


def test_report_numbers_come_from_rows(tmp_path):
    spec = fake_study(tmp_path)
    md_path, html_path = write_study_report(spec)
    md = md_path.read_text()
    cells = resolve_cells(spec)
    acc = {c.label: {lang: m["acc"]["value"] for lang, m in
                     c.run.read_metrics()["benchmarks"]["sandbox"]["langs"].items()} for c in cells}
    gen = gen_score(acc["GRPO(de)"], acc["Base"])
    row = next(line for line in md.splitlines() if line.startswith("| GRPO(de) |"))
    assert row.rstrip(" |").endswith(f"{100 * gen:.1f}")
    assert "RL beat SFT in cross-lingual Gen at 95%" in md
    assert "## Provenance" in md and "git_commit" in md


def test_report_with_the_base_at_100_percent_says_gen_is_undefined(tmp_path):
    # No room to gain in any language: Gen is undefined. The report says so instead of failing.
    spec = fake_study(tmp_path, n=30, p={**P, "Base": [1.0, 1.0, 1.0]})
    md = write_study_report(spec)[0].read_text()
    assert "undefined (base at 100%)" in md
    assert "Gen undefined: the base is at 100% in every language" in md  # the tables' note
    assert "| GRPO(de) |" in md


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path):
    spec = fake_study(tmp_path)
    _, html_path = write_study_report(spec)
    page = html_path.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert images, "no embedded plots"
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", html_path.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<table>") >= 4 and "GRPO(de)" in dom and dom.count("<img") == len(images)
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,2400",
                    html_path.as_uri()], capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000  # a page with tables and plots, not blank


def test_sections_render_as_commonmark_with_tables(tmp_path):
    """report.html renders Markdown with markdown-it-py (CommonMark + GFM tables): numbered
    lists, fenced code, escaped pipes in cells and soft line breaks come out as such, and raw
    HTML in section text is escaped (a quoted model answer cannot inject markup)."""
    from markdown_it import MarkdownIt

    from xling.report.html import write_report
    from xling.report.study import Section

    text = ("| model | answer |\n|---|---|\n| **A** | `x \\| y` |\n\n"
            "1. first\n2. second\n\n```\nboxed{4}\n```\n\n"
            "line one\nline _two_ <script>alert(1)</script>")
    _, html_path = write_report("t", "intro", [Section("s", text)], "a: 1", {"p": 1}, tmp_path)
    page = html_path.read_text()
    assert "<td><code>x | y</code></td>" in page  # the escaped pipe stays inside one cell
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in page
    assert "<pre><code>boxed{4}\n</code></pre>" in page
    assert "line one<br />\nline <em>two</em> &lt;script&gt;" in page and "<script>" not in page
    # Pinned against the library: the section's HTML is markdown-it's own rendering.
    reference = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table").render(text)
    assert reference in page
