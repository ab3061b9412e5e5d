"""Render report sections as Markdown and as one self-contained HTML file, with provenance.

Stage: report. The HTML embeds its images (base64 PNG) and styles, so it can be mailed or
attached to a paper's supplement as one file. Provenance: xling version, git commit, package
versions, hardware, the study spec, and hashes of the data files the benchmarks read.
Try:  xling study report studies/sandbox.yaml
"""

from __future__ import annotations

import base64
import html
import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from xling import __version__
from xling.data.io import atomic_write_text

PACKAGES = ("torch", "transformers", "trl", "datasets", "math-verify", "py3langid", "sacrebleu",
            "numpy", "scipy", "scikit-learn")


def provenance(
    data_files: dict[str, str] | None = None, hub_datasets: list[str] | None = None,
    hub_models: list[str] | None = None,
) -> dict[str, Any]:
    """Versions, commit, hardware and data for the report's provenance block.

    Args:
        data_files: local data files read, ``{path: first 16 hex digits of its sha256}``
            (``data.DataReads.record``, taken when they were read).
        hub_datasets: hub dataset ids read (``id@commit``, or ``id`` where the commit is
            unknown), listed as given.
        hub_models: hub models loaded (``id@commit``), listed as given.
    """
    repo = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown (not a git checkout)"
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    hardware = {"platform": platform.platform(), "python": platform.python_version(),
                "cpus": os.cpu_count()}
    try:
        import torch

        hardware["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    except ImportError:
        hardware["gpu"] = "unknown"
    return {"xling": __version__, "git_commit": commit, "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
            "packages": versions, "hardware": hardware, "data_files": dict(data_files or {}),
            "hub_datasets": list(hub_datasets or []), "hub_models": list(hub_models or [])}


def _md_to_html(md: str) -> str:
    """Markdown -> HTML with markdown-it-py: CommonMark plus GFM pipe tables.

    Raw HTML in the Markdown is escaped, not passed through (section text can quote model
    output), and a single newline inside a paragraph is a line break, as it reads in the .md.

    >>> _md_to_html("- **b** _e_ `c` <i>")
    '<ul>\\n<li><strong>b</strong> <em>e</em> <code>c</code> &lt;i&gt;</li>\\n</ul>\\n'
    """
    return _MARKDOWN.render(md)


_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}thead{background:#f3f3f3}img{max-width:100%;border:1px solid #eee}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}"""


def write_report(title: str, intro: str, sections: list, spec_text: str, prov: dict[str, Any],
                 out: Path) -> tuple[Path, Path]:
    """Write ``out/report.md`` and ``out/report.html``; returns both paths."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    md = [f"# {title}", "", intro, ""]
    body = [f"<h1>{html.escape(title)}</h1>", _md_to_html(intro)]
    for s in sections:
        md += [f"## {s.title}", "", s.markdown, ""]
        body += [f"<h2>{html.escape(s.title)}</h2>", _md_to_html(s.markdown)]
        for img in s.images:
            md += [f"![{s.title}]({Path(img).name})", ""]
            data = base64.b64encode(Path(img).read_bytes()).decode("ascii")
            body.append(f'<img alt="{html.escape(s.title)}" src="data:image/png;base64,{data}">')
    prov_text = json.dumps(prov, indent=2, ensure_ascii=False)
    md += ["## Study spec", "", "```yaml", spec_text.rstrip(), "```", "",
           "## Provenance", "", "```json", prov_text, "```", ""]
    body += ["<h2>Study spec</h2>", f"<pre>{html.escape(spec_text)}</pre>",
             "<h2>Provenance</h2>", f"<pre>{html.escape(prov_text)}</pre>"]
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
    md_path = atomic_write_text(out / "report.md", "\n".join(md))
    html_path = atomic_write_text(out / "report.html", page)
    return md_path, html_path
