"""Scaling out: the verl export launches as printed, and accelerate configs for several GPUs are valid.

Always run: the data layout, the config's content (study A's settings from grpo.PAPER_PRESET,
the reward key verl 0.9.1 reads, batch sizes verl accepts), relative paths, file permissions
and the printed launch command. With verl installed (``pip install 'xling[verl]'``, a separate
venv: see the README's scale-out section) the rest runs verl's own code on the export: the
printed command composes with ``main_ppo --cfg job``, ``validate_config`` passes, ``RLHFDataset``
loads every row, verl's reward loader and reward manager score as xling does, and verl's model
merger turns an FSDP checkpoint laid out as verl writes it into the model xling evaluates.

Run: pytest tests/test_verl_export.py -v   (verl tests: /path/to/verl-venv/bin/python -m pytest ...)
"""

from __future__ import annotations

import importlib.util
import math
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xling.data.io import read_parquet
from xling.data.pools import load_pool, select
from xling.schema import XlingError
from xling.train.grpo import PAPER_PRESET, PAPER_ROLLOUT_BATCH, GRPOConfig
from xling.train.launch import accelerate_config, write_accelerate_config
from xling.train.verl_export import (
    CONFIG_NAME,
    REWARD_FILE,
    export_verl,
    launch_command,
    merge_verl_checkpoint,
    verl_batch_sizes,
)

HAS_VERL = importlib.util.find_spec("verl") is not None
needs_verl = pytest.mark.skipif(
    not HAS_VERL, reason="verl is not installed; these tests run verl's own code on the export: "
    "run them in a venv with pip install -e '.[verl,dev]' (see README, 'Scale-out on verl')")
FILES = ("train.parquet", "val.parquet", REWARD_FILE, f"{CONFIG_NAME}.yaml")


def combined() -> GRPOConfig:
    return GRPOConfig(preset="paper", reward="combined")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    examples = select(load_pool("sandbox", "en,de,zh"), ["en", "de", "zh"], "parallel", n=20)
    out = tmp_path_factory.mktemp("verl") / "run"
    return examples, out, export_verl(examples, out, combined(), val_fraction=0.2, seed=0, gpus=2)


def config_of(out: Path) -> dict:
    return yaml.safe_load((out / f"{CONFIG_NAME}.yaml").read_text())


def test_parquet_round_trip_in_verl_layout(exported):
    examples, out, done = exported
    train, val = read_parquet(done.train), read_parquet(done.val)
    assert len(train) + len(val) == 60 and len(val) == 12  # 4 of 20 problems x 3 languages
    assert (done.n_train, done.n_val) == (len(train), len(val))
    assert not {r["extra_info"]["parallel_id"] for r in train} & {r["extra_info"]["parallel_id"] for r in val}
    row = train[0]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert row["prompt"][0]["role"] == "user" and "\\boxed{}" in row["prompt"][0]["content"]
    assert row["ability"] == "math" and row["reward_model"]["style"] == "rule"
    assert set(row["extra_info"]) == {"lang", "parallel_id", "index", "split", "id", "scorer",
                                      "choices", "meta"}
    assert row["extra_info"]["scorer"] == "math"
    assert [r["extra_info"]["index"] for r in train] == list(range(len(train)))


def test_config_carries_study_a_settings_and_the_reward_key_verl_reads(exported):
    _, out, done = exported
    config = config_of(out)
    assert config["defaults"] == ["ppo_trainer", "_self_"]  # extends verl's own defaults
    assert "custom_reward_function" not in config  # the legacy key main_ppo 0.9.1 never reads
    assert config["reward"]["custom_reward_function"] == {"path": REWARD_FILE, "name": "compute_score_combined"}
    actor, rollout = config["actor_rollout_ref"]["actor"], config["actor_rollout_ref"]["rollout"]
    assert actor["optim"]["lr"] == PAPER_PRESET["learning_rate"]
    assert actor["use_kl_loss"] and actor["kl_loss_coef"] == PAPER_PRESET["beta"]
    assert rollout["temperature"] == PAPER_PRESET["temperature"]
    assert rollout["n"] == PAPER_PRESET["num_generations"]
    assert config["trainer"]["total_epochs"] == PAPER_PRESET["num_train_epochs"]
    assert config["data"]["max_response_length"] == PAPER_PRESET["max_completion_length"]
    assert config["data"]["train_batch_size"] == done.batch.train_batch == done.n_train  # < 512 rows
    assert actor["ppo_mini_batch_size"] == done.batch.train_batch
    assert config["trainer"]["n_gpus_per_node"] == 2 and config["trainer"]["nnodes"] == 1
    assert rollout["tensor_model_parallel_size"] == 1


