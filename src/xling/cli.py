"""The ``xling`` command: a thin verb layer (parse -> call one library function -> print).

Stage: on top of everything. User errors (``XlingError``) print one line and exit 1 without a
traceback; unexpected errors keep theirs (without locals). Ctrl-C and SIGTERM exit 130 / 143 with
one line saying what was kept and how to resume (``xling.interrupts``).
Try:  xling --help
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from xling.cli_settings import int_list, settings_command
from xling.evaluation.settings import EvalSettings
from xling.schema import XlingError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Controlled studies of cross-lingual reasoning generalization in LLM post-training.",
)


def _mount_subapps() -> None:
    """Mount the train/export sub-apps (they live next to the training code, importing no trl)."""
    from xling.cli_train import export_app, train_app

    app.add_typer(train_app, name="train")
    app.add_typer(export_app, name="export")
    from xling.cli_translate import EPILOG, translate_command

    app.command("translate", epilog=EPILOG)(translate_command)


def _benchmark_epilog() -> str:
    """The registered benchmarks with their languages, for ``xling eval --help``."""
    from xling.data import BENCHMARKS, get_benchmark

    lines = []
    for name in BENCHMARKS:
        try:
            lines.append(f"{name}: {' '.join(get_benchmark(name).langs)}")
        except Exception as exc:  # shown, not hidden: help must still print
            lines.append(f"{name}: (cannot be loaded: {exc})")
    return ("Benchmarks (languages; a card.yaml path also works):\n\n" + "\n\n".join(lines)
            + "\n\nExample: xling eval --model ./runs/tiny-model --benchmark mgsm --langs all --limit 20")


@app.command("eval", epilog=_benchmark_epilog())
@settings_command(EvalSettings)
def eval_command(
    model: Annotated[str, typer.Option(help="Local path or hub id (or served model name).")],
    benchmark: Annotated[str, typer.Option(help="Benchmark name (listed below) or a card.yaml path.")] = "mgsm",
    langs: Annotated[str, typer.Option(help="'all' (the study languages the benchmark has), 'all,te', or comma-separated ISO 639-1 codes.")] = "all",
    settings: EvalSettings = EvalSettings(),  # noqa: B008 (one option per field: cli_settings)
    backend: Annotated[str, typer.Option(help="hf | openai | vllm.")] = "hf",
    source: Annotated[str | None, typer.Option(help="Benchmark folder or hub id.")] = None,
    base_url: Annotated[str | None, typer.Option(help="openai backend server URL.")] = None,
    timeout: Annotated[float | None, typer.Option(help="openai backend: seconds each request waits for an answer (default 120).")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Run directory; rerunning skips finished work.")] = Path("runs/eval"),
) -> None:
    """Generate, score and aggregate one benchmark; writes OUT/eval/<benchmark>.parquet and metrics.json."""
    from xling.data import results_name
    from xling.evaluation.run import run_eval
    from xling.evaluation.settings import EvalConfig
    from xling.generate.openai import timeout_option
    from xling.interrupts import on_interrupt
    from xling.report.tables import (
        format_markdown,
        ifeval_table,
        load_run,
        reference_table,
        table_title,
    )

    cfg = EvalConfig.of(settings, model=model, benchmark=benchmark, backend=backend,
                        source=source, seed=seed)
    options = {"base_url": base_url} if base_url else {}
    options |= timeout_option(timeout, backend)
    on_interrupt(f"finished chunks and languages are kept in {out / 'eval' / '.shards'}; "
                 "rerun the same command to resume")
    run_eval(cfg, langs, out, backend_kwargs=options)
    name = results_name(benchmark)
    result = load_run(out, name, name=model)
    header, rows, notes = reference_table([result])
    typer.echo(table_title(name, [result]) + "\n\n" + format_markdown(header, rows, notes))
    if (ifeval := ifeval_table(out, name, name=model)) is not None:
        typer.echo(f"\n{name}: IFEval accuracies (%) [95% CI]\n\n{ifeval}")
    typer.echo(f"\nper-sample rows: {out / 'eval' / (name + '.parquet')}")


@app.command("score", epilog="Example: xling score runs/vllm/completions.jsonl --benchmark mgsm "
                             "--out runs/vllm-scored")
@settings_command(EvalSettings, only=("prompt_style", "think", "think_format"), help={
    "prompt_style": "The style the completions were prompted in (recorded; 'authors' selects "
                    "the authors' extraction)."})
def score_command(
    input: Annotated[Path, typer.Argument(help="JSONL of {id, lang, completion[, finish_reason, sample, run]} (or rows with their own gold).")],
    benchmark: Annotated[str | None, typer.Option(help="Benchmark name or card.yaml whose items the rows answer (by id); omit when rows carry 'gold'.")] = None,
    source: Annotated[str | None, typer.Option(help="Benchmark folder or hub id.")] = None,
    name: Annotated[str | None, typer.Option(help="Results name (default: the benchmark's, else 'scored').")] = None,
    settings: EvalSettings = EvalSettings(),  # noqa: B008 (one option per field: cli_settings)
    pass_k: Annotated[str | None, typer.Option(help="Unbiased pass@k for these k (rows with 'sample' numbers).")] = None,
    out: Annotated[Path, typer.Option(help="Run directory (eval/<name>.parquet, metrics.json).")] = Path("runs/scored"),
) -> None:
    """Score completions produced elsewhere (vLLM, SGLang, an API) exactly as `xling eval` scores
    its own: the same rows, metrics.json and table."""
    from xling.evaluation.score_file import score_file
    from xling.report.tables import format_markdown, load_run, reference_table, table_title

    score_file(input, out, benchmark=benchmark, source=source, name=name, settings=settings,
               pass_k=int_list("--pass-k")(pass_k))
    from xling.data import results_name

    results = name or (results_name(benchmark) if benchmark else "scored")
    result = load_run(out, results, name=str(input))
    header, rows, notes = reference_table([result])
    typer.echo(table_title(results, [result]) + "\n\n" + format_markdown(header, rows, notes))
    typer.echo(f"\nper-sample rows: {out / 'eval' / (results + '.parquet')}")


@app.command("benchmarks", epilog="Example: xling benchmarks polymath")
def benchmarks_command(
    names: Annotated[list[str] | None, typer.Argument(
        help="Benchmarks (or card.yaml paths) to describe; default: every registered one.")] = None,
) -> None:
    """Every benchmark as xling evaluates it: sources with their languages, prompts (study A's
    uniform styles and the authors' own), extraction rule, scorer, and the headline metric."""
    from xling.data import BENCHMARKS, get_benchmark

    for i, name in enumerate(names or list(BENCHMARKS)):
        typer.echo(("\n" if i else "") + get_benchmark(name).describe())


@app.command("report", epilog="Example: xling report runs/sft runs/grpo --base runs/base")
def report_command(
    runs: Annotated[list[Path], typer.Argument(help="Run directories (each with metrics.json).")],
    base: Annotated[Path | None, typer.Option(help="Base-model run; adds the Gen column.")] = None,
    benchmark: Annotated[str, typer.Option(help="Which benchmark's table.")] = "mgsm",
    format: Annotated[str, typer.Option(help="md | csv.")] = "md",
) -> None:
    """Print the reference table: one row per run, a column per language, Avg, and Gen vs --base."""
    from xling.report.tables import (
        format_csv,
        format_markdown,
        ifeval_table,
        load_run,
        reference_table,
        table_title,
    )

    if format not in ("md", "csv"):
        raise XlingError(f"unknown format {format!r}; known: md, csv")
    results = [load_run(path, benchmark) for path in runs]
    base_result = load_run(base, benchmark) if base is not None else None
    header, rows, notes = reference_table(results, base_result)
    if format == "md":
        typer.echo(table_title(benchmark, results) + "\n\n" + format_markdown(header, rows, notes))
        tables = [t for path in runs if (t := ifeval_table(path, benchmark)) is not None]
        if tables:
            typer.echo(f"\n{benchmark}: IFEval accuracies (%) [95% CI]\n\n" + "\n\n".join(tables))
    else:
        typer.echo(format_csv(header, rows))


@app.command("tiny", epilog="Example: xling tiny --out runs/tiny-model")
def tiny_command(
    out: Annotated[Path, typer.Option(help="Where to save the model and tokenizer.")] = Path("runs/tiny-model"),
    seed: Annotated[int, typer.Option(help="Initialisation seed.")] = 0,
) -> None:
    """Build a tiny, untrained Qwen2-architecture model with a locally trained tokenizer."""
    from xling.tiny import build_tiny_model, default_corpus

    path = build_tiny_model(out, default_corpus(), seed=seed)
    typer.echo(str(path))


study_app = typer.Typer(no_args_is_help=True, help="Run, inspect and report a study file.")
app.add_typer(study_app, name="study")


@study_app.command("run", epilog="Example: xling study run studies/study_a_main.yaml")
def study_run_command(
    file: Annotated[Path, typer.Argument(help="Study YAML file.")],
    report: Annotated[bool, typer.Option(help="Write the report when the cells are done.")] = True,
    timeout: Annotated[float | None, typer.Option(help="backend openai: seconds each request waits for an answer (default 120).")] = None,
) -> None:
    """Run every cell without a finished result (kill it any time; rerun resumes)."""
    from xling.generate.openai import timeout_option
    from xling.interrupts import on_interrupt
    from xling.study.runner import run_study
    from xling.study.spec import load_spec

    study = load_spec(file)
    on_interrupt(f"finished cells, trainings and evaluation chunks are kept under {study.out_dir}; "
                 f"rerun `xling study run {file}` to resume")
    statuses = run_study(study, backend_options=timeout_option(timeout, study.backend))
    typer.echo(_status_table(statuses))
    if report:
        from xling.report.study import write_study_report

        md, page = write_study_report(study)
        typer.echo(f"report: {page}")


@study_app.command("status")
def study_status_command(file: Annotated[Path, typer.Argument(help="Study YAML file.")]) -> None:
    """Show which cells are done, running, failed or pending."""
    from xling.study.runner import study_status
    from xling.study.spec import load_spec

    typer.echo(_status_table(study_status(load_spec(file))))


@study_app.command("report")
def study_report_command(file: Annotated[Path, typer.Argument(help="Study YAML file.")]) -> None:
    """Write report.md and report.html from the finished cells."""
    from xling.report.study import write_study_report
    from xling.study.spec import load_spec

    md, page = write_study_report(load_spec(file))
    typer.echo(f"report: {page}\nmarkdown: {md}")


def _status_table(statuses) -> str:
    width = max(len(s.label) for s in statuses)
    return "\n".join(f"{s.label:<{width}}  {s.state:<8} {s.path}  {s.detail}".rstrip()
                     for s in statuses)


@app.command("demo", epilog="Example: xling demo --out runs/demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Run directory of the demo study.")] = Path("runs/demo"),
    quick: Annotated[bool, typer.Option(help="Smaller model and data (about a minute).")] = False,
    train_langs: Annotated[str, typer.Option(help="Training languages, one cell each (e.g. en,zh,de).")] = "de",
) -> None:
    """The sandbox study on CPU: base vs SFT vs GRPO, trained in one language, evaluated in ten."""
    from xling.demo import run_demo
    from xling.interrupts import on_interrupt

    on_interrupt(f"finished cells are kept under {out}; rerun the same command to resume")

    md, page = run_demo(out, quick=quick, train_langs=train_langs)
    typer.echo(md.read_text(encoding="utf-8"))
    typer.echo(f"\nreport: {page}")


