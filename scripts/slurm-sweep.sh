#!/usr/bin/env bash
# Fans an exploration out over a Slurm cluster as a job array, waits for it, and merges the shards:
#
#   scripts/slurm-sweep.sh [--local-cluster] [--shards N] RESULTS_DIR CKPTSIM -- EXPLORE_ARGS...
#
# Each array task I of N runs `CKPTSIM explore EXPLORE_ARGS... --shard I/N --json` into
# RESULTS_DIR/shard-I.json (README, "Fanning a sweep out over a cluster"); then
# `CKPTSIM merge` writes RESULTS_DIR/merged.json. Exits with merge's code (0 every check held,
# 1 a check failed, 2 a shard is missing or a task failed).
#
# On a real cluster, run it where sbatch works and RESULTS_DIR and CKPTSIM are on storage every
# node sees. `--local-cluster` first brings up a private single-node cluster from Debian's
# packages (munge, slurmctld, slurmd) under RESULTS_DIR/cluster, as root, on ports of its own,
# and stops it on exit: what the ctest `cluster.slurm_sweep_equals_unsharded` runs. It exits 77
# (skip) with the reason when this machine cannot run one (packages missing, not root, a daemon
# that does not start).
set -euo pipefail

local_cluster=0
shards=4
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --local-cluster) local_cluster=1; shift ;;
    --shards) shards=$2; shift 2 ;;
    *) echo "slurm-sweep: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 3 || $3 != -- || ! $shards =~ ^[1-9][0-9]?$ ]]; then
  echo "usage: slurm-sweep.sh [--local-cluster] [--shards N (1..99)] RESULTS_DIR CKPTSIM -- EXPLORE_ARGS..." >&2
  exit 2
fi
results=$(realpath -m "$1")
ckptsim=$2  # as given: replay commands print it; tasks run in this directory
shift 3
mkdir -p "$results"
rm -f "$results"/shard-*.json "$results"/merged.json

skip() {
  echo "SKIP: $*"
  exit 77
}

# A private cluster: munged, slurmctld and slurmd with their state, logs and sockets under $1.
start_local_cluster() {
  local dir=$1 host port
  for tool in munged mungekey slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (Debian's munge, slurmctld, slurmd and slurm-client; scripts/install-deps.sh installs them)"
  done
  [[ $(id -u) -eq 0 ]] || skip "a local slurmd must run as root to start jobs"
  rm -rf "$dir" && mkdir -p "$dir"/{state,spool,log,munge}
  mungekey --create --keyfile="$dir/munge/key" || skip "mungekey cannot make a key"
  host=$(hostname -s)
  port=$((20000 + ($$ % 5000) * 2))
  cat >"$dir/slurm.conf" <<EOF
ClusterName=ckptsim
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=sweep Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  munged --force --key-file="$dir/munge/key" --socket="$dir/munge/socket" \
    --pid-file="$dir/munge/pid" --log-file="$dir/munge/log" --seed-file="$dir/munge/seed" ||
    skip "munged does not start (see $dir/munge/log)"
  slurmctld -c -f "$SLURM_CONF" || skip "slurmctld does not start (see $dir/log/slurmctld.log)"
  slurmd -f "$SLURM_CONF" || skip "slurmd does not start (see $dir/log/slurmd.log)"
  local waited=0
  until sinfo -h -o %t 2>/dev/null | grep -qx idle; do
    ((waited++ < 60)) || skip "the node never became idle (see $dir/log/)"
    sleep 0.5
  done
  echo "slurm-sweep: local cluster up (node $host, port $port, $(nproc) CPUs)"
}

stop_local_cluster() {
  local dir=$1 pid_file
  for pid_file in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/pid"; do
    [[ -s $pid_file ]] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
}

if ((local_cluster)); then
  trap 'stop_local_cluster "$results/cluster"' EXIT
  start_local_cluster "$results/cluster"
fi

# The array task: one shard, its exit 1 (failures found) left for the merge to report.
task="$results/sweep-task.sh"
{
  echo '#!/bin/sh'
  printf '%q explore' "$ckptsim"
  printf ' %q' "$@"
  printf ' --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --json > %q/shard-"$SLURM_ARRAY_TASK_ID".json\n' "$results"
  echo 'test $? -le 1'
} >"$task"
chmod +x "$task"

echo "slurm-sweep: submitting $shards array tasks"
if ! sbatch --wait --array="0-$((shards - 1))" --job-name=ckptsim-sweep \
  --output="$results/slurm-%a.out" --chdir="$PWD" "$task"; then
  echo "slurm-sweep: an array task failed (see $results/slurm-*.out)" >&2
  exit 2
fi
shard_files=()
for ((i = 0; i < shards; i++)); do shard_files+=("$results/shard-$i.json"); done
set +e
"$ckptsim" merge "${shard_files[@]}" --json >"$results/merged.json"
code=$?
set -e
echo "slurm-sweep: merged $shards shards into $results/merged.json (exit $code)"
exit "$code"
