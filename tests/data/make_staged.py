"""Cut ``tests/data/staged/`` from the staged data: the first rows of each redistributable file,
in exactly the staged layout, so the tests run on a fresh clone without ``../shared``.

Only benchmarks whose licence allows redistribution (``tests/data/README.md`` lists each with its
source and licence); never MMATH (no licence declared), MGSM8KInstruct's question files (their
repository declares none), GPQA (its authors ask that it never be published in plain text), nor
real model outputs other than M-IFEval's (Apache-2.0). Rerun after a change to the staged data:

    python tests/data/make_staged.py [--from ../shared/data]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "staged"
LANGS = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te")
ROWS = 8
"""Rows kept per file (per language, and per level for PolyMath) unless said otherwise."""
MIFEVAL_KEYS = {"en": {1092, 2266}, "es": {3, 10, 11, 16, 43, 44}, "fr": {71, 231},
                "ja": {13, 40, 77, 93, 146}}
"""M-IFEval prompts the tests name by key (kept besides the first rows, in file order)."""
REAL_OUTPUT_IDS = {"m-ifeval-fr-007", "m-ifeval-fr-011", "m-ifeval-ja-003"}
"""Real M-IFEval outputs the tests name by id (kept besides the first 4 per language)."""


def head_lines(src: Path, dst: Path, n: int = ROWS) -> None:
    """The first ``n`` lines of a text file (one record per line: TSV, JSONL), bytes unchanged."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fh:
        lines = [fh.readline() for _ in range(n)]
    dst.write_bytes(b"".join(lines))


def copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def head_parquet(table: pa.Table, dst: Path, n: int) -> None:
    """The first ``n`` rows, same columns and schema metadata (no column statistics: small)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.slice(0, n), dst, write_statistics=False)


def build(root: Path) -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    # MGSM (CC BY 4.0): 11 TSVs (12 lines: 10 of them keep their numbers in de and zh, which the
    # translation tests need) + exemplars + licence
    for lang in LANGS:
        head_lines(root / "mgsm" / f"mgsm_{lang}.tsv", OUT / "mgsm" / f"mgsm_{lang}.tsv", 12)
    for name in ("exemplars.json", "LICENSE"):
        copy(root / "mgsm" / name, OUT / "mgsm" / name)
    # GSM8K (MIT)
    for name in ("train.jsonl", "test.jsonl"):
        head_lines(root / "gsm8k" / name, OUT / "gsm8k" / name, 12)
    copy(root / "gsm8k" / "LICENSE", OUT / "gsm8k" / "LICENSE")
    # PolyMath (Apache-2.0): 3 rows per level and language
    for lang in LANGS:
        for level in ("low", "medium", "high", "top"):
            head_parquet(pq.read_table(root / "polymath" / lang / f"{level}.parquet"),
                         OUT / "polymath" / lang / f"{level}.parquet", 3)
    # M-IFEval (Apache-2.0)
    for lang in ("en", "es", "fr", "ja"):
        lines = (root / "m-ifeval" / f"{lang}_input_data.jsonl").read_bytes().splitlines(True)
        kept = [line for i, line in enumerate(lines)
                if i < ROWS or json.loads(line)["key"] in MIFEVAL_KEYS[lang]]
        (OUT / "m-ifeval").mkdir(parents=True, exist_ok=True)
        (OUT / "m-ifeval" / f"{lang}_input_data.jsonl").write_bytes(b"".join(kept))
    copy(root / "m-ifeval" / "LICENSE.txt", OUT / "m-ifeval" / "LICENSE.txt")
    # mLogiQA (P-MMEval, Apache-2.0; BenchWeaver's repack, CC0): the zip with one parquet inside
    for lang in ("en", "zh"):
        with zipfile.ZipFile(root / "mlogiqa" / lang / "mlogiqa.zip") as zf:
            inner = next(n for n in zf.namelist() if n.endswith(".parquet"))
            table = pq.read_table(io.BytesIO(zf.read(inner)))
        buf = io.BytesIO()
        pq.write_table(table.slice(0, ROWS), buf, write_statistics=False)
        dst = OUT / "mlogiqa" / lang / "mlogiqa.zip"
        dst.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(inner, buf.getvalue())
    copy(root / "mlogiqa" / "LICENSE.BenchWeaver-CC0", OUT / "mlogiqa" / "LICENSE.BenchWeaver-CC0")
    # MMLU-ProX-Lite (MIT per its card): TSVs (one record per line) and the English arrow rows
    for lang in LANGS[:10]:
        for split in ("test", "validation"):
            head_lines(root / "mmlu-prox-lite" / lang / f"{split}.tsv",
                       OUT / "mmlu-prox-lite" / lang / f"{split}.tsv", 5)
    arrow = root / "mmlu-prox-lite" / "en-arrow-jphme"
    with pa.memory_map(str(arrow / "data-00000-of-00001.arrow")) as src:
        table = pa.ipc.open_stream(src).read_all()
    dst = OUT / "mmlu-prox-lite" / "en-arrow-jphme" / "data-00000-of-00001.arrow"
    dst.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(dst), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.slice(0, 5))  # as many as en/test.tsv: the loader aligns them
    for name in ("dataset_info.json", "state.json"):
        copy(arrow / name, dst.parent / name)
    # MATH-500 (MIT; AReaL Apache-2.0), AIME 2024 / 2025 (AReaL Apache-2.0)
    for folder, n in (("math500-en", ROWS), ("aime2024-en", 5), ("aime2025-en", ROWS)):
        head_lines(root / folder / "test.jsonl", OUT / folder / "test.jsonl", n)
        for lic in (root / folder).glob("LICENSE*"):
            copy(lic, OUT / folder / lic.name)
    # Real outputs: only M-IFEval's (lightblue-tech/M-IFEval, Apache-2.0), 4 per language
    kept, per_lang = [], {}
    for line in (root / "real-outputs" / "rows.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["source_repo"] != "lightblue-tech/M-IFEval":
            continue
        if per_lang.get(row["lang"], 0) < 4 or row["id"] in REAL_OUTPUT_IDS:
            per_lang[row["lang"]] = per_lang.get(row["lang"], 0) + 1
            kept.append(line + "\n")
    (OUT / "real-outputs").mkdir(parents=True)
    (OUT / "real-outputs" / "rows.jsonl").write_text("".join(kept), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="root", type=Path,
                        default=Path(__file__).resolve().parents[3] / "shared" / "data")
    build(parser.parse_args().root)
    print(f"wrote {OUT}")
