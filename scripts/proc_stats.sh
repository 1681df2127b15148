# Sourced by the benchmark scripts: CPU time and memory of a server's whole process group
# (a multi-process server such as nginx counts master and workers), from /proc.
group_pids() { pgrep -g "$1" || true; }
# utime + stime in clock ticks (1/100 s), summed over the group.
cpu_ticks() { local t=0 p; for p in $(group_pids "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
# Peak resident set size (VmHWM) in KiB, summed over the group.
peak_rss_kib() { local t=0 p v; for p in $(group_pids "$1"); do v=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); t=$((t + ${v:-0})); done; echo $t; }
# Memory now, in KiB, from /proc/PID/smaps_rollup summed over the group: $2 is Pss (resident pages,
# each shared one divided among the processes mapping it, so the binary's and libc's file pages
# shared with other processes count only in part) or Pss_Anon (anonymous memory: heaps, stacks,
# buffers, the server's own; forked workers share theirs proportionally).
rollup_kib() { local t=0 p v; for p in $(group_pids "$1"); do v=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0); t=$((t + ${v:-0})); done; echo $t; }
