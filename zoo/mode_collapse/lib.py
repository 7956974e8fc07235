"""The flag-free library behind ``zoo/mode_collapse/benchmark.py``.

For every (mixture, variant, seed) it builds the preset ``mixture_<variant>`` with
``presets.build``, compiles it with the preset's optimizers, trains it with ``fit`` on a
stream of fresh mixture samples (``keras_gans.data.mixtures.load``), draws ``num_samples``
points and measures mode coverage (``keras_gans.metrics.modes.mode_coverage``). It then
writes ``results.md`` (a table: mean ± sample std over seeds), ``results.json`` (every run
plus the summary) and ``scatter_<mixture>.png`` (seed-0 samples of every variant over the
mode centres) into the output directory.
"""

import dataclasses
import json
import math
import os
import time
from typing import Sequence

import keras
import numpy as np
from PIL import Image, ImageDraw

from keras_gans import presets
from keras_gans.data import mixtures
from keras_gans.metrics.modes import mode_coverage

DEFAULT_VARIANTS = ("gan", "gan_ns", "lsgan", "hinge", "wgan_gp", "dragan", "r1")


def preset_name(variant):
    """``"wgan_gp"`` -> ``"mixture_wgan_gp"``; full preset names pass through."""
    name = variant if variant.startswith("mixture_") else f"mixture_{variant}"
    if name not in presets.PRESETS:
        known = sorted(p[len("mixture_"):] for p in presets.PRESETS if p.startswith("mixture_"))
        raise ValueError(f"Unknown mixture variant {variant!r}; available: {known}.")
    return name


@dataclasses.dataclass
class BenchmarkConfig:
    """Everything one benchmark run needs.

    Attributes:
        output_dir: where results.md, results.json and the PNGs go.
        mixtures: mixture names (``keras_gans.data.mixtures.MIXTURES``).
        variants: variant names (preset ``mixture_<variant>``).
        seeds: number of seeds per (mixture, variant): seeds 0..seeds-1.
        steps: generator updates per run (each one follows ``n_critic`` critic updates).
        num_samples: generated points per evaluation (2,500 in VEEGAN / PacGAN).
        threshold: high-quality radius in standard deviations.
        min_count: high-quality samples a mode needs to count as covered.
        steps_per_execution: train steps per ``tf.function`` call.
        jit_variants: variants whose train step is compiled with XLA (``jit_compile``); on
            2 CPU cores this halved WGAN-GP's step time (5 critic steps with a penalty) and
            slowed the others.
        verbose: 0 silent, 1 one line per run.
    """

    output_dir: str
    mixtures: Sequence[str] = ("ring8", "grid25")
    variants: Sequence[str] = DEFAULT_VARIANTS
    seeds: int = 3
    steps: int = 2000
    num_samples: int = 2500
    threshold: float = 3.0
    min_count: int = 1
    steps_per_execution: int = 100
    jit_variants: Sequence[str] = ("wgan_gp",)
    verbose: int = 1

    def validate(self):
        if not self.output_dir:
            raise ValueError("output_dir must be a non-empty path.")
        if not self.mixtures or not self.variants:
            raise ValueError("Give at least one mixture and one variant.")
        for name in self.mixtures:
            mixtures.get(name)
        for variant in self.variants:
            preset_name(variant)
        for name in ("seeds", "steps", "num_samples", "min_count", "steps_per_execution"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; received {value!r}.")
        if not self.threshold > 0:
            raise ValueError(f"threshold must be positive; received {self.threshold!r}.")
        return self


def train_and_sample(variant, mixture, seed, steps, num_samples, steps_per_execution=100,
                     jit_compile=False):
    """Trains ``mixture_<variant>`` on ``mixture`` for ``steps`` G updates; returns
    ``(samples [num_samples, 2], info dict)``."""
    name = preset_name(variant)
    preset = presets.get(name)
    keras.utils.set_random_seed(seed)
    gan = presets.build(name, seed=seed)
    spe = max(1, min(steps_per_execution, steps))
    gan.compile(steps_per_execution=spe, jit_compile=jit_compile)
    # One train step consumes n_critic critic batches of the preset's batch size.
    data = mixtures.load(mixture, batch_size=preset["data"]["batch_size"] * gan.n_critic, seed=seed + 1)
    start = time.perf_counter()
    history = gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = time.perf_counter() - start
    samples = gan.generate(num_samples, seed=10_000 + seed)
    info = {
        "preset": name,
        "train_seconds": round(seconds, 2),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items()},
        "d_updates": int(gan.d_optimizer.iterations),
        "g_updates": int(gan.g_optimizer.iterations),
    }
    return samples, info


