"""A study's RL cells handed to verl: exported and left `external` with the launch command, the
export never rewritten while verl runs, and verl's checkpoint taken back for evaluation and the
report once verl has saved its final step (or the step the user accepted).

verl's output is simulated in its on-disk layout (``global_step_N/actor`` + the tracker file);
the merge is replaced by a copy of the base model, except in the last test, which writes a real
FSDP checkpoint and runs verl's own merger (needs verl: see tests/test_verl_export.py).
Run: pytest tests/test_study_verl.py -v
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

from xling.data.io import read_parquet
from xling.data.pools import load_pool, select
from xling.schema import XlingError
from xling.store import EXTERNAL, AwaitingExternal
from xling.study import verl_cells
from xling.study.grid import resolve_cells
from xling.study.runner import base_model_path, run_study, study_status
from xling.study.spec import load_spec
from xling.train import verl_export
from xling.train.grpo import PAPER_PRESET
from xling.train.verl_export import CONFIG_NAME, REWARD_FILE, launch_command

HAS_VERL = importlib.util.find_spec("verl") is not None
needs_verl = pytest.mark.skipif(not HAS_VERL, reason="verl is not installed; run in a venv with "
                                "pip install -e '.[verl,dev]' (README, 'Scale-out on verl')")
N = 16  # training problems: one rollout batch of 16 prompts, study A's 3 epochs = 3 verl steps
EXPORT_FILES = ("train.parquet", "val.parquet", REWARD_FILE, f"{CONFIG_NAME}.yaml", verl_cells.RECORD)


def study_file(tmp_path: Path, paradigm: str = "grpo", base: str = "sandbox", config=None, **verl) -> Path:
    spec = {
        "name": "verl-cells", "base_model": base, "out": str(tmp_path / "runs"),
        "pool": {"name": "sandbox", "n": N},
        "grid": {"paradigms": [paradigm], "train_langs": [["de"]], "seeds": [0]},
        "paradigm_config": config or {"grpo": {"preset": "paper", "reward": "combined"}},
        "eval": {"benchmarks": ["sandbox"], "langs": "en,de", "limit": 4, "max_new_tokens": 40},
        "verl": {"paradigms": [paradigm], "gpus": 2, **verl},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def fake_verl_save(root: Path, step: int) -> None:
    """What verl leaves after saving ``step``: the actor directory, then the tracker file."""
    (root / f"global_step_{step}" / "actor").mkdir(parents=True, exist_ok=True)
    (root / verl_cells.TRACKER).write_text(str(step))


@pytest.fixture
def fake_merge(monkeypatch):
    """Replace verl's merger by a copy of the base model; records (export dir, its config)."""
    calls: list[tuple[Path, dict]] = []

    def merge(export_dir, target=None):
        config = yaml.safe_load((Path(export_dir) / f"{CONFIG_NAME}.yaml").read_text())
        calls.append((Path(export_dir), config))
        model = config.get("actor_rollout_ref", {}).get("model", {}).get("path")
        if model and Path(model).is_dir():
            shutil.copytree(model, target)
        else:
            Path(target).mkdir(parents=True)
        return Path(target)

    monkeypatch.setattr(verl_export, "merge_verl_checkpoint", merge)
    return calls


def states(statuses) -> list[str]:
    """Cell states in spec order: the Base cell, then the trained one."""
    return [s.state for s in statuses]


def trained(study):
    """The study's one trained cell (a study also gets a Base cell)."""
    (cell,) = [c for c in resolve_cells(study) if c.spec.paradigm != "base"]
    return cell


def cell_examples(study, cell):
    return select(load_pool("sandbox", ["de"]), ["de"], cell.resolved["design"], n=N, seed=cell.spec.seed)