def test_settings_follow_the_grpo_config_fields(tmp_path):
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=40)
    cfg = GRPOConfig(preset="paper", learning_rate=3e-6, num_generations=4, beta=0.0, epochs=1)
    export_verl(examples, tmp_path, cfg, gpus=4)
    config = config_of(tmp_path)
    actor = config["actor_rollout_ref"]["actor"]
    assert actor["optim"]["lr"] == 3e-6 and actor["use_kl_loss"] is False and "kl_loss_coef" not in actor
    assert config["actor_rollout_ref"]["rollout"]["n"] == 4 and config["trainer"]["total_epochs"] == 1
    export_verl(examples, tmp_path / "plain", GRPOConfig())  # no preset: verl's own defaults
    plain = config_of(tmp_path / "plain")["actor_rollout_ref"]["actor"]
    assert "optim" not in plain and plain["use_kl_loss"] is False


@pytest.mark.parametrize("n_train", [1, 7, 100, 511, 7473])
@pytest.mark.parametrize("gpus,nodes", [(1, 1), (2, 1), (3, 1), (8, 1), (8, 2), (6, 4)])
@pytest.mark.parametrize("n", [4, 8, 16])
def test_batch_sizes_satisfy_verls_checks(n_train, gpus, nodes, n):
    n_gpus = gpus * nodes
    unit = n_gpus // math.gcd(n, n_gpus)
    if min(n_train, PAPER_ROLLOUT_BATCH) < unit:
        with pytest.raises(XlingError, match="cannot fill one rollout step"):
            verl_batch_sizes(n_train, n, gpus, nodes, PAPER_ROLLOUT_BATCH)
        return
    b = verl_batch_sizes(n_train, n, gpus, nodes, PAPER_ROLLOUT_BATCH)
    assert b.train_batch <= min(n_train, PAPER_ROLLOUT_BATCH) < b.train_batch + unit  # largest that fits
    assert (b.train_batch * n) % n_gpus == 0  # verl: real_train_batch_size % n_gpus
    assert b.mini_batch == b.train_batch and (b.mini_batch * n) % n_gpus == 0
    per_gpu = b.train_batch * n // n_gpus
    assert per_gpu % b.micro_per_gpu == 0 and 1 <= b.micro_per_gpu <= 8
    assert per_gpu % b.log_prob_micro_per_gpu == 0 and b.log_prob_micro_per_gpu <= 16


def test_paths_are_relative_and_the_export_moves(exported, tmp_path):
    examples, out, done = exported
    config = config_of(out)
    body = [line for line in (out / f"{CONFIG_NAME}.yaml").read_text().splitlines()
            if not line.startswith("#")]  # the header's launch line names the directory itself
    assert not [line for line in body if str(out.resolve()) in line or ": /" in line]
    assert config["data"]["train_files"] == "train.parquet" and config["data"]["val_files"] == "val.parquet"
    assert config["trainer"]["default_local_dir"] == "checkpoints"
    moved = shutil.copytree(out, tmp_path / "elsewhere")  # e.g. rsync'd to the GPU node
    cwd = os.getcwd()
    try:  # verl resolves the paths from the launch directory: load the reward as verl does
        os.chdir(moved)
        spec = importlib.util.spec_from_file_location("custom_module", config["reward"]["custom_reward_function"]["path"])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        compute_score = getattr(module, config["reward"]["custom_reward_function"]["name"])
        assert len(read_parquet(config["data"]["train_files"])) == done.n_train
    finally:
        os.chdir(cwd)
    solutions = {e.id: e.solution for e in examples}
    for row in read_parquet(done.train) + read_parquet(done.val):
        gold, info = row["reward_model"]["ground_truth"], row["extra_info"]
        good = compute_score(row["data_source"], solutions[info["id"]], gold, info)
        bad = compute_score(row["data_source"], "\\boxed{-12345}", gold, info)
        assert good >= 0.5 and bad <= 0.5  # combined: accuracy (0.5) + consistency share (0.5)


