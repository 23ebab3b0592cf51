#!/usr/bin/env python3
"""tests/bench/foreign.py: how much other work runs during a measurement.

Usage: foreign.py DIR OUTFILE [MAX_SECONDS]

Every 0.25 s, counts the runnable (state R) user processes whose working
directory is not DIR or below it (everything the benchmark starts runs
there) and that are not this sampler. On SIGTERM or SIGINT, or after
MAX_SECONDS (default 900), writes to OUTFILE the mean count per sample:
about how many CPUs other work wanted meanwhile. Kernel threads (no
command line) are left out: they serve our own traffic too.
"""
import os
import signal
import sys
import time

INTERVAL = 0.25


def foreign_running(root, me):
    n = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
            state = stat[stat.rindex(b")") + 2:][:1]
            if state != b"R":
                continue
            with open("/proc/%s/cmdline" % name, "rb") as f:
                if not f.read(1):
                    continue  # kernel thread
            cwd = os.readlink("/proc/%s/cwd" % name)
        except (OSError, ValueError):
            continue
        if cwd == root or cwd.startswith(root + "/"):
            continue
        n += 1
    return n


def main():
    root = os.path.realpath(sys.argv[1])
    out = sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 900.0
    me = os.getpid()
    samples = [0, 0]
    stop = []

    def on_signal(_sig, _frame):
        stop.append(1)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    deadline = time.monotonic() + limit
    while not stop and time.monotonic() < deadline:
        samples[0] += 1
        samples[1] += foreign_running(root, me)
        time.sleep(INTERVAL)
    with open(out, "w") as f:
        f.write("%.2f\n" % (samples[1] / samples[0] if samples[0] else 0.0))


if __name__ == "__main__":
    main()
