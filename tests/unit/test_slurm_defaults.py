"""SLURM defaults (conf/slurm.config) submit a 300-task run in seconds (issue 17): the rate
and queue size are read from the file and the submission time derived from them."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_TASKS = 294  # jobs of the full demo run on SLURM (issue 17)
UNIT_SECONDS = {"s": 1, "sec": 1, "min": 60, "h": 3600}


def executor_setting(name: str) -> str:
    text = (REPO / "conf" / "slurm.config").read_text()
    return re.search(rf"^\s*{name}\s*=\s*'?([\w/ ]+?)'?\s*(//|$)", text, re.M).group(1).strip()


def submission_seconds(tasks: int) -> float:
    """Seconds to submit ``tasks`` jobs at submitRateLimit 'N/[k]unit' (Nextflow syntax)."""
    count, period = executor_setting("submitRateLimit").split("/")
    amount, unit = re.fullmatch(r"(\d*)\s*([a-z]+)", period).groups()
    return tasks / int(count) * int(amount or 1) * UNIT_SECONDS[unit]


def test_a_300_task_run_is_submitted_in_seconds_and_fits_in_the_queue():
    assert submission_seconds(300) <= 30
    assert int(executor_setting("queueSize")) >= 300 > DEMO_TASKS
