#!/usr/bin/python3
"""manyconn.py: N concurrent sessions through a tunnel, all open at once.

Usage: manyconn.py PORT [--n N] [--hold S] [--ca FILE] [--min-rate R]

Each of N threads connects with psycopg (sslmode=verify-full, host
localhost pinned to 127.0.0.1), waits until every thread is connected (a
barrier), then runs one query that returns a value derived from its
number and the number of client backends PostgreSQL sees from 127.0.0.1
(all N are still connected: a second barrier holds the connections open
until every thread has its answer), checks the answer, and closes.

The deadlines follow from what is waited for, not from the host's speed:
the connect stage (N TLS sessions and N PostgreSQL backends set up at
once) may take 20 s + N / R (R sessions a second, default 8: a slow
2-core host sets up 15-50 a second), and that is each connection's
connect_timeout too; the query stage, HOLD + 20 s + N / 50.

Prints "connected=N correct=N seen_min=N seen_max=N seconds=S" and, when
a stage missed its deadline, "stage STAGE: K of N after S s (deadline
D s)"; then up to 10 error lines. Exits 0 only when every thread
connected and was right. Used by tests/integration/80-*.sh and 81-*.sh.
"""

import argparse
import os
import sys
import threading
import time

import psycopg


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--hold", type=float, default=1.0,
                   help="pg_sleep in each query (all sessions busy at once)")
    p.add_argument("--ca", default=os.path.join(os.environ.get("CERTS", "certs"), "ca.crt"))
    p.add_argument("--min-rate", type=float, default=8.0,
                   help="slowest session set-up rate accepted (per second)")
    args = p.parse_args()

    threading.stack_size(512 * 1024)
    connect_budget = 20 + args.n / args.min_rate
    query_budget = args.hold + 20 + args.n / 50
    start = time.monotonic()
    connect_deadline = start + connect_budget
    deadline = connect_deadline + query_budget
    connected = threading.Barrier(args.n)
    answered = threading.Barrier(args.n)
    lock = threading.Lock()
    stats = {"connected": 0, "correct": 0, "seen": [], "errors": []}
    conninfo = ("host=localhost hostaddr=127.0.0.1 port=%d sslmode=verify-full "
                "sslrootcert=%s user=postgres dbname=postgres connect_timeout=%d"
                % (args.port, args.ca, int(connect_budget)))

    def left(until=None):
        return max(0.1, (until or deadline) - time.monotonic())

    def worker(i):
        conn = None
        try:
            conn = psycopg.connect(conninfo, autocommit=True)
            with lock:
                stats["connected"] += 1
            connected.wait(left(connect_deadline))
            row = conn.execute(
                "select %s::int * 2 + 1, pg_sleep(%s)::text,"
                " (select count(*) from pg_stat_activity"
                "  where backend_type = 'client backend'"
                "  and client_addr = '127.0.0.1')::int,"
                " (select ssl from pg_stat_ssl where pid = pg_backend_pid())",
                (i, args.hold)).fetchone()
            ok = row[0] == i * 2 + 1 and row[1] == "" and row[3] is False
            with lock:
                stats["seen"].append(row[2])
                if ok:
                    stats["correct"] += 1
                else:
                    stats["errors"].append("thread %d: wrong answer %r" % (i, row))
            answered.wait(left())
        except Exception as e:  # report every kind of failure
            with lock:
                stats["errors"].append("thread %d: %s: %s"
                                       % (i, type(e).__name__, str(e).strip()))
            # Nobody waits forever for a thread that failed.
            connected.abort()
            answered.abort()
        finally:
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(args.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(left())
    alive = sum(t.is_alive() for t in threads)
    seen = stats["seen"] or [0]
    took = time.monotonic() - start
    print("connected=%d correct=%d seen_min=%d seen_max=%d seconds=%.1f%s"
          % (stats["connected"], stats["correct"], min(seen), max(seen),
             took, " stuck=%d" % alive if alive else ""))
    # How far it got, against which deadline.
    if stats["connected"] < args.n:
        print("stage connect: %d of %d connected after %.1f s (deadline %.0f s)"
              % (stats["connected"], args.n, took, connect_budget))
    elif stats["correct"] < args.n:
        print("stage query: %d of %d answered after %.1f s (deadline %.0f s)"
              % (len(stats["seen"]), args.n, took, connect_budget + query_budget))
    errors = stats["errors"]
    # A BrokenBarrierError only follows someone else's failure.
    errors.sort(key=lambda e: "BrokenBarrierError" in e)
    for e in errors[:10]:
        print(e)
    if len(errors) > 10:
        print("... %d errors in all" % len(errors))
    sys.stdout.flush()
    ok = stats["correct"] == args.n and not alive
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    main()