def test_cell_waits_for_verl_then_is_evaluated_and_reported(tmp_path, fake_merge, caplog):
    from typer.testing import CliRunner

    from xling.cli import app
    from xling.report.study import write_study_report

    path = study_file(tmp_path)
    study = load_spec(path)
    cell = trained(study)
    export = verl_cells.export_dir(cell)

    # First run: the export is written and the cell is left `external` with the command.
    caplog.set_level("INFO", logger="xling")
    result = CliRunner().invoke(app, ["study", "run", str(path)])
    assert result.exit_code == 0, result.output
    launch = launch_command(export)
    assert f"external {cell.run.root}  {launch}" in result.output  # the status table
    assert f"run:\n  {launch}" in caplog.text  # the runner's log line
    lines = (cell.run.root / EXTERNAL).read_text().splitlines()
    assert lines[0] == launch and f"xling study run {path}" in lines[1]
    assert not cell.run.is_done() and not (cell.run.root / "FAILED").exists()
    assert f"Not finished (not in the tables): {cell.label} (external)" in (
        study.out_dir / "report.md").read_text()  # the report written by `study run`
    status = CliRunner().invoke(app, ["study", "status", str(path)])
    assert "external" in status.output and launch in status.output

    # The export: the cell's own selection (all of it trained on), its GRPO config, study.verl.
    assert sorted(p.name for p in export.iterdir()) == sorted(EXPORT_FILES)
    rows = read_parquet(export / "train.parquet")
    assert sorted(r["extra_info"]["id"] for r in rows) == sorted(e.id for e in cell_examples(study, cell))
    config = yaml.safe_load((export / f"{CONFIG_NAME}.yaml").read_text())
    assert config["actor_rollout_ref"]["model"]["path"] == str(Path(base_model_path(study)).resolve())
    assert config["reward"]["custom_reward_function"]["name"] == "compute_score_combined"
    assert config["actor_rollout_ref"]["actor"]["optim"]["lr"] == PAPER_PRESET["learning_rate"]
    assert config["trainer"]["n_gpus_per_node"] == 2 and config["trainer"]["nnodes"] == 1
    assert config["trainer"]["experiment_name"] == cell.run.root.name
    assert config["data"]["train_batch_size"] == len(rows) == N
    final = N // N * PAPER_PRESET["num_train_epochs"]
    assert verl_cells.final_step(export, len(rows)) == final == 3

    # Reruns while verl trains: still external, the export untouched.
    stamps = {p.name: p.stat().st_mtime_ns for p in export.iterdir()}
    assert states(run_study(study)) == ["done", "external"]
    fake_verl_save(export / "checkpoints", 2)  # an intermediate save is not the final step
    caplog.clear()
    assert states(run_study(study)) == ["done", "external"]
    assert "verl saved step 2 of 3" in caplog.text and not fake_merge
    assert {p.name: p.stat().st_mtime_ns for p in export.iterdir() if p.name in stamps} == stamps

    # verl saves its final step: merged, evaluated, DONE, in the report.
    fake_verl_save(export / "checkpoints", 3)
    assert states(run_study(study)) == ["done", "done"]
    assert [call[0] for call in fake_merge] == [export]
    target = cell.run.root / "train" / "checkpoint"
    assert (cell.run.root / "train" / "TRAINED").read_text().strip() == str(target)
    assert json.loads((cell.run.root / "train" / "verl.json").read_text())["step"] == 3
    assert json.loads(cell.run.done_marker.read_text())["model"] == str(target)
    assert not (cell.run.root / EXTERNAL).exists()
    assert len(read_parquet(cell.run.eval_file("sandbox"))) == 8  # 4 problems x en, de
    md, _ = write_study_report(study)
    text = md.read_text()
    assert "Cells finished: 2 of 2" in text and cell.label in text and "Not finished" not in text
    assert len(fake_merge) == 1
    run_study(study)  # a finished cell is not merged or exported again
    assert len(fake_merge) == 1


@pytest.fixture
def hub_cell(tmp_path):
    def make(**verl):
        study = load_spec(study_file(tmp_path, base="Qwen/Qwen2.5-3B", **verl))
        cell = trained(study)
        return study, cell, cell_examples(study, cell)
    return make


def test_an_earlier_step_is_used_only_when_accepted(hub_cell, fake_merge):
    study, cell, examples = hub_cell()
    export = verl_cells.export_dir(cell)
    with pytest.raises(AwaitingExternal) as waiting:
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    assert str(waiting.value) == launch_command(export)
    assert yaml.safe_load((export / f"{CONFIG_NAME}.yaml").read_text())[
        "actor_rollout_ref"]["model"]["path"] == "Qwen/Qwen2.5-3B"  # a hub id stays one
    fake_verl_save(export / "checkpoints", 2)  # e.g. the run was stopped after step 2 of 3
    with pytest.raises(AwaitingExternal):
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    (export / verl_cells.ACCEPT).write_text("1\n")
    assert (cell.run.root / EXTERNAL).is_file()
    with pytest.raises(XlingError, match="accepts step 1, but the latest step verl saved is 2"):
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    assert not (cell.run.root / EXTERNAL).exists()  # the cell shows as failed, with this message
    (export / verl_cells.ACCEPT).write_text("two")
    with pytest.raises(XlingError, match="ACCEPT:1: expected the step number"):
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    (export / verl_cells.ACCEPT).write_text("2\n")
    assert not fake_merge
    merged = verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    assert merged == cell.run.root / "train" / "checkpoint" and merged.is_dir()
    assert json.loads((merged.parent / "verl.json").read_text())["accepted"] is True
    (export / "checkpoints" / verl_cells.TRACKER).write_text("garbage")
    with pytest.raises(XlingError, match="expected verl's step number"):
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)


def test_cluster_dir_names_the_remote_copy_and_the_copied_back_checkpoints_merge(hub_cell, fake_merge):
    study, cell, examples = hub_cell(cluster_dir="/shared/study", nodes=2, gpus=8)
    export = verl_cells.export_dir(cell)
    remote = f"/shared/study/{cell.run.root.name}/verl"
    with pytest.raises(AwaitingExternal) as waiting:
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    assert str(waiting.value) == launch_command(remote, nodes=2)
    assert str(waiting.value).startswith(f"ray job submit --working-dir {remote} -- ")
    config = yaml.safe_load((export / f"{CONFIG_NAME}.yaml").read_text())
    assert config["data"]["train_files"] == f"{remote}/train.parquet"
    assert config["trainer"]["default_local_dir"] == f"{remote}/checkpoints"
    assert config["trainer"]["nnodes"] == 2 and config["trainer"]["n_gpus_per_node"] == 8
    # The run's directory is copied back (rsync) with verl's checkpoints in it.
    fake_verl_save(export / "checkpoints", 3)
    verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    ((view, view_config),) = fake_merge
    assert view != export and view_config["trainer"]["default_local_dir"] == str(export / "checkpoints")


