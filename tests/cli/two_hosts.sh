#!/bin/sh
# Data parallel across two hosts on this machine (docs/distributed.md, "Across machines"): two
# network namespaces joined by a veth pair, each with its own address and host name (a UTS
# namespace), the rendezvous on the first host's veth address, never loopback. Checks that
#  - 2 hosts x 1 process (started with SLURM's variables) train the weights of 1 process with
#    accumulation (bitwise, BatchNorm statistics apart, as cli.distributed_equals_accumulation);
#  - in the middle of a tick, SIGKILL of the second host's process, the link cut (ip link set
#    down) and a second host that never joins (torchrun's variables) each end every surviving
#    process within [exec] dist_timeout_s with status 2 and one line naming the lost rank and host
#    and the resume command; every checkpoint still loads; restarting both hosts resumes to the
#    uninterrupted 2-host result, bitwise.
# Needs root and iproute2 (network namespaces); exits 77 (Skipped) where they cannot be made.
# Usage: two_hosts.sh GANRIG SOURCE_DIR PYTHON
set -u
G=$1 SRC=$2 PY=$3
R=$PWD/runs-two-hosts LIMIT=10
A=ganrig$$a B=ganrig$$b
rm -rf "$R" && mkdir -p "$R"
if ! command -v ip > /dev/null || ! command -v unshare > /dev/null || ! ip netns add $A 2> /dev/null; then
  echo "SKIPPED: cannot make network namespaces here (needs root, iproute2 and util-linux)"
  exit 77
fi
cleanup() {
  for ns in $A $B; do ip netns pids $ns 2> /dev/null | xargs -r kill -9; done
  ip netns del $A 2> /dev/null; ip netns del $B 2> /dev/null; rm -rf /etc/netns/$A /etc/netns/$B; }
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add $B
ip link add v$$a type veth peer name v$$b
ip link set v$$a netns $A && ip link set v$$b netns $B
ip -n $A addr add 10.231.0.1/24 dev v$$a && ip -n $B addr add 10.231.0.2/24 dev v$$b
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set v$$a up && ip -n $B link set v$$b up
# `ip netns exec` shows /etc/netns/NS/hosts as /etc/hosts: the host names resolve as on a cluster.
for ns in $A $B; do
  mkdir -p /etc/netns/$ns
  printf '127.0.0.1 localhost\n10.231.0.1 gr-node1\n10.231.0.2 gr-node2\n' > /etc/netns/$ns/hosts
done
status=0
fail() { echo "FAILED: $*"; status=1; }

exp="$SRC/tests/fixtures/train/tiny_fmnist_eval.toml"
settings="--set eval.metrics=[] --set train.batch=16 --set train.total_kimg=3.2 --set train.tick_kimg=0.32
  --set train.snapshot_kimg=0.32 --set train.sample_kimg=3.2 --set exec.threads=1 --set exec.dist_timeout_s=$LIMIT"
slurm() { echo "SLURM_PROCID=$1 SLURM_NTASKS=2 SLURM_LOCALID=0 SLURM_NTASKS_PER_NODE=1 SLURM_NNODES=2 SLURM_NODELIST=gr-node[1-2] MASTER_PORT=$2"; }
torchrun() { echo "RANK=$1 WORLD_SIZE=2 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=10.231.0.1 MASTER_PORT=$2"; }

