#!/usr/bin/env python3
"""tests/bench/report.py: the Markdown table of make bench.

Usage: report.py RAW.tsv META.txt NOTES.txt ERRORS.log  (writes stdout)

RAW.tsv lines are "run<TAB>label<TAB>metric<TAB>value" (value may be ERR).
Figures are medians over the runs; ratios are against the medians of the
reference paths; targets come from the issue.
"""
import statistics
import sys

PATHS = {
    "A": "A direct, plaintext",
    "B": "B PostgreSQL TLS",
    "C": "C stunnel daemon",
    "D": "D stunnel inetd (socat)",
    "E": "E pgstunnel, socat EXEC",
    "E2": "E2 pgstunnel, socket-activate",
    "F": "F pgstunnel --listen",
    "F static": "F --listen, STATIC=1 (musl)",
    "E2 static": "E2 socket-activate, STATIC=1 (musl)",
    "F ECDSA": "F --listen, ECDSA P-256",
    "F RSA": "F --listen, RSA-2048",
    "F pgstunnel": "F: pgstunnel --listen, parent and children",
    "E2 pgstunnel": "E2: pgstunnel processes",
    "E2 launcher": "E2: its launcher (accept, fork, the child before exec)",
    "F static pgstunnel": "F static: pgstunnel --listen, parent and children",
    "E2 static pgstunnel": "E2 static: pgstunnel processes",
    "E2 static launcher": "E2 static: its launcher",
    "dynamic": "./pgstunnel as built (-g)",
    "dynamic stripped": "./pgstunnel stripped",
    "STATIC=1 stripped": "make STATIC=1 (musl), stripped",
    "dynamic ECDSA": "dynamic, ECDSA P-256 key",
    "dynamic RSA": "dynamic, RSA-2048 key",
    "dynamic --version": "dynamic, --version (exec alone)",
    "static ECDSA": "STATIC=1 (musl), ECDSA P-256 key",
    "static RSA": "STATIC=1 (musl), RSA-2048 key",
    "static --version": "STATIC=1 (musl), --version (exec alone)",
}
ORDER = ["A", "B", "C", "D", "E", "E2", "F", "F static", "E2 static",
         "F ECDSA", "F RSA", "F pgstunnel", "E2 pgstunnel",
         "E2 launcher", "F static pgstunnel", "E2 static pgstunnel",
         "E2 static launcher", "dynamic ECDSA", "dynamic RSA",
         "dynamic --version", "static ECDSA", "static RSA",
         "static --version", "dynamic", "dynamic stripped",
         "STATIC=1 stripped"]

# metric: (title, format, ratios?)
METRICS = [
    ("conn_tps", "Connection setup, TPS (pgbench -C -S -c 4)", "{:.0f}", True),
    ("steady_tps", "Steady state, TPS (pgbench -S -c 4)", "{:.0f}", True),
    ("copy_out_mbs", "COPY out, MB/s", "{:.1f}", True),
    ("copy_in_mbs", "COPY in, MB/s", "{:.1f}", True),
    ("vmhwm_kib", "VmHWM of the serving process, KiB", "{:.0f}", False),
    ("pdirty_kib", "Private_Dirty of the serving process, KiB", "{:.0f}",
     False),
    ("hs_cpu_ms", "CPU per connection (handshake + 1 query), ms", "{:.3f}",
     False),
    ("cpu_split_ms", "CPU per connection by process, ms (perf record -a, "
     "pgbench -C -c 1)", "{:.3f}", False),
    ("startup_cpu_ms", "Start-up CPU before the first byte, per process "
     "started per connection, ms (tests/bench/startup.sh)", "{:.3f}", False),
    ("syscalls_per_txn", "Syscalls per steady-state transaction", "{:.2f}",
     False),
    ("size_bytes", "Binary size, bytes", "{:.0f}", False),
]

# (metric, label) -> list of ("ratio", ref, factor) / ("max", limit, unit)
TARGETS = {}
for lab in ("E2", "F", "E2 static", "F static"):
    TARGETS[("conn_tps", lab)] = [("ratio", "B", 1.1), ("ratio", "D", 2.5)]
    TARGETS[("steady_tps", lab)] = [("ratio", "B", 0.9), ("ratio", "C", 1.4)]
