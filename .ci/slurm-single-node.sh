#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm backend's tests and for trying tuneup on
# Slurm without a cluster. Needs Debian's packages (root):
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
# Everything lives under DIR (nothing in /etc, no systemd): a private munged, slurmctld and slurmd
# on 127.0.0.1, job completions in DIR/log/jobcomp.txt.
#   .ci/slurm-single-node.sh up [DIR]     starts it (a no-op when it already runs); prints SLURM_CONF=...
#   .ci/slurm-single-node.sh down [DIR]   cancels every job and stops the daemons
# Knobs: SLURM_CPUS (default 8: jobs run side by side beyond the real cores), SLURM_KILL_WAIT (5),
# SLURM_MIN_JOB_AGE (300: finished jobs stay visible to scontrol this long).
set -euo pipefail
action="${1:-up}"
dir="$(realpath -m "${2:-${SLURM_DIR:-/tmp/tuneup-slurm}}")"
conf="$dir/etc/slurm.conf"
node="$(hostname -s)"

need() {
  local missing=()
  for b in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
    command -v "$b" >/dev/null || missing+=("$b")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm-single-node: missing ${missing[*]}; run .ci/run, or as root:" >&2
    echo "  apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge" >&2
    exit 3
  fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

healthy() {
  alive "$dir/run/munged.pid" && alive "$dir/run/slurmctld.pid" && alive "$dir/run/slurmd.pid" ||
    return 1
  case "$(SLURM_CONF="$conf" timeout 5 sinfo -h -n "$node" -o %T 2>/dev/null)" in
    idle | mixed | allocated) return 0 ;;
  esac
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p="$1"
  while ! port_free "$p" || ! port_free "$((p + 1))"; do p=$((p + 10)); done
  echo "$p"
}

stop_pidfile() {
  local f="$1" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  if [ -f "$conf" ] && alive "$dir/run/slurmctld.pid"; then
    SLURM_CONF="$conf" scancel --full --signal=KILL --state=RUNNING --user="$(id -un)" 2>/dev/null || true
    SLURM_CONF="$conf" scancel --user="$(id -un)" 2>/dev/null || true
  fi
  stop_pidfile "$dir/run/slurmd.pid"
  stop_pidfile "$dir/run/slurmctld.pid"
  stop_pidfile "$dir/run/munged.pid"
  # step daemons of this cluster that outlived slurmd, and the jobs' processes
  for env in /proc/[0-9]*/environ; do
    pid="${env#/proc/}"; pid="${pid%/environ}"
    [ "$pid" = $$ ] && continue
    grep -qz "^SLURM_CONF=$conf$" "$env" 2>/dev/null || continue
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] || grep -qz "^SLURM_JOB_ID=" "$env"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

up() {
  need
  if [ -f "$conf" ] && healthy; then
    echo "SLURM_CONF=$conf"
    return 0
  fi
  down
  rm -rf "$dir/state" "$dir/run" "$dir/log" "$dir/munge"
  mkdir -p "$dir"/{etc,state/slurmctld,state/slurmd,run,log,munge,key}
  chmod 0755 "$dir/munge"  # munged refuses a socket directory others cannot reach
  chmod 0700 "$dir/key"
  if [ ! -s "$dir/key/munge.key" ]; then
    head -c 1024 /dev/urandom >"$dir/key/munge.key"
    chmod 0600 "$dir/key/munge.key"
  fi
  local ctld cpus mem
  ctld="$(free_port "${SLURMCTLD_PORT:-6817}")"
  cpus="${SLURM_CPUS:-8}"
  mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
  cat >"$conf" <<EOF
ClusterName=tuneup
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld
SlurmdPort=$((ctld + 1))
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state/slurmctld
SlurmdSpoolDir=$dir/state/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=${SLURM_KILL_WAIT:-5}
MinJobAge=${SLURM_MIN_JOB_AGE:-300}
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/key/munge.key" \
    --pid-file="$dir/run/munged.pid" --seed-file="$dir/key/munged.seed" \
    --log-file="$dir/log/munged.log"
  SLURM_CONF="$conf" slurmctld
  SLURM_CONF="$conf" slurmd -N "$node"
  for _ in $(seq 600); do
    [ "$(SLURM_CONF="$conf" sinfo -h -n "$node" -o %T 2>/dev/null)" = idle ] && {
      echo "SLURM_CONF=$conf"
      return 0
    }
    sleep 0.05
  done
  echo "slurm-single-node: the node did not become idle in 30 s; see $dir/log" >&2
  exit 1
}

case "$action" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down [DIR]" >&2; exit 2 ;;
esac
