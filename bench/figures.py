"""Figures: every built-in exercise's figure rendered cold, and the largest one's size.

Run: .venv/bin/python -m bench.figures
Budgets (README): all figures (moving and still) rendered cold in under 1,000 ms; every
figure at most 6 KB uncompressed. Also the start thumbnails of lists (Today, the builder):
each a file a phone downloads on its first visit, so their gzipped size is reported too.
"""

from __future__ import annotations

import gzip
import json
import time

from webapp import figures
from webapp.figures import poses as pose_data
from webapp.services import library

RENDER_BUDGET_MS = 1000
SIZE_BUDGET_KB = 6.0


def main() -> dict[str, float | int | str]:
    """Render every figure from cold caches and report the time and the sizes."""
    holds = {e["slug"]: e["dose"]["hold_seconds"] for e in library.builtin_exercises()}
    pose_data.builtin_poses.cache_clear()
    pose_data._view.cache_clear()
    figures.clear_cache()

    started = time.perf_counter()
    rendered = {}
    for slug, hold in holds.items():
        figure = figures.exercise_figure(slug, hold_seconds=hold)
        if figure is not None:
            rendered[slug] = figure
    elapsed_ms = (time.perf_counter() - started) * 1000

    sizes = {
        (slug, kind): len(svg.encode())
        for slug, figure in rendered.items()
        for kind, svg in (("moving", figure.moving), ("still", figure.still))
    }
    (big_slug, big_kind), biggest = max(sizes.items(), key=lambda item: item[1])
    big_svg = getattr(rendered[big_slug], big_kind)
    result: dict[str, float | int | str] = {
        "render_all_ms": round(elapsed_ms, 1),
        "figures": len(rendered),
        "svgs": len(sizes),
        "max_figure_kb": round(biggest / 1024, 2),
        "max_figure": f"{big_slug} ({big_kind})",
        "max_figure_gzip_kb": round(len(gzip.compress(big_svg.encode())) / 1024, 2),
        "mean_figure_kb": round(sum(sizes.values()) / len(sizes) / 1024, 2),
    }
    print(
        f"{len(rendered)} exercise figures, {len(sizes)} SVGs (moving and still), rendered "
        f"cold (pose files read, nothing cached) in {elapsed_ms:.0f} ms "
        f"(budget {RENDER_BUDGET_MS} ms)"
    )
    print(
        f"largest: {big_slug} ({big_kind}) {biggest / 1024:.2f} KB "
        f"({result['max_figure_gzip_kb']} KB gzipped; budget {SIZE_BUDGET_KB} KB); "
        f"mean {result['mean_figure_kb']} KB"
    )
    result.update(_thumbnails(holds))
    print(
        f"thumbnails: {result['thumbnails']} in {result['render_thumbnails_ms']} ms; largest "
        f"{result['max_thumbnail_gzip_kb']} KB gzipped, mean {result['mean_thumbnail_gzip_kb']} KB"
    )
    print(json.dumps(result), flush=True)
    return result


def _thumbnails(slugs: dict[str, int]) -> dict[str, float | int]:
    """Render every start thumbnail (poses already read) and report time and sizes."""
    started = time.perf_counter()
    thumbs = [t for slug in slugs if (t := figures.exercise_thumbnail(slug)) is not None]
    elapsed_ms = (time.perf_counter() - started) * 1000
    zipped = [len(gzip.compress(t.svg.encode(), compresslevel=9)) for t in thumbs]
    return {
        "thumbnails": len(thumbs),
        "render_thumbnails_ms": round(elapsed_ms, 1),
        "max_thumbnail_gzip_kb": round(max(zipped) / 1024, 2),
        "mean_thumbnail_gzip_kb": round(sum(zipped) / len(zipped) / 1024, 2),
    }


if __name__ == "__main__":
    main()
