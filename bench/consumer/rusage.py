"""Runs a command and reports its peak resident set size (the Linux rusage ru_maxrss of the
waited child, in KiB) on stderr as a last line "BENCH_MAXRSS_KB <n>". stdin, stdout and stderr
pass through, so the caller can time the child's output. Used by bench/consumer/index.ts."""
import resource
import subprocess
import sys

completed = subprocess.run(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(f"\nBENCH_MAXRSS_KB {usage.ru_maxrss}\n")
sys.exit(completed.returncode)
