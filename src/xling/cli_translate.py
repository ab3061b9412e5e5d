"""``xling translate``: build parallel training pools and benchmark sets by LLM translation.

Stage: CLI (mounted by cli.py). Parses the flags into a ``TranslateConfig``, calls
``xling.translate.translate`` and prints the per-language summary. The API key is read
from the environment variable named by ``--api-key-env``, never from a flag.
Try:  xling translate --input mgsm --to de,zh --model NAME --base-url http://localhost:8000/v1 \\
          --limit 20 --out runs/translate/mgsm
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xling.schema import XlingError

EPILOG = (
    "Example (study A's pools: Qwen3-30B-A3B translates on a local vLLM server, DeepSeek-V3 "
    "judges through its API):\n\n"
    "xling translate --input pool:gsm8k --to en,zh,de --base-url http://localhost:8000/v1 "
    "--model Qwen/Qwen3-30B-A3B --verify-model deepseek-chat "
    "--verify-base-url https://api.deepseek.com/v1 --verify-api-key-env DEEPSEEK_API_KEY "
    "--out data/gsm8k-mt\n\n"
    "Then: xling train sft --pool data/gsm8k-mt --langs zh ... and "
    "xling eval --benchmark data/gsm8k-mt/card.yaml ..."
)

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command("translate", epilog=EPILOG)
def translate_command(
    input: Annotated[str, typer.Option(help="Benchmark or pool name (benchmark:NAME / pool:NAME when both), a card.yaml, or a .jsonl file of {id, question, answer[, solution, choices]}.")],  # noqa: A002
    to: Annotated[str, typer.Option(help="Target languages, comma-separated ISO 639-1 codes ('all' = the ten study languages); the source language is copied.")],
    model: Annotated[str, typer.Option(help="Translator model: the served name (openai) or a path / hub id (hf).")],
    source: Annotated[str | None, typer.Option(help="Where a benchmark named by --input loads from: a folder or hub id (e.g. the folder with gpqa_diamond.csv).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder; rerunning resumes and never re-asks a finished item.")] = Path("runs/translate"),
    backend: Annotated[str, typer.Option(help="hf | openai | vllm.")] = "openai",
    base_url: Annotated[str | None, typer.Option(help="openai backend: server URL up to /v1 (default $OPENAI_BASE_URL).")] = None,
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key (never logged).")] = "OPENAI_API_KEY",
    timeout: Annotated[float | None, typer.Option(help="openai backend: seconds each request waits for an answer (default 120).")] = None,
    chat: Annotated[bool, typer.Option(help="Send prompts as chat messages (instruct models); --no-chat sends raw text.")] = True,
    verify_model: Annotated[str | None, typer.Option(help="Judge model (yes/no with a reason per item); without it the rule checks alone decide.")] = None,
    verify_backend: Annotated[str | None, typer.Option(help="Judge backend (default: --backend).")] = None,
    verify_base_url: Annotated[str | None, typer.Option(help="Judge server URL (default: --base-url).")] = None,
    verify_api_key_env: Annotated[str | None, typer.Option(help="Environment variable with the judge's API key (default: --api-key-env).")] = None,
    source_lang: Annotated[str, typer.Option("--from", help="Language of the input.")] = "en",
    fields: Annotated[str, typer.Option(help="Fields to translate when present: question,solution,choices.")] = "question,solution,choices",
    checks: Annotated[str, typer.Option(help="Rule checks: language,length,numbers,answer,latex (or 'none').")] = "language,length,numbers,answer,latex",
    retries: Annotated[int, typer.Option(help="Re-asks with feedback before an item is dropped (cost: up to 1+K requests per item).")] = 2,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 8,
    batch_size: Annotated[int, typer.Option(help="Items per round; results are saved after each round.")] = 32,
    max_new_tokens: Annotated[int, typer.Option(help="Cap on each reply (tokens).")] = 2048,
    temperature: Annotated[float, typer.Option(help="Translator sampling temperature (0 = greedy).")] = 0.0,
    strict_numbers: Annotated[bool, typer.Option(help="Also refuse numbers the translation adds.")] = False,
    min_length_ratio: Annotated[float, typer.Option(help="Lowest prose length ratio, relative to the language's typical one.")] = 0.4,
    max_length_ratio: Annotated[float, typer.Option(help="Highest prose length ratio, relative to the language's typical one.")] = 2.5,
    min_chrf: Annotated[float | None, typer.Option(help="Back-translate and require this chrF (0-100); off by default (doubles translator cost).")] = None,
    prompts: Annotated[Path | None, typer.Option(help="Folder with translate.txt / retry.txt / judge.txt replacing the defaults.")] = None,
    retry_dropped: Annotated[bool, typer.Option(help="Re-ask items an earlier run dropped.")] = False,
    name: Annotated[str | None, typer.Option(help="Card name (results are stored under it); default <input>-mt.")] = None,
    limit: Annotated[int | None, typer.Option(help="First N items of the input.")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
) -> None:
    """Translate a benchmark or pool into other languages, checking every item; writes
    OUT/<lang>.jsonl, OUT/card.yaml and OUT/summary.json. Exits 1 when no card was written (no
    item passed in every language)."""
    from xling.interrupts import on_interrupt
    from xling.translate import TranslateConfig, translate

    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be >= 1, got {limit}")
    check_list = [] if checks.strip() == "none" else [c.strip() for c in checks.split(",") if c.strip()]
    cfg = TranslateConfig(
        langs=tuple(_langs(to)), model=model, backend=backend, verify_model=verify_model,
        verify_backend=verify_backend, source_lang=source_lang,
        fields=tuple(f.strip() for f in fields.split(",") if f.strip()),
        checks=tuple(check_list),
        retries=retries, concurrency=concurrency, batch_size=batch_size,
        max_new_tokens=max_new_tokens, temperature=temperature, seed=seed,
        strict_numbers=strict_numbers, length_bounds=(min_length_ratio, max_length_ratio),
        min_chrf=min_chrf, prompts=str(prompts) if prompts else None, retry_dropped=retry_dropped,
        name=name)
    from xling.generate.openai import timeout_option

    kwargs = {"api_key_env": api_key_env, "chat_template": chat} | (
        {"base_url": base_url} if base_url else {}) | timeout_option(
        timeout, backend, (verify_backend or backend) if verify_model else None)
    verify_kwargs = ({"base_url": verify_base_url} if verify_base_url else {}) | (
        {"api_key_env": verify_api_key_env} if verify_api_key_env else {})
    on_interrupt(f"finished items are kept in {out / 'passed'} and {out / 'dropped.jsonl'}; rerun "
                 "the same command to resume (finished items are not asked again)")
    summary = translate(cfg, input, out, limit=limit, benchmark_source=source,
                        backend_kwargs=kwargs, verify_kwargs=verify_kwargs)
    typer.echo(format_summary(summary))
    if not summary.get("card"):
        raise XlingError(f"no item passed in every language of {to}: no card written (why each "
                         f"was dropped: {out / 'dropped.jsonl'}; what passed: {out / 'passed'})")
    typer.echo(f"\ncard: {out / 'card.yaml'}  (xling eval --benchmark {out / 'card.yaml'}; "
               f"xling train ... --pool {out})")


def _langs(text: str) -> list[str]:
    from xling.languages import parse_langs

    return parse_langs(text)


def format_summary(summary: dict) -> str:
    """The summary as a markdown table: one row per language."""
    lines = ["| lang | items | passed | retried | dropped (by reason) | in card |",
             "|---|---|---|---|---|---|"]
    for lang, s in summary["langs"].items():
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(s["dropped"].items())) or "0"
        lines.append(f"| {lang} | {s['items']} | {s['passed']} | {s['retried']} | {dropped} | "
                     f"{s.get('in_card', 0)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    app()