def test_cluster_dir_names_every_path(tmp_path):
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=40)
    done = export_verl(examples, tmp_path / "x", gpus=8, nodes=2, cluster_dir="/shared/runs/x")
    config = config_of(tmp_path / "x")
    assert config["data"]["train_files"] == "/shared/runs/x/train.parquet"
    assert config["reward"]["custom_reward_function"]["path"] == f"/shared/runs/x/{REWARD_FILE}"
    assert config["trainer"]["default_local_dir"] == "/shared/runs/x/checkpoints"
    assert done.launch.startswith("ray job submit --working-dir /shared/runs/x -- ")


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002], ids=oct)
def test_files_get_normal_permissions(tmp_path, umask):
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=10)
    old = os.umask(umask)
    try:
        export_verl(examples, tmp_path, val_fraction=0.0)
    finally:
        os.umask(old)
    assert {f: oct(os.stat(tmp_path / f).st_mode & 0o777) for f in FILES} == \
        {f: oct(0o666 & ~umask) for f in FILES}


@pytest.mark.parametrize("where", ["runs/verl", "/data/my runs/de"])
def test_launch_command(where):
    single = launch_command(where)
    assert shlex.split(single)[:3] == ["cd", where, "&&"]
    assert shlex.split(single)[3:] == ["python3", "-m", "verl.trainer.main_ppo", "--config-dir=.",
                                       f"--config-name={CONFIG_NAME}"]
    ray = shlex.split(launch_command(where, nodes=4))
    assert ray[:5] == ["ray", "job", "submit", "--working-dir", where] and ray[5] == "--"
    assert ray[6:] == shlex.split(single)[3:]