def mean_std(values):
    """Mean and sample standard deviation (0 for a single value) of ``values``."""
    values = np.asarray(values, dtype=np.float64)
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return float(values.mean()), std


def summarize(runs):
    """Groups per-run results by (mixture, variant): mean and sample std over seeds."""
    groups = {}
    for run in runs:
        groups.setdefault((run["mixture"], run["variant"]), []).append(run)
    summary = []
    for (mixture, variant), group in groups.items():
        modes = [r["coverage"]["modes_covered"] for r in group]
        share = [r["coverage"]["high_quality_share"] for r in group]
        modes_mean, modes_std = mean_std(modes)
        share_mean, share_std = mean_std(share)
        summary.append(
            {
                "mixture": mixture,
                "variant": variant,
                "num_modes": group[0]["coverage"]["num_modes"],
                "seeds": len(group),
                "modes_covered_mean": modes_mean,
                "modes_covered_std": modes_std,
                "modes_covered_per_seed": modes,
                "high_quality_share_mean": share_mean,
                "high_quality_share_std": share_std,
                "high_quality_share_per_seed": share,
                "train_seconds_mean": float(np.mean([r["train_seconds"] for r in group])),
            }
        )
    return summary


def markdown_table(summary, config):
    """The results as a markdown table, one block per mixture."""
    lines = [
        "# Mode-collapse benchmark",
        "",
        f"{config.steps} generator updates per run, {config.num_samples} samples per "
        f"evaluation, mean ± sample std over {config.seeds} seed(s). A sample is high quality "
        f"within {config.threshold:g} std of its nearest mode; a mode is covered with at "
        f"least {config.min_count} high-quality sample(s) (VEEGAN / PacGAN protocol).",
        "",
    ]
    for mixture in dict.fromkeys(s["mixture"] for s in summary):
        rows = [s for s in summary if s["mixture"] == mixture]
        lines += [
            f"## {mixture} ({rows[0]['num_modes']} modes)",
            "",
            "| variant | preset | modes covered | high-quality samples | modes per seed | s / run |",
            "|---|---|---|---|---|---|",
        ]
        for s in rows:
            lines.append(
                f"| {s['variant']} | mixture_{s['variant']} | "
                f"{s['modes_covered_mean']:.1f} ± {s['modes_covered_std']:.1f} / {s['num_modes']} | "
                f"{100 * s['high_quality_share_mean']:.1f} ± "
                f"{100 * s['high_quality_share_std']:.1f} % | "
                f"{', '.join(str(m) for m in s['modes_covered_per_seed'])} | "
                f"{s['train_seconds_mean']:.0f} |"
            )
        lines.append("")
    return "\n".join(lines)


