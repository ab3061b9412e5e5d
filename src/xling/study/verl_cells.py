"""Study cells trained on verl: the export, the launch command, and the checkpoint's way back.

Stage: study (composes train.verl_export). A study with a ``verl:`` block hands the cells whose
paradigm is in ``verl.paradigms`` (a paradigm whose row lists the verl engine: grpo, sft+grpo)
to verl instead of TRL: the same experiment (the rows, the prompt's form and the cell's seed are
those TRL would get; ``grid.train_config``, ``train.rows``). The runner calls
``train_on_verl`` in place of ``train.train``; it is idempotent, so the study resumes:

1. First run: the cell's export is written to ``<cell>/verl/`` (``export_verl``: the cell's own
   training selection, all of it trained on; its GRPO config built by ``train.make_config``
   from ``grid.train_config``;
   GPUs, nodes and paths from ``study.verl``), ``<cell>/EXTERNAL`` gets the launch command (line
   1) and what to do after it (line 2), and ``store.AwaitingExternal`` is raised: the cell stays
   without DONE and ``xling study status`` lists it as ``external`` with the command. For a
   composed paradigm (``sft+grpo``) the stages before the last train first, here, with TRL
   (``<cell>/train/sft``); verl starts from that checkpoint.
2. A rerun before verl has finished raises again and leaves the export as it is.
3. "Finished" means verl has saved its final step: ``final_step`` (verl's count: training rows
   // rollout batch x epochs, read from the export's config). An earlier saved step is used only
   when the user accepts it by writing its number to ``<cell>/verl/ACCEPT``. Then verl's merger
   turns the actor checkpoint into a Hugging Face model at ``<cell>/train/checkpoint``, EXTERNAL
   is removed, and the runner evaluates and probes the cell as if it had trained locally.

The merge runs where ``xling study run`` runs and needs verl there (``pip install 'xling[verl]'``).
Try:  xling study run study.yaml   (with ``verl: {gpus: 8}``; then run the printed line on the node)
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from xling.data.io import atomic_write_text, write_json
from xling.schema import Example, XlingError
from xling.store import AwaitingExternal
from xling.study.blocks import VerlSpec
from xling.study.grid import Cell, train_config
from xling.study.spec import StudySpec

log = logging.getLogger(__name__)

VERL_DIR = "verl"
"""The cell's export: ``<cell>/verl/`` (train/val parquet, reward file, config, RECORD)."""
RECORD = "xling_cell.json"
"""Written last into the export: its presence means the export is complete (never rewritten)."""
ACCEPT = "ACCEPT"
"""``<cell>/verl/ACCEPT`` holds a step number: evaluate that saved step although it is not the
final one (a run stopped early, or shortened on the launch line)."""
TRACKER = "latest_checkpointed_iteration.txt"
"""verl writes the step of its latest complete checkpoint here, after the checkpoint itself."""
VERL_DEFAULT_EPOCHS = 30
"""verl 0.9.1's ``trainer.total_epochs`` (ppo_trainer.yaml), used when the export leaves it unset."""


def export_dir(cell: Cell) -> Path:
    """The cell's verl export directory (absolute, so the launch command works from anywhere)."""
    return cell.run.root.resolve() / VERL_DIR


def train_on_verl(study: StudySpec, cell: Cell, base: str, examples: list[Example]) -> Path:
    """The cell's trained model once verl has finished; before that, export and wait.

    Args:
        study: the study (``study.verl`` set).
        cell: a cell whose paradigm is in ``study.verl.paradigms``.
        base: the base model (local path or hub id).
        examples: the cell's training selection.

    Returns:
        ``<cell>/train/checkpoint``: verl's final (or accepted) actor checkpoint as a HF model.

    Raises:
        AwaitingExternal: verl has not saved the final step yet (message: the launch command).
        XlingError: a bad verl setting, an unreadable checkpoint tracker, an ACCEPT that does not
            name the latest saved step, or a failed merge.
    """
    export = export_dir(cell)
    external = cell.run.external_marker
    try:
        record = read_record(export) or _export(study, cell, base, examples, export)
        final = final_step(export, record["n_train"])
        root, step = latest_checkpoint(export, study.verl)
        accepted = _accepted(export)
        if step is None or (step < final and accepted is None):
            if step is not None:
                log.info("%s: verl saved step %d of %d (%s); waiting for the final step",
                         cell.label, step, final, root)
            _write_external(study, cell, record["launch"], final)
            raise AwaitingExternal(record["launch"])
        if step < final and accepted != step:
            raise XlingError(f"{export / ACCEPT}: accepts step {accepted}, but the latest step "
                             f"verl saved is {step} (of {final}) in {root}; write {step} to accept it")
    except XlingError:
        external.unlink(missing_ok=True)  # status reads EXTERNAL before FAILED: show the failure
        raise
    # Training is over: a failed merge from here on shows as FAILED, not as still external.
    external.unlink(missing_ok=True)
    target = cell.run.train_dir / "checkpoint"
    log.info("%s: verl step %d of %d%s -> %s", cell.label, step, final,
             " (accepted)" if step < final else "", target)
    _merge(export, root, target)
    write_json(cell.run.train_dir / "verl.json",
               {"step": step, "final_step": final, "accepted": step < final,
                "checkpoint_root": str(root), "export": str(export), "launch": record["launch"]})
    return target


