"""``xling train <paradigm>`` (one per row of ``train.PARADIGMS``) and ``xling export verl|verl-merge``.

Thin verbs over xling.train.

Stage: CLI (mounted by cli.py as ``train`` and ``export``). Each command loads a pool, selects
training examples by design, merges the --config YAML with the flags, calls
``xling.train.train`` (or ``export_verl``) and prints the result path.
Try:  xling train grpo --model ./tiny --pool sandbox --langs de --n 32 --out runs/rl-de
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from xling.data.pools import POOLS
from xling.schema import XlingError

export_app = typer.Typer(no_args_is_help=True, help="Export training data for other engines (verl).")

Model = Annotated[str, typer.Option(help="Base model: local path or hub id.")]
Pool = Annotated[str, typer.Option(help=f"Pool name ({', '.join(POOLS)}), a .jsonl file, a "
                                        "card, or a dotted path 'my_pkg.module:load'.")]
Langs = Annotated[str, typer.Option(help="Training language(s): comma-separated ISO 639-1 codes.")]
Design = Annotated[str, typer.Option(help="single | mixed | parallel (see data/pools.py).")]
N = Annotated[int | None, typer.Option(help="Number of problems to select (default: all).")]
Preset = Annotated[str | None, typer.Option(help="'paper': study A's GRPO settings.")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML file of config fields.")]
RewardOpt = Annotated[str | None, typer.Option(
    help="GRPO reward: accuracy | consistency | combined | format | weighted, or a dotted path.")]
Style = Annotated[str | None, typer.Option(help="Prompt: standard | english | consistency.")]
Out = Annotated[Path, typer.Option(help="Run directory; rerunning resumes from its last checkpoint.")]
Seed = Annotated[int, typer.Option(help="Seeds selection and training.")]
Limit = Annotated[int | None, typer.Option(help="Keep only the first N selected examples.")]

EPILOG = "Example: xling train {name} --model ./tiny --pool sandbox --langs de --n 32 --out runs/{name}"


def _train_command(paradigm: str):
    def command(
        model: Model, out: Out, pool: Pool = "sandbox", langs: Langs = "en",
        design: Design = "single", n: N = None, preset: Preset = None, config: ConfigFile = None,
        reward: RewardOpt = None, prompt_style: Style = None, seed: Seed = 0, limit: Limit = None,
    ) -> None:
        from xling.interrupts import on_interrupt
        from xling.train import make_config, train

        on_interrupt(f"checkpoints are kept in {out}; rerun the same command to resume from the "
                     "last one")
        cfg = _merge(paradigm, read_config(config), reward, prompt_style, seed)
        make_config(paradigm, cfg, preset)  # refuse a bad config before loading the pool
        examples = select_examples(pool, langs, design, n, seed, limit)
        typer.echo(str(train(paradigm, model, examples, out, cfg, preset)))

    return command


def _verbs() -> dict[str, str]:
    """Paradigm name -> its CLI verb (``Paradigm.command``, default the name), table order."""
    from xling.train import PARADIGMS, get_paradigm

    return {name: get_paradigm(name).command or name for name in PARADIGMS}


def add_train_commands(app: typer.Typer) -> typer.Typer:
    """One ``xling train <verb>`` per row of ``xling.train.PARADIGMS`` (its verb and help line):
    a paradigm added to the table is a command, with nothing listed here."""
    from xling.train import get_paradigm

    for paradigm, verb in _verbs().items():
        command = _train_command(paradigm)
        command.__doc__ = f"{get_paradigm(paradigm).help} Prints the checkpoint path."
        app.command(verb, epilog=EPILOG.format(name=verb))(command)
    return app


def make_train_app() -> typer.Typer:
    """The ``xling train`` sub-app, built from the paradigm table."""
    verbs = ", ".join(_verbs().values())
    return add_train_commands(typer.Typer(no_args_is_help=True, help=f"Post-train a model: {verbs}."))


train_app = make_train_app()


ExportOut = Annotated[Path, typer.Option(help="Export directory: data, reward file, verl config.")]
EXPORT_EPILOG = ("Example: xling export verl --pool mgsm8k --langs de --preset paper --gpus 8 "
                 "--out runs/verl-de   (then run the printed line on the GPU node)")


@export_app.command("verl", epilog=EXPORT_EPILOG)
def export_verl_command(
    out: ExportOut, pool: Pool = "sandbox", langs: Langs = "en", design: Design = "single",
    n: N = None, preset: Annotated[str | None, typer.Option(
        help="'paper': study A's GRPO settings (default); 'none': verl's defaults.")] = "paper",
    config: ConfigFile = None, reward: RewardOpt = None, prompt_style: Style = None,
    model: Annotated[str, typer.Option(help="Base model: hub id or a path on the GPU nodes.")] = "Qwen/Qwen2.5-3B",
    gpus: Annotated[int, typer.Option(help="GPUs per node.")] = 1,
    nodes: Annotated[int, typer.Option(help="Nodes (> 1: launched as a Ray job).")] = 1,
    rollout_tp: Annotated[int, typer.Option(help="vLLM tensor-parallel size of the rollout.")] = 1,
    checkpoint_dir: Annotated[str, typer.Option(
        help="Where verl saves; relative = under the export. Several nodes: an absolute shared path."
    )] = "checkpoints",
    cluster_dir: Annotated[str | None, typer.Option(
        help="Where the export will live on the GPU machines, if not launched from --out.")] = None,
    val_fraction: Annotated[float, typer.Option(help="Share of problems held out.")] = 0.05,
    seed: Seed = 0, limit: Limit = None,
) -> None:
    """Export an RL cell for verl: train/val parquet, xling's reward, a config extending verl's
    defaults. Prints the files, then the one-line launch command (last line)."""
    from xling.train import make_config
    from xling.train.verl_export import export_verl

    grpo = make_config("grpo", _merge("grpo", read_config(config), reward, prompt_style, seed),
                       None if preset in (None, "none") else preset)
    examples = select_examples(pool, langs, design, n, seed, limit)
    done = export_verl(examples, out, grpo, val_fraction=val_fraction, seed=seed, model=model,
                       gpus=gpus, nodes=nodes, rollout_tp=rollout_tp,
                       checkpoint_dir=checkpoint_dir, cluster_dir=cluster_dir)
    b = done.batch
    typer.echo(f"{done.train} ({done.n_train} prompts)\n{done.val} ({done.n_val} prompts)\n"
               f"{done.reward}\n{done.config} (rollout batch {b.train_batch}, micro-batch "
               f"{b.micro_per_gpu}/GPU, {gpus} GPU(s) x {nodes} node(s))\n{done.launch}")


@export_app.command("verl-merge", epilog="Example: xling export verl-merge --out runs/verl-de")
def export_verl_merge_command(
    out: Annotated[Path, typer.Option(help="The directory `xling export verl` wrote.")],
    target: Annotated[Path | None, typer.Option(help="HF model directory (default: OUT/checkpoint).")] = None,
) -> None:
    """Merge the run's latest verl actor checkpoint into a Hugging Face model (verl's merger);
    prints its path, usable as --model for xling eval and probes."""
    from xling.train.verl_export import merge_verl_checkpoint

    typer.echo(str(merge_verl_checkpoint(out, target)))


def select_examples(pool: str, langs: str, design: str, n: int | None, seed: int,
                    limit: int | None) -> list:
    """Load ``pool`` in ``langs`` and select by ``design`` (see data/pools.py)."""
    from xling.data.pools import load_pool, select
    from xling.languages import parse_langs

    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be >= 1, got {limit}")
    codes = parse_langs(langs)
    return select(load_pool(pool, codes), codes, design, n=n, seed=seed)[:limit]


def read_config(path: Path | None) -> dict[str, Any]:
    """The YAML config file as a dict ({} without one)."""
    if path is None:
        return {}
    from xling.data.io import read_yaml

    if not path.is_file():
        raise XlingError(f"config file not found: {path}")
    data = read_yaml(path) or {}  # a key written twice is an error naming file:line
    if not isinstance(data, dict):
        raise XlingError(f"{path}: expected a mapping of config fields")
    return data


def _merge(paradigm: str, cfg: dict[str, Any], reward: str | None, style: str | None, seed: int) -> dict:
    """Put the flags into the config (flags win). A composed paradigm ('sft+grpo') gets them per
    stage, each stage only the flags its config has (the SFT stage has no reward)."""
    flags = {"seed": seed, **({"prompt_style": style} if style else {}),
             **({"reward": reward} if reward else {})}
    from xling.train import get_paradigm

    parts = get_paradigm(paradigm).stages
    if not parts:
        return {**cfg, **flags}
    import dataclasses

    stages = {}
    for part in parts:
        fields = {f.name for f in dataclasses.fields(get_paradigm(part).config)}
        stages[part] = {**cfg.get(part, {}), **{k: v for k, v in flags.items() if k in fields}}
    return {**cfg, **stages}