def scatter_png(panels, centers, std, path, panel_size=240, extent=None):
    """Draws one panel per ``(title, points)`` pair: points (black) over mode centres (red
    circles of radius 3 std, at least 3 px) and writes a PNG with PIL.

    Args:
        panels: list of ``(title, [N, 2] points)``.
        centers: ``[K, 2]`` mode centres.
        std: the modes' std (for the 3-std circles).
        path: output PNG path.
        panel_size: pixels per square panel.
        extent: half-width of the plotted square; default 1.5 x the largest centre coordinate.
    """
    centers = np.asarray(centers, dtype=np.float64)
    if extent is None:
        extent = 1.5 * float(np.abs(centers).max())
    columns = min(4, len(panels))
    rows = int(math.ceil(len(panels) / columns))
    title_h = 16
    image = Image.new("RGB", (columns * panel_size, rows * (panel_size + title_h)), "white")
    draw = ImageDraw.Draw(image)
    scale = (panel_size - 1) / (2.0 * extent)

    def to_px(xy, left, top):
        x = left + (xy[..., 0] + extent) * scale
        y = top + (extent - xy[..., 1]) * scale  # y up
        return x, y

    for i, (title, points) in enumerate(panels):
        r, c = divmod(i, columns)
        left, top = c * panel_size, r * (panel_size + title_h) + title_h
        draw.text((left + 4, top - title_h + 2), str(title), fill="black")
        draw.rectangle([left, top, left + panel_size - 1, top + panel_size - 1], outline="gray")
        points = np.asarray(points, dtype=np.float64)
        points = points[np.all(np.isfinite(points), axis=1)]
        inside = np.all(np.abs(points) <= extent, axis=1)
        if not inside.all():
            draw.text((left + 4, top + panel_size - 14), f"{int((~inside).sum())} points outside",
                      fill="blue")
        px, py = to_px(points[inside], left, top)
        # Darken pixels by point density (a cheap alpha blend): 1 point -> light gray.
        hist = np.zeros((panel_size, panel_size), np.float64)
        np.add.at(hist, (np.clip(py.astype(int) - top, 0, panel_size - 1),
                         np.clip(px.astype(int) - left, 0, panel_size - 1)), 1.0)
        shade = (255 * np.exp(-hist / 2.0)).astype(np.uint8)
        block = np.asarray(image.crop((left, top, left + panel_size, top + panel_size))).copy()
        mask = hist > 0
        block[mask] = np.minimum(block[mask], shade[mask][:, None])
        image.paste(Image.fromarray(block), (left, top))
        draw = ImageDraw.Draw(image)
        radius = max(3.0, 3.0 * std * scale)
        cx, cy = to_px(centers, left, top)
        for x, y in zip(cx, cy):
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline="red")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.save(path)
    return path


def run(config, log=print):
    """Runs the benchmark; returns ``{"runs": [...], "summary": [...], "files": {...}}``."""
    config.validate()
    os.makedirs(config.output_dir, exist_ok=True)
    start = time.perf_counter()
    runs, files = [], {}
    for mixture in config.mixtures:
        centers, std = mixtures.mode_centers(mixture)
        panels = [("real data", mixtures.sample(mixture, config.num_samples, seed=0))]
        for variant in config.variants:
            for seed in range(config.seeds):
                samples, info = train_and_sample(
                    variant, mixture, seed, config.steps, config.num_samples,
                    config.steps_per_execution, jit_compile=variant in config.jit_variants,
                )
                coverage = mode_coverage(samples, centers, std, config.threshold, config.min_count)
                runs.append({"mixture": mixture, "variant": variant, "seed": seed,
                             "coverage": coverage.as_dict(), **info})
                if seed == 0:
                    panels.append((
                        f"{variant}: {coverage.modes_covered}/{coverage.num_modes} modes, "
                        f"{100 * coverage.high_quality_share:.0f}% hq",
                        samples,
                    ))
                if config.verbose:
                    log(f"{mixture} {variant} seed {seed}: {coverage.modes_covered}/"
                        f"{coverage.num_modes} modes, {100 * coverage.high_quality_share:.1f}% "
                        f"high quality, {info['train_seconds']:.1f} s")
        files[f"scatter_{mixture}"] = scatter_png(
            panels, centers, std, os.path.join(config.output_dir, f"scatter_{mixture}.png")
        )
    summary = summarize(runs)
    table = markdown_table(summary, config)
    files["table"] = os.path.join(config.output_dir, "results.md")
    with open(files["table"], "w") as f:
        f.write(table)
    files["json"] = os.path.join(config.output_dir, "results.json")
    with open(files["json"], "w") as f:
        json.dump({"config": dataclasses.asdict(config), "summary": summary, "runs": runs,
                   "total_seconds": round(time.perf_counter() - start, 1)}, f,
                  indent=1, default=list)
    return {"runs": runs, "summary": summary, "files": files, "table": table}