def test_cli_prints_the_launch_command_last(tmp_path):
    from typer.testing import CliRunner

    from xling.cli_train import export_app  # `xling export`

    out = tmp_path / "cli"
    result = CliRunner().invoke(export_app, ["verl", "--pool", "sandbox", "--langs", "en,de", "--design", "parallel",
                                      "--n", "30", "--gpus", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last == launch_command(out) and "\n" not in last
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert config_of(out)["trainer"]["n_gpus_per_node"] == 4


@pytest.mark.parametrize("command", [["export", "verl"], ["train", "grpo", "--model", "m"],
                                     ["train", "sft", "--model", "m"]])
def test_think_prefill_is_refused_for_training_not_replaced(tmp_path, command):
    """think-prefill opens the thinking block at evaluation; a training prompt cannot carry it
    (verl's prompts are chat messages): refused in one line, never silently the consistency prompt."""
    r = subprocess.run([sys.executable, "-m", "xling.cli", *command, "--pool", "sandbox", "--langs",
                        "en", "--prompt-style", "think-prefill", "--out", str(tmp_path / "x")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        "error: prompt_style think-prefill opens the model's thinking block, which only evaluation "
        "does (xling eval, a study's eval.prompt_style); a training prompt takes standard, english, "
        "consistency (consistency is the same instruction without the opened block)")
    assert not (tmp_path / "x").exists()


def test_export_refuses_bad_input(tmp_path):
    with pytest.raises(XlingError, match="no examples"):
        export_verl([], tmp_path)
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=4)
    with pytest.raises(XlingError, match="val_fraction"):
        export_verl(examples, tmp_path, val_fraction=1.0)
    with pytest.raises(XlingError, match="unknown reward"):
        export_verl(examples, tmp_path, _bad_reward())
    with pytest.raises(XlingError, match="storage all nodes share"):
        export_verl(examples, tmp_path, gpus=8, nodes=2)  # relative checkpoints on several nodes
    with pytest.raises(XlingError, match="rollout_tp"):
        export_verl(examples, tmp_path, gpus=4, rollout_tp=3)
    with pytest.raises(XlingError, match="trl fields"):
        export_verl(examples, tmp_path, GRPOConfig(trl={"beta": 0.1}))
    with pytest.raises(XlingError, match="combined weights"):
        export_verl(examples, tmp_path, GRPOConfig(reward="combined", reward_weights=[0.7, 0.3]))
    with pytest.raises(XlingError, match="cannot fill one rollout step"):
        export_verl(examples, tmp_path, gpus=8, nodes=2, checkpoint_dir="/shared/ck",
                    cfg=GRPOConfig(num_generations=2), val_fraction=0)  # 4 prompts x 2 < 16 GPUs
    with pytest.raises(XlingError, match="holds out none.*at least 0.25.*or pass 0"):
        export_verl(examples, tmp_path, val_fraction=0.05)  # 5% of 4 problems rounds to none
    with pytest.raises(XlingError, match="not found"):
        merge_verl_checkpoint(tmp_path / "nothing-here")


def _bad_reward() -> GRPOConfig:
    cfg = GRPOConfig()
    cfg.reward = "length"  # bypass __post_init__: the export checks again
    return cfg


# ----- verl's own code on the export (needs verl) -------------------------------------------


def compose_printed_command(done, extra: str = "--cfg job") -> dict:
    """Run the printed launch line with ``--cfg job`` (Hydra composes, prints, and exits)."""
    from omegaconf import OmegaConf

    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-c", f"{done.launch} {extra}"], capture_output=True, text=True,
                         env=env, cwd=done.out.parent, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return OmegaConf.create(run.stdout)


def validate(config) -> None:
    """verl's own config validation, as main_ppo runs it before starting Ray."""
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    validate_config(config, use_reference_policy=need_reference_policy(config),
                    use_critic=need_critic(config))


@pytest.fixture(scope="module")
def composed(exported):
    return compose_printed_command(exported[2])


@needs_verl
def test_printed_command_composes_and_validates_with_verl(exported, composed):
    _, out, done = exported
    assert composed.reward.custom_reward_function.path == REWARD_FILE
    assert composed.reward.custom_reward_function.name == "compute_score_combined"
    assert composed.data.train_batch_size == done.batch.train_batch
    assert composed.actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu == done.batch.micro_per_gpu
    assert composed.trainer.n_gpus_per_node == 2 and composed.critic.enable is not True
    assert composed.actor_rollout_ref.actor.optim.lr == PAPER_PRESET["learning_rate"]
    validate(composed)
    broken = composed.copy()
    broken.actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu = None
    with pytest.raises(ValueError, match="log_prob_micro_batch_size"):
        validate(broken)  # validation is real: the old export (no micro-batch sizes) failed here


@needs_verl
@pytest.mark.parametrize("gpus,nodes,tp", [(1, 1, 1), (8, 1, 2), (8, 4, 4)])
def test_other_cluster_shapes_compose_and_validate(tmp_path, gpus, nodes, tp):
    from hydra import compose, initialize_config_dir

    examples = select(load_pool("mgsm8k", "en,de,fr"), ["en", "de", "fr"], "mixed", n=600)
    export_verl(examples, tmp_path, combined(), gpus=gpus, nodes=nodes, rollout_tp=tp,
                checkpoint_dir="/shared/ck")
    with initialize_config_dir(config_dir=str(tmp_path), version_base=None):
        config = compose(config_name=CONFIG_NAME)  # the file's own hydra.searchpath finds verl
    assert config.trainer.nnodes == nodes and config.actor_rollout_ref.rollout.tensor_model_parallel_size == tp
    validate(config)


@needs_verl
@pytest.mark.parametrize("pool,langs,design,n", [
    ("sandbox", "en,zh,de", "parallel", 20), ("mgsm8k", "en,de,ja", "mixed", 60),
    ("gsm8k", "en", "single", 40),
])
def test_verls_dataset_loads_every_row(tiny_model, tmp_path, pool, langs, design, n):
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl.utils.dataset.rl_dataset import RLHFDataset

    codes = langs.split(",")
    done = export_verl(select(load_pool(pool, codes), codes, design, n=n), tmp_path, val_fraction=0.1)
    config = OmegaConf.create({**config_of(tmp_path)["data"], "filter_overlong_prompts": True,
                               "cache_dir": str(tmp_path / "cache")})
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    for path, n_rows in ((done.train, done.n_train), (done.val, done.n_val)):
        dataset = RLHFDataset(str(path), tokenizer, config)
        assert len(dataset) == n_rows  # nothing dropped by verl's filters
        items, rows = [dataset[i] for i in range(len(dataset))], read_parquet(path)
        assert [i["extra_info"]["id"] for i in items] == [r["extra_info"]["id"] for r in rows]
        assert [i["raw_prompt"] for i in items] == [r["prompt"] for r in rows]
        assert {i["extra_info"]["lang"] for i in items} <= set(codes)
        assert all(i["reward_model"]["ground_truth"] == r["reward_model"]["ground_truth"]
                   for i, r in zip(items, rows, strict=True))


@needs_verl
@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
def test_verls_agent_loop_renders_the_prompt_trl_trains_on(sandbox_base, tmp_path, chat):
    """The same experiment on both engines: verl's rollout (its model config with the export's
    chat template, its dataset's raw prompt, its agent loop's token builder) starts from the
    token ids TRL's GRPOTrainer gives the same row: a plain prompt tokenized as it is, or the
    model's chat template (tests/test_same_experiment.py compares the rest of the rows)."""
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl.utils.dataset.rl_dataset import RLHFDataset
    from verl.utils.tokenizer.continuous_token_wiring import create_continuous_token_builder
    from verl.workers.config.model import HFModelConfig

    from xling.train.grpo import grpo_row

    examples = select(load_pool("sandbox", "de,zh"), ["de", "zh"], "parallel", n=3)
    cfg = GRPOConfig(chat=chat, prompt_style="consistency")
    done = export_verl(examples, tmp_path, cfg, val_fraction=0.0, model=str(sandbox_base))
    config = config_of(tmp_path)
    model = HFModelConfig(path=str(sandbox_base), custom_chat_template=config["actor_rollout_ref"]
                          ["model"].get("custom_chat_template"))
    builder = create_continuous_token_builder(model.tokenizer, hf_model_type=model.hf_config.model_type)
    dataset = RLHFDataset(str(done.train), model.tokenizer, OmegaConf.create(
        {**config["data"], "cache_dir": str(tmp_path / "cache")}))
    tokenizer = AutoTokenizer.from_pretrained(sandbox_base)
    for i, e in enumerate(examples):
        prompt = grpo_row(e, cfg.prompt_style, cfg.chat)["prompt"]  # what TRL trains on
        trl_ids = (tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True,
                                                 return_dict=True)["input_ids"] if chat
                   else tokenizer(text=[prompt])["input_ids"][0])
        assert builder.build_initial_tokens(dataset[i]["raw_prompt"]) == trl_ids, e.id


@needs_verl
def test_verls_reward_loader_and_manager_score_like_xling(exported, composed, tiny_model, monkeypatch):
    import numpy as np
    import torch
    from transformers import AutoTokenizer
    from verl import DataProto
    from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager

    from xling.train.rewards import combined_reward

    examples, out, done = exported
    monkeypatch.chdir(out)  # the launch directory: the reward path is relative to it
    assert get_custom_reward_fn(composed) is not None
    manager = load_reward_manager(composed, AutoTokenizer.from_pretrained(tiny_model))
    assert type(manager).__name__ == "NaiveRewardManager"
    tokenizer = manager.tokenizer
    by_id = {e.id: e for e in examples}
    row = next(r for r in read_parquet(done.train) if r["extra_info"]["lang"] == "de")
    question = by_id[row["extra_info"]["id"]]
    english = next(e for e in examples if e.parallel_id == question.parallel_id and e.lang == "en")
    completions = {"correct": question.solution, "wrong": "Also ist das Ergebnis \\boxed{-12345}.",
                   "wrong-language": english.solution, "empty": ""}
    scores = {}
    for kind, text in completions.items():
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
        width = max(64, len(ids))  # a right-padded response, as the rollout returns it
        responses = torch.tensor([ids + [tokenizer.pad_token_id or 0] * (width - len(ids))])
        mask = torch.tensor([[1] * 4 + [1] * len(ids) + [0] * (width - len(ids))])  # 4 prompt tokens
        data = DataProto.from_dict(
            tensors={"prompts": torch.ones(1, 4, dtype=torch.long), "responses": responses,
                     "attention_mask": mask},
            non_tensors={k: np.array([row[k]], dtype=object) for k in ("data_source", "reward_model")}
            | {"extra_info": np.array([dict(row["extra_info"])], dtype=object)})
        scores[kind] = manager.loop.run_until_complete(manager.run_single(data))["reward_score"]
        assert scores[kind] == pytest.approx(combined_reward([text], [question.answer], ["de"])[0])
    # combined = 0.5 * accuracy + 0.5 * share of German: each case loses what it should
    assert scores["correct"] > scores["wrong-language"] >= 0.5 >= scores["wrong"]
    assert scores["correct"] > scores["wrong"] > 0.0  # a wrong answer in German keeps consistency
    assert scores["empty"] == 0.0


VERL_CKPT_WRITER = """
import json, os, sys, torch, torch.distributed as dist, torch.multiprocessing as mp
from pathlib import Path

def worker(rank, world, model_dir, actor, port):
    # What verl's FSDP checkpoint manager writes per rank: the FSDP2-sharded state dict (DTensors
    # on an 'fsdp' mesh) as model_world_size_{W}_rank_{r}.pt; rank 0 adds huggingface/ and
    # fsdp_config.json.
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    mesh = init_device_mesh("cpu", (world,), mesh_dim_names=("fsdp",))
    for layer in model.model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    torch.save(model.state_dict(), Path(actor) / f"model_world_size_{world}_rank_{rank}.pt")
    if rank == 0:
        model.config.save_pretrained(Path(actor) / "huggingface")
        AutoTokenizer.from_pretrained(model_dir).save_pretrained(Path(actor) / "huggingface")
        (Path(actor) / "fsdp_config.json").write_text(json.dumps({"FSDP_version": 2, "world_size": world}))
    dist.barrier()
    dist.destroy_process_group()

if __name__ == "__main__":
    mp.spawn(worker, args=(2, *sys.argv[1:]), nprocs=2)
"""


def write_verl_checkpoint(model: str | Path, actor: Path, tmp_path: Path) -> None:
    """Write ``model`` as verl's 2-rank FSDP actor checkpoint into ``actor`` (real torch
    processes on gloo: ``VERL_CKPT_WRITER``)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    (tmp_path / "writer.py").write_text(VERL_CKPT_WRITER)
    run = subprocess.run([sys.executable, str(tmp_path / "writer.py"), str(model), str(actor), port],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-3000:]


@needs_verl
def test_verl_checkpoint_comes_back_as_the_model_xling_evaluates(exported, tiny_model, tmp_path):

    import torch
    from transformers import AutoModelForCausalLM

    _, out, _ = exported
    export = shutil.copytree(out, tmp_path / "run")
    root = export / "checkpoints"
    actor = root / "global_step_7" / "actor"
    actor.mkdir(parents=True)
    write_verl_checkpoint(tiny_model, actor, tmp_path)
    with pytest.raises(XlingError, match="no finished verl checkpoint"):
        merge_verl_checkpoint(export)  # no tracker file yet: the run has not finished a save
    (root / "latest_checkpointed_iteration.txt").write_text("7")  # verl writes it last
    merged = merge_verl_checkpoint(export)
    assert merged == export / "checkpoint"
    base = AutoModelForCausalLM.from_pretrained(tiny_model).state_dict()
    back = AutoModelForCausalLM.from_pretrained(merged).state_dict()
    assert set(back) == set(base)
    for key, tensor in base.items():  # verl's merger writes bf16
        assert torch.equal(back[key], tensor.to(back[key].dtype)), key


# ----- accelerate (one node, TRL) ----------------------------------------------------------


@pytest.mark.parametrize("gpus,stage,kind", [(1, None, "NO"), (8, None, "MULTI_GPU"), (4, 3, "DEEPSPEED")])
def test_accelerate_config_by_construction(tmp_path, gpus, stage, kind):
    from accelerate.commands.config.config_args import ClusterConfig

    path = write_accelerate_config(tmp_path / "acc.yaml", gpus, deepspeed_stage=stage)
    config = ClusterConfig.from_yaml_file(str(path))  # accelerate's own parser accepts it
    assert config.num_processes == gpus and config.distributed_type.value == kind
    assert config.mixed_precision == "bf16"
    if stage:
        assert config.deepspeed_config["zero_stage"] == 3


@pytest.mark.parametrize("kwargs,match", [
    ({"num_gpus": 0}, "num_gpus"), ({"num_gpus": 2, "mixed_precision": "fp8"}, "mixed_precision"),
    ({"num_gpus": 2, "deepspeed_stage": 4}, "deepspeed_stage"),
])
def test_accelerate_config_refuses_bad_values(kwargs, match):
    with pytest.raises(XlingError, match=match):
        accelerate_config(**kwargs)


def test_no_validation_split_turns_verl_validation_off(tmp_path):
    """val_fraction 0: verl still needs a non-empty val file (it asserts one), so val.parquet
    holds one row marked placeholder, and validation is off so verl never scores it."""
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=8)
    done = export_verl(examples, tmp_path, val_fraction=0.0)
    assert (done.n_train, done.n_val) == (8, 0)
    [row] = read_parquet(done.val)
    assert row["extra_info"]["split"] == "placeholder"
    trainer = config_of(tmp_path)["trainer"]
    assert trainer["test_freq"] == -1 and trainer["val_before_train"] is False
    held = export_verl(examples, tmp_path / "held", val_fraction=0.25)  # 2 of 8 problems
    assert held.n_val == 2 and len(read_parquet(held.val)) == 2
    trainer = config_of(tmp_path / "held")["trainer"]
    assert trainer["test_freq"] == GRPOConfig().save_steps and "val_before_train" not in trainer


def test_study_a_settings_come_from_the_grpo_preset_alone(monkeypatch, tmp_path):
    """Change PAPER_PRESET and the verl export follows (no second copy of study A's numbers)."""
    from xling.train import grpo

    monkeypatch.setattr(grpo, "PAPER_PRESET", {
        "learning_rate": 3e-6, "temperature": 0.7, "beta": 0.02, "num_train_epochs": 5,
        "num_generations": 4, "max_completion_length": 321})
    monkeypatch.setattr(grpo, "PAPER_ROLLOUT_BATCH", 6)
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=8)
    export_verl(examples, tmp_path, GRPOConfig(preset="paper"), val_fraction=0.0)
    config = config_of(tmp_path)
    actor, rollout = config["actor_rollout_ref"]["actor"], config["actor_rollout_ref"]["rollout"]
    assert actor["optim"]["lr"] == 3e-6 and actor["kl_loss_coef"] == 0.02
    assert rollout["temperature"] == 0.7 and rollout["n"] == 4
    assert config["trainer"]["total_epochs"] == 5
    assert config["data"]["max_response_length"] == 321 and config["data"]["train_batch_size"] == 6
    trl = grpo.trl_fields(GRPOConfig(preset="paper", per_device_batch=4), world_size=1)
    assert (trl["learning_rate"], trl["num_generations"], trl["gradient_accumulation_steps"]) == \
        (3e-6, 4, 6)


def _card_pool(tmp_path, scorer, rows, fields):
    import json

    import yaml

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(
        {"name": f"pool-{scorer}", "files": {"en": "en.jsonl"}, "fields": fields, "scorer": scorer}))
    return load_pool(tmp_path, ["en"])


