"""The demo cluster's cast: who runs on the simulated trading desk, and how each behaves."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

# 09:30 in Shanghai on a Monday: the market has just opened.
DEMO_START = datetime(2026, 3, 2, 1, 30, 0, tzinfo=UTC)
DEMO_NODES = {"demo-trading-01": (32, 128), "demo-trading-02": (32, 128),
              "demo-gpu-01": (64, 512)}  # hostname: (CPUs, GiB of memory)
LOG_HISTORY = 2000  # lines each demo container has logged before the demo starts
CRASH_RESTARTS = 17  # restarts a crash-looping container has at the demo's start
GIB = 1024**3
MIB = 1024**2
# Every demo container runs the same command with the same environment (one secret in it).
DEMO_COMMAND = ("/app/run", "--desk", "equities")
DEMO_ENV = ("TZ=Asia/Shanghai", "DB_PASSWORD=s3cr3t-demo", "VENUE=XSHG",
            "PATH=/usr/local/bin:/usr/bin")


@dataclass(frozen=True, slots=True)
class DemoSpec:
    name: str
    image: str
    service: str = ""
    project: str = ""
    behaviour: str = "steady"  # steady, batch, feed, crashloop, unhealthy, exited
    cpu: float = 10.0  # typical CPU%
    mem: int = 256 * MIB
    mem_limit: int = 2 * GIB
    age_hours: float = 30.0
    gpus: tuple[int, ...] = ()


SPECS: tuple[DemoSpec, ...] = (
    DemoSpec("pricing.1.k3j9x2a1", "quant/pricing-engine:2.4.1", "pricing", cpu=62,
             mem=1400 * MIB, mem_limit=4 * GIB, age_hours=3.1),
    DemoSpec("pricing.2.p8d0s7q4", "quant/pricing-engine:2.4.1", "pricing", cpu=55,
             mem=1350 * MIB, mem_limit=4 * GIB, age_hours=3.1),
    DemoSpec("pricing.3.x1m2n3b4", "quant/pricing-engine:2.4.1", "pricing", cpu=58,
             mem=1380 * MIB, mem_limit=4 * GIB, age_hours=0.4),
    DemoSpec("risk-var-batch-1", "risk/var-engine:1.9.0", "var-batch", "risk", "batch",
             cpu=140, mem=6 * GIB, mem_limit=16 * GIB, age_hours=11, gpus=(1,)),
    DemoSpec("agents-llm-infer-1", "ml/infer-agent:0.7.3", "llm-infer", "agents", cpu=85,
             mem=9 * GIB, mem_limit=24 * GIB, age_hours=50, gpus=(0,)),
    DemoSpec("agents-llm-infer-2", "ml/infer-agent:0.7.3", "llm-infer", "agents", cpu=80,
             mem=9 * GIB, mem_limit=24 * GIB, age_hours=50, gpus=(1,)),
    DemoSpec("md-feed-sse", "feeds/md-gateway:5.2.0", behaviour="feed", cpu=24,
             mem=512 * MIB, mem_limit=1 * GIB, age_hours=72),
    DemoSpec("recon-worker", "ops/recon:1.4.2", "recon", "backoffice", "crashloop", cpu=3,
             mem=90 * MIB, mem_limit=512 * MIB, age_hours=0.02),
    DemoSpec("fix-gateway", "fix/gateway:3.1.4", behaviour="unhealthy", cpu=7,
             mem=300 * MIB, mem_limit=1 * GIB, age_hours=6),
    DemoSpec("ledger-db", "db/ledger-pg:15.4", "ledger", "backoffice", cpu=12,
             mem=3 * GIB, mem_limit=8 * GIB, age_hours=400),
    DemoSpec("nightly-report", "ops/report:1.2.0", behaviour="exited", cpu=0, age_hours=14),
)


def _id(name: str) -> str:
    return hashlib.sha256(f"fintui-demo:{name}".encode()).hexdigest()


def status_ago(seconds: float) -> str:
    """How long ago, as `docker ps` writes it in a status."""
    if seconds < 60:
        return f"{seconds:.0f} seconds ago"
    if seconds < 3600:
        return f"{seconds // 60:.0f} minutes ago"
    return f"{seconds // 3600:.0f} hours ago"