def check_cell(study: StudySpec, cell: Cell) -> Any:
    """Build the cell's GRPO config and check that verl can carry it (loads no model).

    Returns the ``grpo.GRPOConfig`` verl trains with (the last stage's of a composed paradigm,
    ``Paradigm.stages``), built from ``grid.train_config``: the cell's seed is its seed.

    Raises:
        XlingError: an invalid config, a paradigm whose last stage is not GRPO, settings the
            export cannot carry (``trl`` fields, another reward argument), or several nodes with
            checkpoints not on shared storage.
    """
    from xling.train import get_paradigm, make_config
    from xling.train.grpo import GRPOConfig
    from xling.train.verl_export import _check_cfg

    verl = _verl(study)
    where = f"{study.source_file or study.name}: cell {cell.label}"
    try:
        cfg = make_config(cell.spec.paradigm, train_config(cell))
        grpo = cfg.stages()[-1] if get_paradigm(cell.spec.paradigm).stages else cfg
        if not isinstance(grpo, GRPOConfig):
            raise XlingError(f"the verl export trains GRPO; {cell.spec.paradigm}'s last stage "
                             f"is a {type(grpo).__name__}")
        _check_cfg(grpo)
    except XlingError as exc:
        raise XlingError(f"{where} (verl): {exc}") from None
    if verl.nodes > 1 and not PurePosixPath(verl.checkpoint_dir).is_absolute() and not verl.cluster_dir:
        raise XlingError(f"{where}: verl.nodes is {verl.nodes}: every node writes checkpoint "
                         "shards, so verl.checkpoint_dir must be an absolute path on storage all "
                         "nodes share, or verl.cluster_dir must name where the study's run "
                         "directory lives on the GPU machines")
    return grpo


def _verl(study: StudySpec) -> VerlSpec:
    if study.verl is None:
        raise XlingError(f"study {study.name}: no verl: block")
    return study.verl


def _export(study: StudySpec, cell: Cell, base: str, examples: list[Example], export: Path) -> dict:
    """Write the cell's export and RECORD (last); returns the record."""
    from xling.train.verl_export import export_verl

    verl = _verl(study)
    grpo = check_cell(study, cell)
    # On the GPU machines the cell's directory is <cluster_dir>/<cell dir>, when named.
    remote = PurePosixPath(verl.cluster_dir) / cell.run.root.name if verl.cluster_dir else None
    first = _first_stages(cell, base, examples)
    if first is not None:
        model = str(remote / first.relative_to(cell.run.root.resolve())) if remote else str(first)
        log.info("%s: verl starts from the first stages' checkpoint %s", cell.label, model)
    else:
        model = _model_for_verl(base)
    checkpoint_dir = verl.checkpoint_dir
    if PurePosixPath(checkpoint_dir).is_absolute():  # shared storage: one directory per cell
        checkpoint_dir = str(PurePosixPath(checkpoint_dir) / cell.run.root.name)
    done = export_verl(
        examples, export, grpo, val_fraction=0.0, seed=cell.spec.seed, model=model,
        gpus=verl.gpus, nodes=verl.nodes, rollout_tp=verl.rollout_tp,
        checkpoint_dir=checkpoint_dir, cluster_dir=str(remote / VERL_DIR) if remote else None,
        name=cell.run.root.name)
    record = {"label": cell.label, "key": cell.key, "launch": done.launch, "n_train": done.n_train,
              "model": model, "final_step": final_step(export, done.n_train)}
    write_json(export / RECORD, record)
    log.info("%s: verl export %s (%d prompts, rollout batch %d, %d steps)", cell.label, export,
             done.n_train, done.batch.train_batch, record["final_step"])
    return record


def _first_stages(cell: Cell, base: str, examples: list[Example]) -> Path | None:
    """A composed paradigm's stages before its last (sft+grpo's SFT), trained here with TRL in
    ``<cell>/train/<stage>`` (a rerun reuses a finished one); returns the checkpoint verl starts
    from, or None for a single-stage paradigm."""
    from xling.train import get_paradigm, make_config

    stages = get_paradigm(cell.spec.paradigm).stages
    if not stages:
        return None
    configs = make_config(cell.spec.paradigm, train_config(cell)).stages()
    model: str | Path = base
    for stage, cfg in zip(stages[:-1], configs[:-1], strict=True):
        out = cell.run.train_dir.resolve() / stage
        if not (out / "checkpoint" / "config.json").is_file():
            log.info("%s: %s stage with TRL before verl (%d examples)", cell.label, stage,
                     len(examples))
            get_paradigm(stage).run(str(model), examples, cfg, out)
        model = out / "checkpoint"
    return Path(model).resolve()