def _reward_module(path: Path):
    """The exported reward file, imported the way verl loads it (by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("exported_xling_reward", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("hook", ["compute_score", "compute_score_combined"])
def test_exported_reward_scores_choice_and_ifeval_rows_by_their_scorer(tmp_path, hook):
    """Each parquet row's extra_info carries its scorer kind, and the exported reward file's
    hooks (called as verl calls them, with the row read back from parquet) score a choice row
    by its letter and an IFEval row by its instructions, not as math."""
    choice = _card_pool(tmp_path / "choice", "choice", [
        {"id": f"q{i}", "q": "Which is a colour?", "options": ["stone", "blue", "seven"], "gold": "B"}
        for i in range(2)], {"id": "id", "question": "q", "choices": "options", "answer": "gold"})
    ifeval = _card_pool(tmp_path / "ifeval", "ifeval", [
        {"key": i, "prompt": "Write about cats in lowercase letters only.",
         "instruction_id_list": ["change_case:english_lowercase"], "kwargs": [{}]}
        for i in range(2)], {"id": "key", "question": "prompt",
                             "instruction_id_list": "instruction_id_list", "kwargs": "kwargs"})
    reward = None
    rows = {}
    for kind, examples in (("choice", choice), ("ifeval", ifeval)):
        done = export_verl(examples, tmp_path / f"out-{kind}", GRPOConfig(reward="combined"),
                           val_fraction=0.0)
        reward = getattr(_reward_module(done.reward), hook)
        rows[kind] = read_parquet(done.train)[0]
        assert rows[kind]["ability"] == kind and rows[kind]["extra_info"]["scorer"] == kind

    def score(row, text):
        return reward(row["data_source"], text, row["reward_model"]["ground_truth"], row["extra_info"])

    assert "B. blue" in rows["choice"]["prompt"][0]["content"]
    assert rows["ifeval"]["prompt"][0]["content"] == "Write about cats in lowercase letters only."
    from xling.scoring.language import language_share

    def expected(acc, text):  # combined: 0.5 acc + 0.5 consistency (study A)
        return acc if hook == "compute_score" else 0.5 * acc + 0.5 * language_share(text, "en")

    for kind, text, acc in (("choice", "The answer is (B).", 1.0), ("choice", "The answer is (C).", 0.0),
                            ("ifeval", "cats are small and soft animals.", 1.0),
                            ("ifeval", "Cats Are Small And Soft Animals.", 0.0)):
        assert score(rows[kind], text) == expected(acc, text), (kind, text)