# A process started per connection against a --listen child (issue 12).
TARGETS[("conn_tps", "E2")].append(("ratio", "F", 0.90))
TARGETS[("conn_tps", "E2 static")].append(("ratio", "F static", 0.95))
for lab in ("E2", "F"):
    TARGETS[("copy_out_mbs", lab)] = [("ratio", "A", 0.95)]
    TARGETS[("copy_in_mbs", lab)] = [("ratio", "A", 0.95)]
for lab in ("E", "E2", "F", "F static", "E2 static"):
    TARGETS[("pdirty_kib", lab)] = [("max", 64, " KiB")]
for lab in ("F static", "E2 static"):
    TARGETS[("vmhwm_kib", lab)] = [("max", 600, " KiB")]
TARGETS[("syscalls_per_txn", "F")] = [("max", 6, "")]
for lab in ("static ECDSA", "static RSA"):
    TARGETS[("startup_cpu_ms", lab)] = [("max", 0.20, " ms")]

VS_CD = ("E", "E2", "F", "F static", "E2 static")


def load_raw(path):
    data = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            run, label, metric, value = parts
            data.setdefault((metric, label), []).append(value)
    return data


def load_kv(path):
    kv = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                kv[k] = v
    return kv


def median(values):
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except ValueError:
            pass
    if not nums:
        return None
    return statistics.median(nums)


def fmt_ratio(x):
    return "{:.2f}×".format(x)