def main() -> None:
    """Console entry point: run the app, turning user errors into one line and exit code 1, and
    an interrupt (Ctrl-C, SIGTERM) into one line saying what was kept and exit code 130 / 143."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    if not sys.stderr.isatty():
        # Dependencies' own bars (weights loading, dataset maps) flood logs; ours stay.
        import os

        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    from xling import interrupts

    interrupts.install()
    try:
        _mount_subapps()
        # typer turns Ctrl-C into a *returned* 130 (standalone_mode=False): never drop it.
        code = app(standalone_mode=False)
    except KeyboardInterrupt:  # outside typer's own handling (while mounting the sub-apps)
        code = 130
    except XlingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        typer.echo("aborted", err=True)
        raise SystemExit(130) from None
    except (FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        # A path the user gave is in the way (`--out results.txt`, a read-only folder): one line.
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        raise SystemExit(1) from None
    except Exception as exc:
        # A usage error (click's ClickException; typer >= 0.2x vendors click as typer._click, so
        # click's own class does not match it): both have show() and an int exit_code.
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        raise
    if code == 130:  # an interrupt: 128 + the signal (SIGINT 130, SIGTERM 143), and what was kept
        typer.echo(interrupts.message(), err=True)
        raise SystemExit(interrupts.exit_code())
    if isinstance(code, int) and code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()
