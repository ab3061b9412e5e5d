"""The paradigm table dispatches: ``xling train`` has one command per ``train.PARADIGMS`` row,
and a paradigm registered there (one module + one row) is a CLI command and a study paradigm
with nothing else listed by hand. Run: pytest tests/test_cli_paradigms.py -v
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xling.train import PARADIGMS, Paradigm, get_paradigm, make_config, train

CALLS: list[tuple] = []


@dataclass
class EchoConfig:
    """A fake paradigm's settings."""

    strength: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if self.strength <= 0:
            raise ValueError("strength must be > 0")


def run_echo(model, examples, cfg, out: Path) -> Path:
    CALLS.append((model, len(examples), cfg))
    return Path(out) / "checkpoint"


@pytest.fixture
def echo_paradigm(monkeypatch):
    """Register the fake paradigm 'echo' (CLI verb 'echo-train') in a fake module + one row."""
    module = types.ModuleType("xling_echo_paradigm")
    module.PARADIGM = Paradigm(config=EchoConfig, run=run_echo, kind="sft", command="echo-train",
                               help="Echo: a fake paradigm for the dispatch test.")
    monkeypatch.setitem(sys.modules, "xling_echo_paradigm", module)
    monkeypatch.setitem(PARADIGMS, "echo", "xling_echo_paradigm:PARADIGM")
    CALLS.clear()
    return "echo"


def test_every_table_row_is_a_train_command():
    from xling.cli_train import train_app

    verbs = {c.name for c in train_app.registered_commands}
    assert verbs == {get_paradigm(name).command for name in PARADIGMS}


def test_registered_paradigm_is_a_cli_command_and_trains(echo_paradigm, tmp_path):
    from xling.cli_train import make_train_app

    app = make_train_app()
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "echo-train" in top.output
    help_ = runner.invoke(app, ["echo-train", "--help"])
    assert "a fake paradigm for the dispatch test" in help_.output
    config = tmp_path / "echo.yaml"
    config.write_text("strength: 2.5\n")
    r = runner.invoke(app, ["echo-train", "--model", "hub/some-model", "--pool", "sandbox",
                            "--langs", "de", "--n", "3", "--config", str(config), "--seed", "4",
                            "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == str(tmp_path / "run" / "checkpoint")
    assert CALLS == [("hub/some-model", 3, EchoConfig(strength=2.5, seed=4))]


def test_registered_paradigm_config_is_validated_from_its_row(echo_paradigm):
    from xling.schema import XlingError

    assert make_config("echo", {"strength": 3}) == EchoConfig(strength=3)
    with pytest.raises(XlingError, match="echo config: unknown key"):
        make_config("echo", {"strenght": 3})
    with pytest.raises(XlingError, match="strength must be > 0"):
        make_config("echo", {"strength": -1})
    with pytest.raises(XlingError, match="presets apply to grpo"):
        make_config("echo", {}, preset="paper")


def test_registered_paradigm_is_a_study_paradigm(echo_paradigm):
    from xling.schema import Example
    from xling.study.spec import parse_spec

    examples = [Example("q1", "q1", "en", "1+1?", "2")]
    assert train("echo", "hub/m", examples, "unused") == Path("unused/checkpoint")
    spec = {"name": "echo-study", "base_model": "hub/m", "pool": {"name": "sandbox", "n": 8},
            "grid": {"paradigms": ["echo"], "train_langs": [["de"]], "seeds": [0]},
            "paradigm_config": {"echo": {"strength": 2.0}}, "out": "runs/echo"}
    parse_spec(spec, "echo-study")  # the study validator takes the paradigm from the table too


def test_composed_paradigm_gets_each_flag_in_the_stages_that_have_it():
    from xling.cli_train import _merge

    merged = _merge("sft+grpo", {"sft": {"epochs": 2}}, "combined", "english", 3)
    assert merged == {"sft": {"epochs": 2, "seed": 3, "prompt_style": "english"},
                      "grpo": {"seed": 3, "prompt_style": "english", "reward": "combined"}}
    assert _merge("grpo", {"beta": 0.0}, None, None, 1) == {"beta": 0.0, "seed": 1}