def main():
    raw, meta_path, notes_path, errs_path = sys.argv[1:5]
    data = load_raw(raw)
    meta = load_kv(meta_path)
    with open(notes_path) as f:
        notes = [line.rstrip("\n") for line in f]
    with open(errs_path) as f:
        errors = f.read()

    thr = float(meta.get("disturbed", "0.20") or 0.20)
    # Throughput medians leave out runs disturbed by other work on the
    # machine when at least one undisturbed run exists.
    ratio_metrics = {m[0] for m in METRICS if m[3]}
    med, partial = {}, 0
    for (metric, lab), vals in data.items():
        fvals = data.get(("foreign", lab), [])
        clean = [v for i, v in enumerate(vals)
                 if i < len(fvals) and float(fvals[i]) <= thr]
        if metric in ratio_metrics and clean and len(clean) < len(vals):
            med[(metric, lab)] = median(clean)
            partial += 1
        else:
            med[(metric, lab)] = median(vals)
    if meta.get("e2") == "socat-nofork":
        PATHS["E2"] = "E2 pgstunnel, socat EXEC nofork"
        PATHS["E2 static"] = "E2 socat nofork, STATIC=1 (musl)"
    out = []
    w = out.append
    w("# pgstunnel benchmark")
    w("")
    w("- date: {}".format(meta.get("date", "?")))
    w("- `uname -srm`: {}; `nproc`: {}; CPU: {}".format(
        meta.get("uname", "?"), meta.get("nproc", "?"), meta.get("cpu", "?")))
    w("- {}; {}; {}; {}; {}".format(
        meta.get("postgres", "?"), meta.get("stunnel", "?"),
        meta.get("openssl", "?"), meta.get("socat", "?"),
        meta.get("pgstunnel", "?")))
    runs = meta.get("runs", "?")
    w("- command: `{}`; {} run(s) interleaved over paths {}; medians; "
      "load average {}".format(meta.get("command", "make bench"), runs,
                               meta.get("paths", "?"), meta.get("load", "?")))
    w("- pgbench {} s, 4 clients, 2 threads, scale 10; COPY out {} rows "
      "({:.0f} MB); COPY in {} rows ({:.0f} MB)".format(
          meta.get("secs", "?"), meta.get("out_rows", "?"),
          int(meta.get("out_bytes", "0")) / 1e6, meta.get("in_rows", "?"),
          int(meta.get("in_bytes", "0")) / 1e6))
    foreign = []
    for (metric, _lab), vals in data.items():
        if metric == "foreign":
            foreign += [float(v) for v in vals]
    if foreign:
        bad = sum(1 for f in foreign if f > thr)
        w("- Other work on the machine during the runs (mean runnable "
          "processes not the benchmark's): median {:.2f}, max {:.2f}; "
          "{} disturbed run(s) repeated, {} kept anyway (marked * in "
          "Runs){}".format(
              statistics.median(foreign), max(foreign),
              meta.get("repeated", "0"), bad,
              " — **figures are disturbed**; a median leaves the marked "
              "runs out when an unmarked one exists" if bad else ""))
    w("")
    w("| Metric | Path | Median | Runs | vs A | vs B | vs C | vs D "
      "| Target | Result |")
    w("|---|---|---:|---|---:|---:|---:|---:|---|---|")
    verdicts = []
    for metric, title, fmt, ratios in METRICS:
        labels = [lab for lab in ORDER if (metric, lab) in data]
        for lab in labels:
            vals = data[(metric, lab)]
            m = med[(metric, lab)]
            shown = fmt.format(m) if m is not None else "ERR"
            if metric == "size_bytes" and m is not None:
                shown = "{:.0f} ({:.0f} KiB)".format(m, m / 1024)
            fvals = data.get(("foreign", lab), [])
            marks = ["*" if ratios and i < len(fvals)
                     and float(fvals[i]) > thr else ""
                     for i in range(len(vals))]
            runs_txt = " / ".join(
                (fmt.format(float(v)) if v != "ERR" else "ERR") + mk
                for v, mk in zip(vals, marks)
            ) if len(vals) > 1 or any(marks) else ""
            cells = []
            for ref in ("A", "B", "C", "D"):
                rm = med.get((metric, ref))
                if (not ratios or m is None or rm is None or rm == 0
                        or (ref in ("C", "D") and lab not in VS_CD)
                        or lab == ref):
                    cells.append("")
                else:
                    cells.append(fmt_ratio(m / rm))
            path = PATHS.get(lab, lab)
            if lab == "C" and metric in ("vmhwm_kib", "pdirty_kib"):
                path += " (whole daemon, shared)"
            tgt_txt, result = "", ""
            tg = TARGETS.get((metric, lab))
            if tg:
                parts, ok, known, short = [], True, True, []
                for kind, a, b in tg:
                    if kind == "ratio":
                        parts.append("≥ {}× {}".format(b, a))
                        rm = med.get((metric, a))
                        if m is None or rm is None or rm == 0:
                            known = False
                        elif m / rm < b:
                            ok = False
                            short.append("{:.3f}× {}".format(m / rm, a))
                    else:
                        parts.append("≤ {}{}".format(a, b))
                        if m is None:
                            known = False
                        elif m > a:
                            ok = False
                tgt_txt = ", ".join(parts)
                if not ok:
                    result = "**MISS**"
                    if short:
                        result += " ({})".format(", ".join(short))
                elif not known:
                    result = "n/a"
                else:
                    result = "PASS"
                verdicts.append((title, lab, result))
            w("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                title, path, shown, runs_txt, *cells, tgt_txt, result))
    w("")
    npass = sum(1 for v in verdicts if v[2] == "PASS")
    nmiss = sum(1 for v in verdicts if v[2].startswith("**MISS**"))
    w("Targets: {} PASS, {} MISS, {} not measurable here.".format(
        npass, nmiss, len(verdicts) - npass - nmiss))
    w("")
    w("## Notes")
    w("")
    w("- A: psql/pgbench to PostgreSQL, sslmode=disable. B: PostgreSQL "
      "ssl=on, sslmode=require. C: stunnel4 daemon (protocol = pgsql, "
      "foreground). D: `socat TCP-LISTEN:P,fork,reuseaddr,nodelay "
      "EXEC:'stunnel4 inetd.conf'` (no accept =: stdin/stdout). E: "
      "`socat ... EXEC:'pgstunnel ...'` (socketpair). E2: {}. "
      "F: `pgstunnel --listen 127.0.0.1:P`. All TLS paths: certs/server.crt "
      "(ECDSA P-256), upstream plaintext TCP to the same PostgreSQL; "
      "pgstunnel logs one line a connection to a file (--log stderr), "
      "stunnel its default (notice) to a file, syslog = no.".format(
          "`socat ... EXEC:'pgstunnel ...',nofork` (the TCP socket as "
          "stdin/stdout)" if meta.get("e2") == "socat-nofork" else
          "`systemd-socket-activate -l 127.0.0.1:P -a pgstunnel ...` (the "
          "socket as fd 3; the launcher logs 3 lines a connection to "
          "stderr)"))
    w("- Memory: one psql session (a few queries, a 200 kB result), read "
      "while it sleeps; the pgstunnel or stunnel4 process serving it (for "
      "C the daemon's totals, shared by all its sessions). Static rows: "
      "`make STATIC=1` (musl) built in a temporary copy of src/ and Makefile, "
      "stripped.")
    idle = median(data.get(("pdirty_idle_kib", "C"), []))
    busy = med.get(("pdirty_kib", "C"))
    if idle is not None and busy is not None:
        w("- C idle Private_Dirty {:.0f} KiB, {:.0f} KiB with one session "
          "open (+{:.0f} KiB).".format(idle, busy, busy - idle))
    parts = []
    for lab in ORDER:
        ra = median(data.get(("rssanon_kib", lab), []))
        rf = median(data.get(("rssfile_kib", lab), []))
        if ra is not None and rf is not None:
            parts.append("{} {:.0f} + {:.0f}".format(lab, ra, rf))
    if parts:
        w("- Resident memory at the probe, RssAnon + RssFile KiB (file "
          "pages are the program's and libraries' text, shared with other "
          "processes): {}.".format("; ".join(parts)))
    w("- CPU per connection: cutime+cstime of a `pgstunnel --listen` "
      "parent (it reaps its children with waitpid) over {} connections "
      "of `pgbench -n -C -S -t N -c 1` (one SELECT each); clock-tick "
      "resolution.".format(meta.get("hs_n", "?")))
    sc_t = int(meta.get("sc_t", "0") or 0)
    w("- Syscalls: `strace -c -f -p <launcher>` (it follows each forked "
      "child from birth, so the relaying socat counts for D/E, and all "
      "threads of the C daemon) while `pgbench -n -S -t N -c 1` runs "
      "through one connection; figure = (calls with N={} − calls with "
      "N={}) / {}, so opening and closing the sessions cancels out; the "
      "plain calls/N is in the notes below.".format(
          sc_t, max(sc_t // 10, 1), sc_t - max(sc_t // 10, 1)))
    for n in notes:
        if n.startswith("tls["):
            lab, rest = n[4:].split("] ", 1)
            w("- TLS {}: {}".format(lab, rest))
    for n in notes:
        if n.startswith("hs["):
            w("- CPU {}".format(n[3:].replace("] ", ": ", 1)))
    for n in notes:
        if n.startswith("split["):
            w("- CPU by process {}".format(n[6:].replace("] ", ": ", 1)))
    for n in notes:
        if n.startswith("syscalls["):
            w("- syscalls {}".format(n[9:].replace("] ", ": ", 1)))
    vfail = [n for n in notes if n.startswith("verify[") and "FAIL" in n]
    vok = [n[7:].split("]")[0] for n in notes
           if n.startswith("verify[") and n.endswith(" ok")]
    if vok:
        w("- Correctness: COPY out and in of 5000 varied rows identical to "
          "the direct reference on paths {}.".format(" ".join(vok)))
    for n in vfail:
        w("- **Correctness failure**: {}".format(n))
    for n in notes:
        if n.startswith("static:"):
            w("- {}".format(n))
    if errors.strip():
        w("- **Errors** (details in build/bench/errors.log):")
        for line in errors.splitlines():
            if line.startswith("=== "):
                w("  - {}".format(line[4:]))
    print("\n".join(out))


if __name__ == "__main__":
    main()