def _model_for_verl(base: str) -> str:
    """``base`` as verl will load it: a hub id as is, a local path made absolute (the launch
    runs in the export directory), with a warning that it must exist on the GPU nodes."""
    path = Path(base).expanduser()
    if not (path.exists() or base.startswith((".", "/", "~"))):
        return base  # a hub id
    model = str(path.resolve())
    log.warning("verl will load the base model from the local path %s: it must exist at that "
                "path on the GPU machines (or use a hub id as base_model)", model)
    return model


def read_record(export: Path) -> dict | None:
    """The export's RECORD, or None when the export is missing or unfinished."""
    path = export / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return {**record, "n_train": int(record["n_train"]), "launch": str(record["launch"])}
    except (ValueError, KeyError, TypeError) as exc:
        raise XlingError(f"{path}: unreadable ({exc}); delete the {export} directory to "
                         "export the cell again") from None


def _config(export: Path) -> dict:
    from xling.train.verl_export import CONFIG_NAME

    path = export / f"{CONFIG_NAME}.yaml"
    if not path.is_file():
        raise XlingError(f"{path}: not found; delete {export} to export the cell again")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def final_step(export: Path, n_train: int) -> int:
    """verl's last training step for the export: ``trainer.total_training_steps`` if set, else
    (``n_train`` // ``data.train_batch_size``) x ``trainer.total_epochs`` (verl's data loader
    drops an incomplete batch). Read from the config, so an edit of the yaml is followed.

    Raises:
        XlingError: a config without ``data.train_batch_size``.
    """
    config = _config(export)
    trainer = config.get("trainer") or {}
    if trainer.get("total_training_steps") is not None:
        return int(trainer["total_training_steps"])
    try:
        batch = int(config["data"]["train_batch_size"])
    except (KeyError, TypeError, ValueError):
        raise XlingError(f"{export}: the verl config has no data.train_batch_size") from None
    return n_train // batch * int(trainer.get("total_epochs", VERL_DEFAULT_EPOCHS))


def checkpoint_roots(export: Path, verl: VerlSpec | None = None) -> list[Path]:
    """Where verl's checkpoints may be on this machine, in order: the configured
    ``trainer.default_local_dir`` (relative = under the export), the same place under the export
    when it names the cluster copy (``verl.cluster_dir``), and ``<export>/checkpoints`` (where to
    copy them back when the GPU machines' storage is not visible here)."""
    configured = PurePosixPath(str((_config(export).get("trainer") or {})
                                   .get("default_local_dir", "checkpoints")))
    roots = [Path(configured) if configured.is_absolute() else export / configured]
    if verl is not None and verl.cluster_dir:
        remote = PurePosixPath(verl.cluster_dir) / export.parent.name / VERL_DIR
        if configured.is_relative_to(remote):
            roots.append(export / configured.relative_to(remote))
    roots.append(export / "checkpoints")
    return list(dict.fromkeys(roots))


def latest_checkpoint(export: Path, verl: VerlSpec | None = None) -> tuple[Path | None, int | None]:
    """(root, step) of the first root in ``checkpoint_roots`` holding a complete checkpoint:
    verl's tracker file names step N and ``global_step_N/actor`` exists (verl's own rule, as
    ``find_latest_ckpt_path``). (None, None) while there is none.

    Raises:
        XlingError: a tracker file that does not hold a step number.
    """
    for root in checkpoint_roots(export, verl):
        tracker = root / TRACKER
        if not tracker.is_file():
            continue
        text = tracker.read_text(encoding="utf-8").strip()
        try:
            step = int(text)
        except ValueError:
            raise XlingError(f"{tracker}:1: expected verl's step number, got {text[:40]!r}") from None
        if (root / f"global_step_{step}" / "actor").is_dir():
            return root, step
    return None, None


def _accepted(export: Path) -> int | None:
    path = export / ACCEPT
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8").strip()
    try:
        return int(text)
    except ValueError:
        raise XlingError(f"{path}:1: expected the step number to accept, got {text[:40]!r}") from None


def _write_external(study: StudySpec, cell: Cell, launch: str, final: int) -> None:
    study_file = study.source_file or "<study file>"
    text = (f"{launch}\n"
            f"after verl has saved its final step ({final}), rerun: xling study run {study_file}\n"
            f"to evaluate an earlier saved step N instead: echo N > {export_dir(cell) / ACCEPT}\n")
    path = cell.run.external_marker
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)


def _merge(export: Path, root: Path, target: Path) -> Path:
    """verl's merger on the checkpoint under ``root`` into ``target`` (replaced if present)."""
    from xling.train.verl_export import merge_verl_checkpoint

    if target.exists():  # left by an interrupted merge
        shutil.rmtree(target)
    if root == checkpoint_roots(export)[0]:
        return merge_verl_checkpoint(export, target)
    # The checkpoints were copied back from the GPU machines: merge_verl_checkpoint reads only
    # trainer.default_local_dir from the export's config, so hand it a config naming this copy.
    with tempfile.TemporaryDirectory(prefix="xling-verl-merge-") as view:
        from xling.train.verl_export import CONFIG_NAME

        atomic_write_text(Path(view) / f"{CONFIG_NAME}.yaml", yaml.safe_dump(
            {"trainer": {"default_local_dir": str(root.resolve())}}))
        return merge_verl_checkpoint(view, target)
