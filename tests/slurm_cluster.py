"""A single-node SLURM cluster on localhost for tests: munged, slurmctld and slurmd started
from Debian's slurm-wlm and munge with a generated slurm.conf in a temporary folder, and
stopped by their PIDs. Job completions are recorded by jobcomp/filetxt (no slurmdbd needed).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

DAEMONS = ("/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd")
CONTROLLER_PORT = 16817  # away from the default 6817, so a host cluster is never touched
NODE_PORT = 16818


def available() -> str | None:
    """None when the cluster can be started here, else the reason it cannot."""
    missing = [d for d in DAEMONS if not Path(d).exists()]
    if missing:
        return f"{', '.join(missing)} not installed (make test installs slurm-wlm and munge)"
    if os.geteuid() != 0:
        return "slurmd must run as root to launch jobs"
    return None


def machine_size() -> tuple[int, int]:
    """(CPUs, RealMemory in MB) of this machine as slurmd itself detects them (slurmd -C)."""
    found = subprocess.run([DAEMONS[2], "-C"], capture_output=True, text=True, check=True).stdout
    fields = dict(f.split("=", 1) for f in found.split() if "=" in f)
    return int(fields["CPUs"]), int(fields["RealMemory"])


def slurm_conf(root: Path, cpus: int, memory_mb: int) -> str:
    """slurm.conf of a one-node cluster (node = this host, partition ``test``)."""
    host = socket.gethostname()
    return f"""ClusterName=stereosarc-test
SlurmctldHost={host}
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
SlurmctldPort={CONTROLLER_PORT}
SlurmdPort={NODE_PORT}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/filetxt
JobCompLoc={root}/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise TimeoutError(f"SLURM test cluster: {what} not ready after {timeout:.0f} s")


def _node_idle(env: dict) -> bool:
    result = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() in {"idle", "mix"}


@contextmanager
def cluster(root: Path):
    """Start munged, slurmctld and slurmd under ``root`` with a slurm.conf sized to this
    machine (slurmd -C); yield the environment to use."""
    cpus, memory_mb = machine_size()
    for sub in ("munge", "state", "spool", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "munge").chmod(0o700)
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    conf = root / "slurm.conf"
    conf.write_text(slurm_conf(root, cpus, memory_mb))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    pid_files = [root / "munge" / "munged.pid", root / "slurmctld.pid", root / "slurmd.pid"]
    try:
        subprocess.run(
            [
                DAEMONS[0],
                f"--key-file={key}",
                f"--socket={root}/munge/munge.socket",
                f"--pid-file={pid_files[0]}",
                f"--log-file={root}/munge/munged.log",
                f"--seed-file={root}/munge/seed",
                "--force",
            ],
            check=True,
        )
        subprocess.run([DAEMONS[1], "-f", str(conf)], check=True, env=env)
        subprocess.run([DAEMONS[2], "-f", str(conf)], check=True, env=env)
        _wait_for(lambda: _node_idle(env), 60, "node")
        yield env
    finally:
        for pid_file in reversed(pid_files):
            _stop(pid_file)


def _stop(pid_file: Path) -> None:
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return
        except (ProcessLookupError, FileNotFoundError):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def completed_jobs(root: Path) -> list[dict]:
    """Job completion records (jobcomp/filetxt), one dict of key=value fields per job."""
    log = root / "log" / "jobcomp.txt"
    if not log.exists():
        return []
    return [
        dict(field.split("=", 1) for field in line.split() if "=" in field)
        for line in log.read_text().splitlines()
        if line.strip()
    ]


def which_missing() -> list[str]:
    return [tool for tool in ("sbatch", "squeue", "sinfo") if shutil.which(tool) is None]