def test_absolute_checkpoint_dir_gets_one_directory_per_cell(hub_cell, fake_merge, tmp_path):
    study, cell, examples = hub_cell(checkpoint_dir=str(tmp_path / "ck"))
    export = verl_cells.export_dir(cell)
    with pytest.raises(AwaitingExternal):
        verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    root = tmp_path / "ck" / cell.run.root.name
    assert yaml.safe_load((export / f"{CONFIG_NAME}.yaml").read_text())["trainer"][
        "default_local_dir"] == str(root)
    fake_verl_save(root, 3)
    verl_cells.train_on_verl(study, cell, "Qwen/Qwen2.5-3B", examples)
    assert [call[0] for call in fake_merge] == [export]  # the configured directory, merged as is


def test_settings_verl_cannot_run_are_refused_naming_the_cell(tmp_path):
    study = load_spec(study_file(tmp_path, base="Qwen/Qwen2.5-3B", nodes=2))
    cell = trained(study)
    with pytest.raises(XlingError, match="verl.checkpoint_dir must be an absolute path"):
        verl_cells.check_cell(study, cell)
    study = load_spec(study_file(tmp_path, base="Qwen/Qwen2.5-3B",
                                 config={"grpo": {"trl": {"beta": 0.1}}}))
    cell = trained(study)
    with pytest.raises(XlingError, match=r"cell GRPO\(de\) \(verl\): trl fields do not apply"):
        verl_cells.check_cell(study, cell)
    assert not verl_cells.export_dir(cell).exists()


def test_sft_then_grpo_trains_sft_here_and_verl_starts_from_it(tmp_path, sandbox_base, fake_merge):
    config = {"sft": {"epochs": 1, "batch_size": 8, "learning_rate": 1e-4},
              "grpo": {"preset": "paper"}}
    study = load_spec(study_file(tmp_path, paradigm="sft+grpo", base=str(sandbox_base), config=config))
    cell = trained(study)
    examples = cell_examples(study, cell)
    with pytest.raises(AwaitingExternal):
        verl_cells.train_on_verl(study, cell, str(sandbox_base), examples)
    sft = cell.run.root.resolve() / "train" / "sft" / "checkpoint"
    assert (sft / "config.json").is_file()
    export = verl_cells.export_dir(cell)
    config = yaml.safe_load((export / f"{CONFIG_NAME}.yaml").read_text())
    assert config["actor_rollout_ref"]["model"]["path"] == str(sft)
    assert config["reward"]["custom_reward_function"]["name"] == "compute_score"
    stamp = (sft / "config.json").stat().st_mtime_ns
    fake_verl_save(export / "checkpoints", 3)
    verl_cells.train_on_verl(study, cell, str(sandbox_base), examples)
    assert (sft / "config.json").stat().st_mtime_ns == stamp  # the SFT stage was not redone
    assert fake_merge[0][1]["actor_rollout_ref"]["model"]["path"] == str(sft)


# ----- with verl: the real checkpoint layout and verl's own merger ---------------------------


@needs_verl
def test_verl_default_epochs_match_verls_config():
    import verl

    defaults = yaml.safe_load((Path(verl.__file__).parent / "trainer" / "config" / "ppo_trainer.yaml").read_text())
    assert defaults["trainer"]["total_epochs"] == verl_cells.VERL_DEFAULT_EPOCHS
    assert defaults["trainer"]["total_training_steps"] is None


@needs_verl
def test_real_verl_checkpoint_is_merged_and_evaluated(tmp_path, sandbox_base):
    import torch
    from transformers import AutoModelForCausalLM

    from test_verl_export import write_verl_checkpoint

    path = study_file(tmp_path)
    study = load_spec(path)
    cell = trained(study)
    assert states(run_study(study)) == ["done", "external"]
    export = verl_cells.export_dir(cell)
    root = export / "checkpoints"
    actor = root / "global_step_3" / "actor"
    actor.mkdir(parents=True)
    model = base_model_path(study)
    write_verl_checkpoint(model, actor, tmp_path)
    (root / verl_cells.TRACKER).write_text("3")
    assert states(run_study(study)) == ["done", "done"]
    merged = cell.run.root / "train" / "checkpoint"
    base = AutoModelForCausalLM.from_pretrained(model).state_dict()
    back = AutoModelForCausalLM.from_pretrained(merged).state_dict()
    assert set(back) == set(base)
    for key, tensor in base.items():  # verl's merger writes bf16
        assert torch.equal(back[key], tensor.to(back[key].dtype)), key
    assert len(read_parquet(cell.run.eval_file("sandbox"))) == 8
    assert states(study_status(study)) == ["done", "done"]