# on_host RANK TAG VARIABLES ARGS...: `ganrig train ARGS` on RANK's host, in the background; its pid
# in $R/TAG.pid$RANK, its output in $R/TAG-RANK.log, "STATUS END_TIME" in $R/TAG.end$RANK.
on_host() {
  rank=$1 tag=$2 vars=$3
  shift 3
  ns=$A && [ "$rank" = 1 ] && ns=$B
  (ip netns exec $ns unshare --uts sh -c 'hostname "$0"; echo $$ > "$1"; shift; exec env "$@"' \
     gr-node$((rank + 1)) "$R/$tag.pid$rank" $vars "$G" train "$@" > "$R/$tag-$rank.log" 2>&1
   echo "$? $(date +%s.%N)" > "$R/$tag.end$rank") &
}
wait_for_file() { for i in $(seq 1 1200); do ls $1 > /dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
seconds_since() { awk -v a="$1" -v b="$(cut -d' ' -f2 "$2")" 'BEGIN { printf "%.1f", b - a }'; }
last_snapshot() { ls $1/*/*/checkpoints/snapshot-*.pt | tail -1; }
compare() { $PY "$SRC/tests/cli/compare_checkpoints.py" "$@" || status=1; }
all_load() {  # every checkpoint of the run folder reads back whole
  $PY -c 'import sys, torch; [torch.jit.load(p, map_location="cpu") for p in sys.argv[1:]]; print(f"{len(sys.argv) - 1} checkpoints load")' \
    $(ls "$1"/checkpoints/*.pt) || fail "a checkpoint of $1 is damaged"
}
# report TAG RANK FAULT_TIME [SLACK]: the exit status (2 expected), the time from the fault (at most
# dist_timeout_s, plus SLACK seconds when the time includes the process's start-up) and the error line.
report() {
  end=$R/$1.end$2 slack=${4:-0}
  wait_for_file "$end" || { fail "rank $2 did not exit"; return; }
  took=$(seconds_since "$3" "$end")
  echo "  rank $2 exit $(cut -d' ' -f1 "$end") after ${took} s (limit $LIMIT s$([ "$slack" = 0 ] || echo " + start-up")): $(grep '^error:' "$R/$1-$2.log" | head -1)"
  [ "$(cut -d' ' -f1 "$end")" = 2 ] || fail "rank $2 did not exit with status 2"
  awk -v t="$took" -v l="$LIMIT" -v s="$slack" 'BEGIN { exit !(t <= l + s) }' || fail "rank $2 took longer than dist_timeout_s"
}
resume_both() {  # the command the error line names, started on both hosts again
  run=$1 tag=$2
  on_host 0 $tag "$(torchrun 0 $3)" "$run"
  on_host 1 $tag "$(torchrun 1 $3)" "$run"
  wait
  echo "  resumed: exit $(cut -d' ' -f1 "$R/$tag.end0") and $(cut -d' ' -f1 "$R/$tag.end1"), $(grep -o 'resumed from [^ ]*' "$run/logs/"*.log "$R/$tag-0.log" 2> /dev/null | tail -1 | sed 's|.*/|resumed from |')"
  printf "  resumed vs uninterrupted: "
  compare "$(last_snapshot "$R/straight")" "$(ls "$run"/checkpoints/snapshot-*.pt | tail -1)" --bitwise
}

echo "2 hosts (SLURM variables, SLURM_NODELIST=gr-node[1-2]) vs 1 process with accumulation:"
on_host 0 straight "$(slurm 0 29610)" "$exp" $settings --run-root "$R/straight"
on_host 1 straight "$(slurm 1 29610)" "$exp" $settings --run-root "$R/straight"
wait
grep -h "joined the group" "$R"/straight-*.log
$G train "$exp" $settings --set exec.batch_per_device=8 --run-root "$R/one" > "$R/one.log" 2>&1 || fail "1 process"
printf "  2 hosts vs 1 process: "
compare "$(last_snapshot "$R/straight")" "$(last_snapshot "$R/one")" --bitwise --bn-statistics-may-differ

# fault TAG PORT ACTION: both hosts train; in the middle of the second tick ACTION runs.
fault() {
  tag=$1 port=$2 action=$3
  on_host 0 $tag "$(torchrun 0 $port)" "$exp" $settings --run-root "$R/$tag"
  on_host 1 $tag "$(torchrun 1 $port)" "$exp" $settings --run-root "$R/$tag"
  wait_for_file "$R/$tag/*/*/checkpoints/snapshot-*.pt" || fail "$tag: no first snapshot"
  sleep 0.6
  at=$(date +%s.%N)
  eval "$action"
}

echo "SIGKILL of the second host's process:"
fault killed 29620 'kill -9 $(cat "$R/killed.pid1")'
report killed 0 "$at"
wait
run=$(dirname "$(ls "$R"/killed/*/*/config.resolved.toml)")
all_load "$run"
resume_both "$run" killed-resume 29621

echo "the link cut (ip link set down on the second host):"
fault cut 29630 'ip -n $B link set v$$b down'
report cut 0 "$at"
report cut 1 "$at"
wait
ip -n $B link set v$$b up
run=$(dirname "$(ls "$R"/cut/*/*/config.resolved.toml)")
all_load "$run"
resume_both "$run" cut-resume 29631

echo "a second host that never joins:"
at=$(date +%s.%N)
on_host 0 never "$(torchrun 0 29640)" "$exp" $settings --run-root "$R/never"
report never 0 "$at" 3
wait
echo "  run folders made: $(ls "$R/never" 2> /dev/null | wc -l)"
on_host 0 never-both "$(torchrun 0 29641)" "$exp" $settings --run-root "$R/never"
on_host 1 never-both "$(torchrun 1 29641)" "$exp" $settings --run-root "$R/never"
wait
printf "  both started again vs uninterrupted: "
compare "$(last_snapshot "$R/straight")" "$(last_snapshot "$R/never")" --bitwise
echo "two hosts: $([ $status = 0 ] && echo PASSED || echo FAILED)"
exit $status
