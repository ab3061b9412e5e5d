"""CLI options are generated from settings dataclasses (``xling.cli_settings``): a field is a
flag with its docstring as help, and the command gets the dataclass, checked, built from them.

Run: pytest tests/test_cli_settings.py -v
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from xling.cli_settings import settings_command
from xling.config import field_docs
from xling.evaluation.settings import EvalSettings
from xling.schema import XlingError


@dataclass(frozen=True)
class Knobs:
    """Settings of a made-up command."""

    steps: int = 3
    """How many steps to take."""
    rate: float | None = None
    """Step size; none = automatic."""
    ks: tuple[int, ...] = (1, 2)
    """Which k to report."""
    loud: bool = False
    """Say more."""

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise XlingError(f"steps must be >= 1, got {self.steps}")


def _app(seen: list) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @settings_command(Knobs)
    def run(name: Annotated[str, typer.Option(help="A name.")],
            knobs: Knobs = Knobs(),  # noqa: B008
            out: Annotated[str, typer.Option(help="Where.")] = "x") -> None:
        seen.append((name, knobs, out))

    return app


def _run(app, *args):
    return CliRunner().invoke(app, list(args), catch_exceptions=True, env={"COLUMNS": "300"})


def test_each_field_is_an_option_with_its_docstring_and_default():
    seen: list = []
    result = _run(_app(seen), "--help")
    assert result.exit_code == 0
    for flag, text in [("--steps", "How many steps to take."), ("--rate", "Step size; none = automatic."),
                       ("--ks", "Which k to report."), ("--loud", "Say more."), ("--no-loud", ""),
                       ("--name", "A name."), ("--out", "Where.")]:
        assert flag in result.output and text in result.output
    assert _run(_app(seen), "--name", "a").exit_code == 0
    assert seen == [("a", Knobs(), "x")]  # every default as the dataclass has it


def test_the_command_gets_the_dataclass_built_from_the_options():
    seen: list = []
    result = _run(_app(seen), "--name", "b", "--steps", "5", "--rate", "0.5", "--ks", "4,8",
                  "--loud", "--out", "y")
    assert result.exit_code == 0, result.output
    assert seen == [("b", Knobs(steps=5, rate=0.5, ks=(4, 8), loud=True), "y")]


@pytest.mark.parametrize("args, message", [
    (["--steps", "0"], "steps must be >= 1, got 0"),  # the dataclass's own check, before the command
    (["--ks", "1,x"], "--ks takes comma-separated integers, got '1,x'"),
])
def test_bad_values_are_the_dataclass_errors(args, message):
    seen: list = []
    result = _run(_app(seen), "--name", "c", *args)
    assert isinstance(result.exception, XlingError) and str(result.exception) == message
    assert seen == []


@dataclass(frozen=True)
class More(Knobs):
    """Knobs with one field more."""

    depth: int = 2
    """How deep."""


def test_a_field_added_to_the_settings_is_a_flag_without_a_cli_edit():
    app = typer.Typer()

    @app.command()
    @settings_command(More)
    def run(knobs: More = More()) -> None:  # noqa: B008
        raise SystemExit(knobs.depth)

    assert "How deep." in _run(app, "--help").output
    assert _run(app, "--depth", "7").exit_code == 7


def test_xling_eval_offers_every_evaluation_setting_and_score_the_scoring_ones():
    from xling.cli import app

    docs = field_docs(EvalSettings)
    runner = CliRunner()
    help_eval = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "400"}).output
    help_score = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "400"}).output
    for field in dataclasses.fields(EvalSettings):
        flag = re.escape("--" + field.name.replace("_", "-")) + r"(?![\w-])"
        assert re.search(flag, help_eval) and docs[field.name][:40] in " ".join(help_eval.split())
        # score reads the scoring settings (and has its own --pass-k: rows bring their samples)
        assert bool(re.search(flag, help_score)) == (field.name in ("prompt_style", "think",
                                                                    "think_format", "pass_k"))
    assert all(docs.values())  # every setting is documented where it is declared


@pytest.mark.parametrize("command, args, message", [
    (["eval", "--model", "m"], ["--n", "4"], "4 samples x 1 runs with temperature 0 would be"),
    (["eval", "--model", "m"], ["--pass-k", "1,x"], "--pass-k takes comma-separated integers"),
    (["score", "rows.jsonl"], ["--prompt-style", "pirate"], "prompt style 'pirate' unknown"),
    (["score", "rows.jsonl"], ["--think-format", "<a>"], "think format '<a>': a preset"),
])
def test_xling_settings_are_checked_before_the_command_runs(tmp_path, command, args, message):
    from xling.cli import app

    result = CliRunner().invoke(app, [*command, *args, "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, XlingError) and message in str(result.exception)
    assert not (tmp_path / "out").exists()  # nothing ran
