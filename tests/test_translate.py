"""``xling translate`` against a real local OpenAI-compatible HTTP server whose "model" answers
from known translations: MGSM's staged parallel files give the true German and Chinese of each
English question (plus a few hand-written solutions and one LaTeX problem). The server corrupts
chosen items on purpose — a changed number, an English reply, a truncated text, a dropped
``\\boxed{}``, a dropped LaTeX span, a reply without its tags, a judge that says no, a drifting
back-translation — and the tests check that exactly those are retried, then dropped, and counted
under the check that caught them; that a killed run restarts without asking for any finished
item; and that the output is a benchmark card ``xling eval`` runs and a training pool.
The server is test code; the pipeline under test is the real one (openai backend over HTTP).
Run: pytest tests/test_translate.py -v
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.json_http import JsonHandler, listening
from xling.languages import get_language
from xling.schema import Example, XlingError
from xling.translate import (
    CHECKS,
    TranslateConfig,
    check_answer,
    check_language,
    check_latex,
    check_length,
    check_numbers,
    load_source,
    numbers_in,
    parse_verdict,
    translate,
)

SECRET = "sk-test-SECRET-translate-42"
JUDGE_SECRET = "sk-test-SECRET-judge-7"

# Hand-written (checked by a reader of each language): a LaTeX problem and a solution template.
LATEX_ITEM = {
    "en": "Compute $\\frac{3}{4} + 2$ and write the result as a fraction in lowest terms.",
    "de": "Berechne $\\frac{3}{4} + 2$ und schreibe das Ergebnis als vollständig gekürzten Bruch.",
    "zh": "计算 $\\frac{3}{4} + 2$，并将结果写成最简分数。",
}
LATEX_ANSWER = "\\frac{11}{4}"
MC_ITEM = {  # multiple choice, answer B
    "en": ("Which of these is a colour that the sky often has?", ["stone", "blue", "seven"]),
    "de": ("Was davon ist eine Farbe, die der Himmel oft hat?", ["Stein", "blau", "sieben"]),
    "zh": ("下列哪一项是天空常有的颜色？", ["石头", "蓝色", "七"]),
}
SOLUTION = {
    "en": "Step by step we get {a}, so the answer is \\boxed{{{a}}}.",
    "de": "Schritt für Schritt erhalten wir {a}, also ist die Antwort \\boxed{{{a}}}.",
    "zh": "一步一步计算得到 {a}，所以答案是 \\boxed{{{a}}}。",
}


# ---- the fake model server ---------------------------------------------------------------------

class FakeModel(JsonHandler):
    """POST /v1/chat/completions. Model 'judge' answers VERDICT lines; any other model translates
    the tagged source block of the prompt with ``table`` (English text -> {lang: text}), or back
    into English with the reverse table, applying ``corrupt[(lang, English question)]``."""

    timeout = 10  # seconds per connection: a stuck client cannot hold a thread
    table: dict[str, dict[str, str]] = {}
    reverse: dict[str, str] = {}
    corrupt: dict[tuple[str, str], str] = {}
    log: list[dict] = []
    lock = threading.Lock()
    inflight = 0
    max_inflight = 0
    delay = 0.01
    max_requests = 5000

    def do_POST(self):  # noqa: N802
        body = self.read_json()
        cls = type(self)
        with cls.lock:
            cls.inflight += 1
            cls.max_inflight = max(cls.max_inflight, cls.inflight)
            too_many = len(cls.log) >= cls.max_requests
        try:
            if too_many or not self.path.endswith("/chat/completions"):
                return self.send_json(500, {"error": {"message": "refused"}})
            time.sleep(cls.delay)
            text = self._answer(body["model"], body["messages"][-1]["content"],
                                self.headers.get("Authorization", ""))
        finally:
            with cls.lock:
                cls.inflight -= 1
        self.send_json(200, {"choices": [{"message": {"role": "assistant", "content": text},
                                      "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 10, "completion_tokens": 10}})

    def _answer(self, model: str, prompt: str, auth: str) -> str:
        lang = re.search(r"into [^\n()]+ \((\w\w)\)", prompt).group(1)
        source_part = prompt.split("Your previous translation")[0]
        if model == "judge":
            source_part = prompt.split("Translation:")[0]
        blocks: dict[str, str] = {}
        for tag, text in re.findall(r"<(\w+)>\n(.*?)\n</\1>", source_part, re.DOTALL):
            blocks.setdefault(tag, text)
        retry = "Your previous translation" in prompt
        if model == "judge":
            kind = self.corrupt.get((lang, blocks["question"]))
            self._record(model, lang, blocks["question"], retry, auth)
            if kind == "judge_no":
                return "The numbers match but the question asks something else.\nVERDICT: no\nREASON: the question was changed."
            return "VERDICT: yes\nREASON: complete and faithful."
        if lang == "en":  # back-translation: the blocks are translations
            english = {tag: self.reverse[text] for tag, text in blocks.items()}
            src_lang = next(lg for lg, t in self.table[english["question"]].items()
                            if t == blocks["question"])
            self._record("back", src_lang, english["question"], retry, auth)
            if self.corrupt.get((src_lang, english["question"])) == "backtrans":
                english = {tag: "A farmer sells apples at a market on Sunday mornings."
                           for tag in english}
            return "\n".join(f"<{t}>\n{x}\n</{t}>" for t, x in english.items())
        question = blocks["question"]
        self._record(model, lang, question, retry, auth)
        kind = self.corrupt.get((lang, question))
        if kind == "flaky":
            kind = None if retry else "number"
        out = {tag: self.table[text][lang] for tag, text in blocks.items()}
        if kind == "number":
            out["question"] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), out["question"],
                                      count=1)
        elif kind == "english":
            out = {tag: "Here it is: " + text for tag, text in blocks.items()}
        elif kind == "truncate":
            out["question"] = out["question"][: len(out["question"]) // 4]
        elif kind == "nobox":
            out["solution"] = re.sub(r"\\boxed\{(\d+)\}", r"\1", out["solution"])
        elif kind == "latex":
            out["question"] = out["question"].replace("$\\frac{3}{4} + 2$", "3/4 + 2")
        if kind == "notags":
            return "\n\n".join(out.values())
        return "Sure!\n" + "\n".join(f"<{t}>\n{x}\n</{t}>" for t, x in out.items())

    def _record(self, model, lang, question, retry, auth):
        with self.lock:
            self.log.append({"model": model, "lang": lang, "q": question, "retry": retry,
                             "auth": auth})


@pytest.fixture(scope="module")
def items(shared_data):
    """The first 10 MGSM problems whose German and Chinese questions carry exactly the English
    digit runs (a naive test, independent of the code under test), with their true translations."""
    from xling.data.benchmarks import mgsm

    by_lang = {lang: mgsm.load([lang]) for lang in ("en", "de", "zh")}
    chosen = []
    for en, de, zh in zip(*by_lang.values(), strict=True):
        digits = [Counter(re.findall(r"\d+", e.question)) for e in (en, de, zh)]
        if digits[0] == digits[1] == digits[2] and digits[0]:
            chosen.append({"id": en.parallel_id, "en": en.question, "de": de.question,
                           "zh": zh.question, "answer": en.answer})
        if len(chosen) == 10:
            break
    return chosen


@pytest.fixture
def server(items):
    table: dict[str, dict[str, str]] = {it["en"]: {"de": it["de"], "zh": it["zh"]} for it in items}
    table[LATEX_ITEM["en"]] = {"de": LATEX_ITEM["de"], "zh": LATEX_ITEM["zh"]}
    for k, text in enumerate([MC_ITEM["en"][0], *MC_ITEM["en"][1]]):
        table[text] = {lang: [MC_ITEM[lang][0], *MC_ITEM[lang][1]][k] for lang in ("de", "zh")}
    for it in items:
        table[SOLUTION["en"].format(a=it["answer"])] = {
            lang: SOLUTION[lang].format(a=it["answer"]) for lang in ("de", "zh")}
    FakeModel.table = table
    FakeModel.reverse = {t: en for en, by in table.items() for t in by.values()}
    FakeModel.corrupt, FakeModel.log = {}, []
    FakeModel.inflight = FakeModel.max_inflight = 0
    FakeModel.delay = 0.01
    with listening(FakeModel) as url:
        yield url


def write_source(path: Path, items: list[dict], with_solution: set[int] = frozenset(),
                 latex: bool = True) -> Path:
    rows = []
    for i, it in enumerate(items):
        row = {"id": it["id"], "question": it["en"], "answer": it["answer"]}
        if i in with_solution:
            row["solution"] = SOLUTION["en"].format(a=it["answer"])
        rows.append(row)
    if latex:
        rows.append({"id": "latex-1", "question": LATEX_ITEM["en"], "answer": LATEX_ANSWER})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def requests(model: str | None = None, lang: str | None = None) -> Counter:
    return Counter(r["q"] for r in FakeModel.log
                   if (model is None or r["model"] == model) and (lang is None or r["lang"] == lang))


# ---- the pipeline end to end ---------------------------------------------------------------------

DE_CORRUPT = {0: "nobox", 1: "number", 2: "english", 3: "truncate", 4: "judge_no", 5: "flaky",
              6: "notags", "latex": "latex"}
EXPECTED_REASON = {"nobox": "answer", "number": "numbers", "english": "language",
                   "truncate": "length", "judge_no": "judge", "notags": "format", "latex": "latex"}


def test_corrupted_items_are_retried_then_dropped_and_counted(tmp_path, server, items, monkeypatch):
    monkeypatch.setenv("XLING_TEST_KEY", SECRET)
    monkeypatch.setenv("XLING_JUDGE_KEY", JUDGE_SECRET)
    src = write_source(tmp_path / "src.jsonl", items, with_solution={0, 4, 5})
    question = {i: it["en"] for i, it in enumerate(items)} | {"latex": LATEX_ITEM["en"]}
    FakeModel.corrupt = {("de", question[i]): kind for i, kind in DE_CORRUPT.items()}
    FakeModel.corrupt[("zh", question[8])] = "english"
    cfg = TranslateConfig(langs=("en", "de", "zh"), model="translator", verify_model="judge",
                          retries=2, concurrency=3, batch_size=4)
    summary = translate(cfg, str(src), tmp_path / "out",
                        backend_kwargs={"base_url": server, "api_key_env": "XLING_TEST_KEY"},
                        verify_kwargs={"api_key_env": "XLING_JUDGE_KEY"})

    n = len(items) + 1
    de, zh, en = summary["langs"]["de"], summary["langs"]["zh"], summary["langs"]["en"]
    assert de["dropped"] == Counter(EXPECTED_REASON[k] for k in DE_CORRUPT.values() if k != "flaky")
    assert (de["items"], de["passed"], de["retried"]) == (n, n - 7, 8)
    assert (zh["dropped"], zh["passed"], zh["retried"]) == ({"language": 1}, n - 1, 1)
    assert (en["passed"], en["retried"], en["dropped"]) == (n, 0, {})
    by_id = {(d["lang"], d["id"]): d["reason"] for d in summary["dropped"]}
    ids = {i: it["id"] for i, it in enumerate(items)} | {"latex": "latex-1"}
    assert by_id == {("de", ids[i]): EXPECTED_REASON[k] for i, k in DE_CORRUPT.items()
                     if k != "flaky"} | {("zh", ids[8]): "language"}

    # Exactly the corrupted items were re-asked: 1 + K requests each; the flaky one twice.
    translated, judged = requests("translator", "de"), requests("judge", "de")
    for i, q in question.items():
        kind = DE_CORRUPT.get(i)
        assert translated[q] == {None: 1, "flaky": 2}.get(kind, 3), (i, kind)
        # The judge sees only items that passed the rule checks.
        assert judged[q] == {None: 1, "flaky": 1, "judge_no": 3}.get(kind, 0), (i, kind)
    assert requests("translator", "zh")[question[8]] == 3
    assert sum(requests("translator", "en").values()) == 0  # English is copied, not translated
    assert 2 <= FakeModel.max_inflight <= 3  # concurrent, and never above --concurrency
    auth = {(r["model"], r["auth"]) for r in FakeModel.log}
    assert auth == {("translator", f"Bearer {SECRET}"), ("judge", f"Bearer {JUDGE_SECRET}")}

    # The card holds the items that passed in every language, the model's text verbatim.
    out = tmp_path / "out"
    survivors = [ids[i] for i in (5, 7, 9)]
    for lang in ("en", "de", "zh"):
        rows = read_rows(out / f"{lang}.jsonl")
        assert [r["id"] for r in rows] == survivors
    rows = {r["id"]: r for r in read_rows(out / "de.jsonl")}
    flaky = rows[ids[5]]
    assert flaky["question"] == items[5]["de"] and flaky["attempts"] == 2
    assert flaky["solution"] == SOLUTION["de"].format(a=items[5]["answer"])
    assert flaky["answer"] == items[5]["answer"] and flaky["model"] == "translator"
    assert flaky["source_text"]["question"] == items[5]["en"] and items[5]["en"] in flaky["prompt"]
    assert "rejected" in flaky["prompt"] and "numbers" in flaky["prompt"]  # the feedback it got
    assert set(flaky["checks"]) == {*CHECKS, "judge"}
    assert all(c["ok"] in (True, None) for c in flaky["checks"].values())
    assert len(read_rows(out / "passed" / "de.jsonl")) == n - 7  # everything that passed in de
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert SECRET not in text and JUDGE_SECRET not in text


def test_backtranslation_chrf_drops_a_drifting_item(tmp_path, server, items):
    src = write_source(tmp_path / "src.jsonl", items[:4], latex=False)
    FakeModel.corrupt = {("de", items[2]["en"]): "backtrans"}
    cfg = TranslateConfig(langs=("de",), model="translator", retries=1, min_chrf=60, batch_size=8)
    summary = translate(cfg, str(src), tmp_path / "out", backend_kwargs={"base_url": server})
    assert summary["langs"]["de"]["dropped"] == {"backtranslation": 1}
    assert requests("translator", "de")[items[2]["en"]] == 2  # retried once, then dropped
    rows = read_rows(tmp_path / "out" / "de.jsonl")
    assert [r["id"] for r in rows] == [items[i]["id"] for i in (0, 1, 3)]
    assert all(r["checks"]["backtranslation"]["detail"].startswith("chrF 100.0") for r in rows)
    assert summary["dropped"][0]["detail"].startswith("chrF ")


def test_multiple_choice_options_are_translated_or_copied(tmp_path, server):
    from xling.data.benchmarks.card import card_benchmark

    src = tmp_path / "mc.jsonl"
    src.write_text(json.dumps({"id": "c1", "question": MC_ITEM["en"][0], "answer": "B",
                               "choices": MC_ITEM["en"][1]}) + "\n", encoding="utf-8")
    cfg = TranslateConfig(langs=("en", "de", "zh"), model="translator")
    summary = translate(cfg, str(src), tmp_path / "out", backend_kwargs={"base_url": server})
    assert summary["parallel_items"] == 1
    bench = card_benchmark(tmp_path / "out" / "card.yaml")
    assert bench.scorer == "choice"
    got = {e.lang: (e.question, list(e.choices), e.answer) for e in bench.load(["de", "zh"])}
    assert got == {lang: (*MC_ITEM[lang], "B") for lang in ("de", "zh")}
    FakeModel.log = []
    cfg = TranslateConfig(langs=("de",), model="translator", fields=("question",))
    translate(cfg, str(src), tmp_path / "q-only", backend_kwargs={"base_url": server})
    (row,) = read_rows(tmp_path / "q-only" / "de.jsonl")
    assert row["question"] == MC_ITEM["de"][0] and row["choices"] == MC_ITEM["en"][1]
    assert "<option_A>" not in row["prompt"] and len(FakeModel.log) == 1


def test_rule_checks_alone_decide_without_a_judge(tmp_path, server, items):
    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    FakeModel.corrupt = {("de", items[1]["en"]): "judge_no"}  # no judge is asked: it passes
    cfg = TranslateConfig(langs=("de",), model="translator", retries=0)
    summary = translate(cfg, str(src), tmp_path / "out", backend_kwargs={"base_url": server})
    assert summary["langs"]["de"]["passed"] == 3 and sum(requests("judge").values()) == 0


# ---- resumability ------------------------------------------------------------------------------

def test_killed_run_restarts_without_asking_for_finished_items(tmp_path, server, items):
    src = write_source(tmp_path / "src.jsonl", items, latex=False)
    out = tmp_path / "out"
    FakeModel.delay = 0.15
    cmd = [sys.executable, "-m", "xling.cli_translate", "--input", str(src), "--to", "de,zh",
           "--model", "translator", "--base-url", server, "--batch-size", "2",
           "--concurrency", "2", "--retries", "0", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            path = out / "passed" / "de.jsonl"
            if path.is_file() and path.read_text(encoding="utf-8").count("\n") >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    finished = {("de", r["id"]) for r in read_rows(out / "passed" / "de.jsonl")}
    if (out / "passed" / "zh.jsonl").is_file():
        finished |= {("zh", r["id"]) for r in read_rows(out / "passed" / "zh.jsonl")}
    assert 2 <= len(finished) < 2 * len(items)
    assert not (out / "summary.json").exists()  # killed before the end

    while FakeModel.inflight:  # requests the killed process left in flight finish first
        time.sleep(0.05)
    FakeModel.log, FakeModel.delay = [], 0.01
    cfg = TranslateConfig(langs=("de", "zh"), model="translator", retries=0, batch_size=2,
                          concurrency=2)
    summary = translate(cfg, str(src), out, backend_kwargs={"base_url": server})
    asked = {(r["lang"], r["q"]) for r in FakeModel.log}
    id_of = {it["en"]: it["id"] for it in items}
    assert not {(lang, id_of[q]) for lang, q in asked} & finished
    assert len(FakeModel.log) == 2 * len(items) - len(finished)  # each unfinished item once
    assert summary["langs"]["de"]["passed"] == summary["langs"]["zh"]["passed"] == len(items)
    for lang in ("de", "zh"):
        rows = read_rows(out / f"{lang}.jsonl")
        assert [r["id"] for r in rows] == [it["id"] for it in items]  # source order, no repeats
        assert [r["question"] for r in rows] == [it[lang] for it in items]

    FakeModel.log = []
    again = translate(cfg, str(src), out, backend_kwargs={"base_url": server})
    assert FakeModel.log == [] and again == summary  # a finished run asks nothing


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_translate_exits_128_plus_signal_and_resumes(tmp_path, server, items, sig, code):
    from helpers.processes import XLING, interrupt_when

    src = write_source(tmp_path / "src.jsonl", items, latex=False)
    out = tmp_path / "out"
    FakeModel.delay = 0.15
    cmd = [*XLING, "translate", "--input", str(src), "--to", "de,zh", "--model", "translator",
           "--base-url", server, "--batch-size", "2", "--concurrency", "2", "--retries", "0",
           "--out", str(out)]
    passed = out / "passed" / "de.jsonl"
    r = interrupt_when(cmd, lambda: passed.is_file() and passed.read_text().count("\n") >= 2, sig)
    assert r.returncode == code, r.stderr[-3000:]
    assert r.stderr.strip().splitlines()[-1] == (
        f"interrupted: finished items are kept in {out / 'passed'} and {out / 'dropped.jsonl'}; "
        "rerun the same command to resume (finished items are not asked again)")
    assert not (out / "card.yaml").exists()
    while FakeModel.inflight:  # requests the interrupted process left in flight finish first
        time.sleep(0.05)
    FakeModel.log, FakeModel.delay = [], 0.01
    kept = sum(len(read_rows(out / "passed" / f"{lang}.jsonl")) for lang in ("de", "zh")
               if (out / "passed" / f"{lang}.jsonl").is_file())
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(FakeModel.log) == 2 * len(items) - kept  # finished items were not asked again
    assert (out / "card.yaml").is_file()


def test_a_silent_server_fails_after_timeout_in_one_line_and_blocks_nothing(tmp_path, server,
                                                                            items):
    """A server that accepts and never answers: `--timeout` bounds the wait and the one-line error
    names the flag; the failed start records no config, so the corrected command runs."""
    import socket

    from helpers.processes import XLING

    src = write_source(tmp_path / "src.jsonl", items[:2], latex=False)
    out = tmp_path / "out"
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the kernel's backlog; nothing ever answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
    try:
        r = subprocess.run([*XLING, "translate", "--input", str(src), "--to", "de", "--model", "x",
                            "--base-url", url, "--timeout", "1", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    finally:
        silent.close()
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: no answer from {url}/chat/completions within 1 s (if the server is only slow, "
        "raise --timeout)")
    assert not (out / "translate.json").exists()  # nothing translated: no config recorded
    cfg = TranslateConfig(langs=("de",), model="translator", retries=0)
    summary = translate(cfg, str(src), out, backend_kwargs={"base_url": server})
    assert summary["langs"]["de"]["passed"] == 2
    refused = subprocess.run([*XLING, "translate", "--input", str(src), "--to", "de", "--model",
                              "m", "--backend", "hf", "--timeout", "5", "--out", str(out)],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and refused.stderr.strip() == (
        "error: --timeout applies to the openai backend (requests to a server); the backend here "
        "is hf")


def test_torn_last_line_is_redone_and_other_config_is_refused(tmp_path, server, items):
    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    out = tmp_path / "out"
    cfg = TranslateConfig(langs=("de",), model="translator", retries=0)
    translate(cfg, str(src), out, backend_kwargs={"base_url": server})
    passed = out / "passed" / "de.jsonl"
    lines = passed.read_text(encoding="utf-8").splitlines(keepends=True)
    passed.write_text("".join(lines[:2]) + lines[2][:40], encoding="utf-8")  # a write cut short
    FakeModel.log = []
    summary = translate(cfg, str(src), out, backend_kwargs={"base_url": server})
    assert [r["q"] for r in FakeModel.log] == [items[2]["en"]]
    assert summary["langs"]["de"]["passed"] == 3
    with pytest.raises(XlingError, match="another config.*model"):
        translate(TranslateConfig(langs=("de",), model="other"), str(src), out,
                  backend_kwargs={"base_url": server})


# ---- failed runs leave the earlier outputs usable ----------------------------------------------

def test_input_rows_are_checked_before_any_request(tmp_path, server, items):
    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[2] = json.dumps({**json.loads(lines[2]), "answer": ""})
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = TranslateConfig(langs=("de",), model="translator")
    with pytest.raises(XlingError, match=rf"^{re.escape(str(src))}:3: field 'answer' "
                                         r"\(fields.answer\) is empty$"):
        translate(cfg, str(src), tmp_path / "out", backend_kwargs={"base_url": server})
    assert FakeModel.log == [] and not (tmp_path / "out").exists()  # nothing asked, nothing written
    mc = tmp_path / "mc.jsonl"
    mc.write_text(json.dumps({"id": "c1", "question": "Q?", "answer": "D",
                              "choices": ["x", "y", "z"]}) + "\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"mc.jsonl:1: field 'answer'.*'D' is not an option "
                                         r"letter A-C"):
        translate(cfg, str(mc), tmp_path / "out", backend_kwargs={"base_url": server})


def test_a_new_card_that_does_not_load_leaves_the_earlier_one(tmp_path, server, items, monkeypatch):
    import xling.data.benchmarks.card as card_module

    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    out = tmp_path / "out"
    translate(TranslateConfig(langs=("en", "de"), model="translator"), str(src), out,
              backend_kwargs={"base_url": server})
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(path):
        raise XlingError(f"{path}: something the final check refuses")

    monkeypatch.setattr(card_module, "load_card", broken)
    write_source(src, items[:5], latex=False)
    with pytest.raises(XlingError, match="the new card does not load, so the earlier outputs are "
                                         "left as they were: .*something the final check refuses"):
        translate(TranslateConfig(langs=("en", "de", "zh"), model="translator"), str(src), out,
                  backend_kwargs={"base_url": server})
    for name in ("card.yaml", "en.jsonl", "de.jsonl"):
        assert (out / name).read_bytes() == before[name]
    assert not (out / "zh.jsonl").exists() and not list(out.glob(".staging-*"))


KILL_AT_REPLACE = """
import os, signal, sys
from pathlib import Path
out, k = Path(sys.argv[1]).resolve(), int(sys.argv[2])
real, seen = os.replace, []
def replace(src, dst, *args, **kwargs):  # SIGKILL at the k-th file moved into OUT
    dst = Path(dst).resolve()
    if dst.parent == out and dst.suffix in (".jsonl", ".yaml"):
        seen.append(dst)
        if len(seen) == k:
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *args, **kwargs)
os.replace = replace
sys.argv = ["xling", *sys.argv[3:]]
from xling.cli import main
main()
"""


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])
def test_a_run_killed_while_writing_its_card_never_leaves_a_broken_card(tmp_path, server, items,
                                                                        kill_at):
    """SIGKILL at each file the final step moves into place (three data files, then the card):
    OUT holds the earlier card with its files, or no card, never a card that does not load; the
    rerun writes the new card."""
    from xling.data.benchmarks.card import card_benchmark

    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    out = tmp_path / "out"
    translate(TranslateConfig(langs=("en", "de"), model="translator"), str(src), out,
              backend_kwargs={"base_url": server})
    write_source(src, items[:5], latex=False)  # the next run: more items, one more language
    args = ["translate", "--input", str(src), "--to", "en,de,zh", "--model", "translator",
            "--base-url", server, "--out", str(out)]
    r = subprocess.run([sys.executable, "-c", KILL_AT_REPLACE, str(out), str(kill_at), *args],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
    if (out / "card.yaml").exists():
        bench = card_benchmark(out / "card.yaml")  # loads: files and card belong together
        assert (bench.langs, len(bench.load(["en"]))) == (("en", "de"), 3)
    translate(TranslateConfig(langs=("en", "de", "zh"), model="translator"), str(src), out,
              backend_kwargs={"base_url": server})
    bench = card_benchmark(out / "card.yaml")
    assert (bench.langs, len(bench.load(["zh"]))) == (("en", "de", "zh"), 5)


def test_translate_exits_1_when_no_card_is_written(tmp_path, server, items):
    from helpers.processes import XLING

    src = write_source(tmp_path / "src.jsonl", items[:2], latex=False)
    FakeModel.corrupt = {("de", it["en"]): "english" for it in items[:2]}
    out = tmp_path / "out"
    r = subprocess.run([*XLING, "translate", "--input", str(src), "--to", "de", "--model",
                        "translator", "--base-url", server, "--retries", "0", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "| de | 2 | 0 | 0 | language 2 | 0 |" in r.stdout
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: no item passed in every language of de: no card written (why each was dropped: "
        f"{out / 'dropped.jsonl'}; what passed: {out / 'passed'})")
    assert not (out / "card.yaml").exists() and not (out / "de.jsonl").exists()


# ---- the output is a benchmark card and a training pool -----------------------------------------

def test_cli_output_evaluates_and_loads_as_a_pool(tmp_path, server, items, tiny_model):
    from xling.cli_translate import app
    from xling.data.pools import load_pool, select

    src = write_source(tmp_path / "src.jsonl", items[:4], with_solution={0, 1, 2, 3})
    out = tmp_path / "mt"
    result = CliRunner().invoke(app, ["--input", str(src), "--to", "en,de,zh", "--model",
                                      "translator", "--verify-model", "judge", "--base-url", server,
                                      "--name", "tiny-mt", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| de | 5 | 5 | 0 | 0 | 5 |" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["card"] == "tiny-mt" and summary["parallel_items"] == 5

    r = subprocess.run([sys.executable, "-m", "xling.cli", "eval", "--model", str(tiny_model),
                        "--benchmark", str(out / "card.yaml"), "--langs", "de,zh",
                        "--max-new-tokens", "6", "--out", str(tmp_path / "eval")],
                       capture_output=True, text=True, timeout=600,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text(encoding="utf-8"))
    langs = metrics["benchmarks"]["tiny-mt"]["langs"]
    assert {lang: m["acc"]["n"] for lang, m in langs.items()} == {"de": 5, "zh": 5}

    for where in (out, out / "card.yaml"):
        pool = load_pool(str(where), ["de", "zh"])
        assert len(pool) == 10 and {e.lang for e in pool} == {"de", "zh"}
    picked = select(pool, ["de", "zh"], "parallel", n=5, seed=0)
    assert len(picked) == 10
    assert [e.solution is None for e in picked] == [False] * 8 + [True] * 2  # the LaTeX item has none
    assert all("\\boxed{" in e.solution for e in picked[:8])
    de = {e.parallel_id: e for e in pool if e.lang == "de"}
    assert de["tiny-mt-" + items[0]["id"]].question == items[0]["de"]
    with pytest.raises(XlingError, match="no ja"):
        load_pool(str(out), ["ja"])

    # A study names the translated pool and card; its report cites the translation summary.
    from xling.report.study import write_study_report
    from xling.study.runner import run_study
    from xling.study.spec import parse_spec

    spec = parse_spec({"name": "mt", "base_model": str(tiny_model), "out": str(tmp_path / "study"),
                       "pool": {"name": str(out), "n": 2},
                       "eval": {"benchmarks": [str(out / "card.yaml")], "langs": "de,zh",
                                "max_new_tokens": 6}}, "mt.yaml")
    run_study(spec)
    md = write_study_report(spec)[0].read_text(encoding="utf-8")
    assert "tiny-mt: accuracy (%) per language" in md
    assert md.count(": verification summary") == 2  # the pool and the benchmark
    assert "| de | 5 | 5 | 100.0 | 0 | 0 | 5 |" in md and "judged by `judge`" in md
    with pytest.raises(XlingError, match="eval.benchmarks: card file not found"):
        parse_spec({"name": "x", "base_model": "m",
                     "eval": {"benchmarks": [str(tmp_path / "none.yaml")]}}, "x.yaml")


def test_hf_backend_runs_the_same_pipeline(tmp_path, items, tiny_model):
    """A local checkpoint as translator (the tiny model writes no translation): every item is
    tried 1 + K times through the batched hf backend, then dropped and counted; no card."""
    src = write_source(tmp_path / "src.jsonl", items[:3], latex=False)
    cfg = TranslateConfig(langs=("de",), model=str(tiny_model), backend="hf", retries=1,
                          max_new_tokens=8)
    summary = translate(cfg, str(src), tmp_path / "out", backend_kwargs={"chat_template": False})
    de = summary["langs"]["de"]
    assert (de["items"], de["passed"], de["retried"]) == (3, 0, 3)
    assert de["dropped"] == {"truncated": 3} and summary["parallel_items"] == 0
    assert not (tmp_path / "out" / "card.yaml").exists()


def test_input_names_cards_and_pools(tmp_path, shared_data):
    with pytest.raises(XlingError, match="both a benchmark and a training pool"):
        load_source("gsm8k")
    pool = load_source("pool:gsm8k", limit=2)
    assert len(pool.examples) == 2 and pool.examples[0].solution.endswith("\\boxed{72}.")
    bench = load_source("mgsm", limit=3)
    assert [e.parallel_id for e in bench.examples] == ["mgsm-0", "mgsm-1", "mgsm-2"]
    math500 = load_source("math500", limit=2)
    assert math500.scorer == "math" and math500.examples[0].solution
    with pytest.raises(XlingError, match="unknown --input"):
        load_source("no-such-set")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n', encoding="utf-8")
    with pytest.raises(XlingError, match=r"bad.jsonl:1: missing key\(s\) answer"):
        load_source(str(bad))


# ---- each check on real text -------------------------------------------------------------------

@pytest.mark.parametrize("src, tr, lang, ok", [
    ("She pays $1,234.50 for 3 apples.", "Sie zahlt 1.234,50 $ für 3 Äpfel.", "de", True),
    ("She pays $1,234.50 for 3 apples.", "Elle paie 1 234,50 $ pour 3 pommes.", "fr", True),
    ("It takes .5 hours.", "Es dauert 0,5 Stunden.", "de", True),
    ("He has 12 eggs.", "তার ১২টি ডিম আছে।", "bn", True),
    ("He has 12 eggs.", "Er hat 21 Eier.", "de", False),
    ("He has 12 eggs and 12 hens.", "Er hat 12 Eier und Hühner.", "de", False),
    ("She eats three eggs.", "她吃了 3 个鸡蛋。", "zh", True),  # a number word written as digits
])
def test_numbers_check(src, tr, lang, ok):
    assert check_numbers({"q": src}, {"q": tr}, "en", lang).ok is ok


def test_numbers_strict_refuses_added_numbers():
    src, tr = {"q": "She eats three eggs."}, {"q": "她吃了 3 个鸡蛋。"}
    check = check_numbers(src, tr, "en", "zh", strict=True)
    assert check.ok is False and "added 3" in check.detail
    assert numbers_in("1.000 Euro", "de") == Counter({"1000": 1})


@pytest.mark.parametrize("src, tr, ok", [
    ("Costs $5 and $8 in total.", "Kostet 5 $ und 8 $ insgesamt.", True),  # currency, not math
    ("Let $x = 5\\text{ cm}$.", "Sei $x = 5\\text{ Zentimeter}$.", True),
    ("Find $\\frac{a}{b}$.", "Finde a/b.", False),
    ("So \\boxed{18}.", "Also 18.", False),
    ("So $$x^2$$ and \\(y\\).", "Also $$x^2$$ und \\( y \\).", True),
])
def test_latex_check(src, tr, ok):
    assert check_latex({"q": src}, {"q": tr}).ok is ok


def test_answer_check_keeps_the_final_box_and_options():
    ex = Example("e", "p", "en", "q", "18", solution="So \\boxed{5}, then \\boxed{18}.")
    assert check_answer(ex, {"solution": "Also \\boxed{5}, dann \\boxed{18}."}).ok is True
    swapped = check_answer(ex, {"solution": "Also \\boxed{18}, dann \\boxed{5}."})
    assert swapped.ok is False and "\\boxed{18}" in swapped.detail
    mc = Example("m", "m", "en", "q", "B", choices=("x", "y", "z"))
    assert check_answer(mc, {"option_A": "x", "option_B": "y"}).ok is False
    assert check_answer(Example("n", "n", "en", "q", "1"), {"question": "q"}).ok is None


def test_language_check(items):
    src = {"question": items[0]["en"]}
    assert check_language(src, {"question": items[0]["de"]}, "de").ok is True
    assert check_language(src, {"question": items[0]["de"]}, "zh").ok is False
    copy = check_language(src, {"question": " " + items[0]["en"]}, "de")
    assert copy.ok is False and "untranslated" in copy.detail
    assert check_language({"q": "$x^2 = 4$"}, {"q": "$x^2 = 4$ "}, "de").ok is not True


@pytest.mark.full_data("the ratios are medians over MGSM's 250 human-translated questions")
def test_length_ratios_are_mgsm_medians_and_bounds_pass_human_translations(shared_data):
    from xling.data.benchmarks import mgsm
    from xling.scoring.language import clean_text

    english = [len(clean_text(e.question)) for e in mgsm.load(["en"])]
    for lang in mgsm.LANGS:
        ratios = [len(clean_text(e.question)) / n for e, n in zip(mgsm.load([lang]), english,
                                                                   strict=True)]
        assert abs(statistics.median(ratios) - get_language(lang).length_ratio) < 0.006, lang
        src = mgsm.load(["en"])
        flagged = sum(check_length({"q": s.question}, {"q": t.question}, "en", lang).ok is False
                      for s, t in zip(src, mgsm.load([lang]), strict=True))
        assert flagged <= 5, (lang, flagged)  # at most 2% of human translations look wrong


def test_length_check_catches_truncation(items):
    src, de = {"q": items[0]["en"]}, items[0]["de"]
    assert check_length(src, {"q": de}, "en", "de").ok is True
    assert check_length(src, {"q": de[: len(de) // 4]}, "en", "de").ok is False
    assert check_length(src, {"q": de * 3}, "en", "de").ok is False
    assert check_length({"q": "Find $x$."}, {"q": "x"}, "en", "de").ok is None  # too little prose


@pytest.mark.parametrize("reply, ok", [
    ("VERDICT: yes\nREASON: fine", True),
    ("Verdict - NO\nReason: drops a condition", False),
    ("I think VERDICT: no ... on reflection\nVERDICT: yes\nREASON: ok", True),
    ("Looks good to me.", False),
])
def test_judge_verdict_is_parsed(reply, ok):
    assert parse_verdict(reply).ok is ok


def test_config_refuses_bad_values():
    with pytest.raises(XlingError, match="unknown check 'spelling'"):
        TranslateConfig(langs=("de",), model="m", checks=("spelling",))
    with pytest.raises(XlingError, match="unknown language"):
        TranslateConfig(langs=("xx",), model="m")
    with pytest.raises(XlingError, match="fields must include 'question'"):
        TranslateConfig(langs=("de",), model="m", fields=("solution",))
