#!/usr/bin/env bash
# Kills a local control plane once the Node process that started it is gone, even after a SIGKILL of that
# process. control-plane.ts starts it detached (own session, so Ctrl-C does not reach it) and kills it in stop().
# usage: watchdog.sh PARENT_PID PGID_FILE RUN_MARKER [PATH_TO_REMOVE...]
set -u
parent=$1 pgid_file=$2 marker=$3
shift 3

# Prints the state and start time of a pid ("" when gone); the start time guards against pid reuse.
proc_id() {
  local s
  { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
  # Fields after the last ")" because the command name may itself contain spaces and parentheses.
  read -r -a f <<<"${s##*) }"
  echo "${f[0]} ${f[19]}"
}

started=$(proc_id "$parent")
start_time=${started#* }
while :; do
  now=$(proc_id "$parent")
  # A zombie parent is dead too: its own parent may not reap it promptly.
  if [ -z "$now" ] || [ "${now#* }" != "$start_time" ] || [ "${now%% *}" = Z ]; then break; fi
  sleep 0.5
done

# Data is thrown away, so SIGKILL at once: the recorded process groups first, then any process still carrying
# this run's environment marker (covers a parent killed between spawning a child and recording its pid).
if [ -r "$pgid_file" ]; then
  while read -r g; do [ -n "$g" ] && kill -KILL -- "-$g" 2>/dev/null; done <"$pgid_file"
fi
for d in /proc/[0-9]*; do
  mapfile -d '' -t envs 2>/dev/null <"$d/environ" || continue
  for e in "${envs[@]}"; do
    if [ "$e" = "GITOPS_TESTENV_RUN=$marker" ]; then kill -KILL "${d#/proc/}" 2>/dev/null; break; fi
  done
done
sleep 0.5
rm -rf -- "$@"
