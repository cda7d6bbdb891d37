"""The demo's four weeks of history, written into the history store at start (a composition
step: it joins the simulated sources and the store, which do not know each other)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from fintui.sources.demo import DEMO_START, DemoCluster, DemoGpus
from fintui.sources.demo_growth import history
from fintui.store.history import HistoryStore

_SEEDED: dict[int, HistoryStore] = {}  # seed -> a finished copy, for the next demo in this
# process (the test suite starts hundreds)


def seed_history(cluster: DemoCluster, gpus: DemoGpus, store: HistoryStore) -> None:
    """Four weeks of history ending at DEMO_START, so the Forecasts pane is full at once."""
    done = _SEEDED.get(cluster.seed)
    if done is not None and done.path.exists():
        done.copy_to(store)
        return
    disk = cluster.storage()
    storage = {("volume", v.name): float(v.size_bytes or 0) for v in disk.volumes}
    storage[("images", "all")] = float(disk.layers_size)
    storage[("build-cache", "all")] = float(sum(b.size_bytes for b in disk.build_cache))
    memory = {spec.name: (float(spec.mem), float(spec.mem_limit), spec.age_hours / 24)
              for spec in cluster.specs if spec.behaviour in ("steady", "feed", "batch")}
    cards = {f"gpu{g.index}": (float(g.mem_used_bytes or 0), float(g.mem_total_bytes or 0))
             for g in gpus.reading().gpus}
    store.record_many(history(cluster.seed, storage, memory, cards, DEMO_START))
    # Kept apart: the demo's own folder may be emptied by the next start.
    folder = Path(tempfile.mkdtemp(prefix="fintui-demo-seed-"))
    atexit.register(shutil.rmtree, folder, True)  # this process's cache only
    cache = HistoryStore(folder / "h.sqlite")
    store.copy_to(cache)
    _SEEDED[cluster.seed] = cache
