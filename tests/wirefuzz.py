#!/usr/bin/python3
"""wirefuzz.py: random and mutated first packets against a pgstunnel port.

Usage: wirefuzz.py PORT [--count N] [--seed S] [--jobs J] [--wait-jobs W]
                   [--handshake-timeout T] [--ca FILE]

Makes N connections (default 10000), each with one generated case:
random bytes of random lengths; SSLRequest, GSSENCRequest, CancelRequest
and StartupMessage packets, mutated (bit flips, bytes replaced, inserted,
deleted, truncated, duplicated, length fields set to edge values) or
chained; a real TLS ClientHello, mutated, sent as direct TLS, stuffed
after an SSLRequest, or sent after reading the 'S'; and, for a few, a
complete TLS handshake followed by mutated packets inside TLS. The bytes
go out in one write or in pieces, then the client:
  close  closes at once (sometimes with a reset, sometimes after a half
         close), about 85% of the cases, J threads (default 8);
  wait   half-closes or not, then reads until the server closes, on W
         threads (default 24); a server that keeps the connection open
         longer than T + 3.5 s (T is pgstunnel's --handshake-timeout,
         default 1; 3.5 s covers its refusal linger) is a hang.
Cases that complete a TLS handshake always close: a valid startup
inside would open a real session.

--record FILE writes one line per connection: the time it was made
(CLOCK_BOOTTIME seconds, as a process start time in /proc/PID/stat), the
client's port, the case and its bytes in hex (to find the case behind a
stuck server process).

Prints "cases=N close=N wait=N hangs=N errors=N max_wait=S seconds=S seed=S"
then one line per hang (the case's description and its bytes in hex,
enough to replay it) and per unexpected client error; exits 1 if any.
The same seed gives the same cases.
"""

import argparse
import errno
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SSLREQ = struct.pack("!II", 8, 80877103)
GSSREQ = struct.pack("!II", 8, 80877104)
EDGE32 = [0, 1, 3, 4, 7, 8, 9, 16, 255, 256, 10000, 10003, 10004, 10005,
          65535, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
          80877102, 80877103, 80877104, 196608, 196609, 131072, 0x00030002]


def startup(rng):
    params = []
    for _ in range(rng.randrange(0, 5)):
        k = rng.choice([b"user", b"database", b"options", b"application_name",
                        b"replication", b"_pq_.x", b"", bytes(rng.randbytes(rng.randrange(1, 8)))])
        v = rng.choice([b"postgres", b"", b"-c x=1", bytes(rng.randbytes(rng.randrange(0, 40)))])
        params.append(k + b"\0" + v + b"\0")
    body = struct.pack("!I", rng.choice([196608, 196608, 196609, 131072, 0x00030002, 65536]))
    body += b"".join(params) + rng.choice([b"\0", b"", b"\0\0"])
    return struct.pack("!I", len(body) + 4) + body


def cancel(rng):
    return struct.pack("!IIII", 16, 80877102, rng.getrandbits(32), rng.getrandbits(32))


def mutate(rng, data, rounds=None):
    b = bytearray(data)
    for _ in range(rounds or rng.randrange(1, 4)):
        op = rng.randrange(8)
        if op == 0 and b:                      # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:                    # replace a byte
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:                          # insert bytes
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.randbytes(rng.randrange(1, 16))
        elif op == 3 and b:                    # delete a range
            i = rng.randrange(len(b))
            del b[i:i + rng.randrange(1, 16)]
        elif op == 4 and b:                    # truncate
            del b[rng.randrange(len(b)):]
        elif op == 5 and b:                    # duplicate a range
            i = rng.randrange(len(b))
            b[i:i] = b[i:i + rng.randrange(1, 64)]
        elif op == 6 and len(b) >= 4:          # a 32-bit field to an edge value
            i = rng.randrange(len(b) - 3)
            b[i:i + 4] = struct.pack("!I", rng.choice(EDGE32))
        elif op == 7 and len(b) >= 2:          # a 16-bit field to an edge value
            i = rng.randrange(len(b) - 1)
            b[i:i + 2] = struct.pack("!H", rng.choice([0, 1, 0xFFFF, 0x4000, 0x0303, 0x0301, 0x0304]))
    return bytes(b)


class Hellos:
    """Real ClientHellos (with and without ALPN and SNI), made once."""

    def __init__(self, ca):
        self.list = []
        for alpn, sni in ((["postgresql"], "localhost"), (None, "localhost"),
                          (["postgresql", "http/1.1"], None)):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = sni is not None
            ctx.verify_mode = ssl.CERT_REQUIRED if sni else ssl.CERT_NONE
            ctx.load_verify_locations(ca)
            if alpn:
                ctx.set_alpn_protocols(alpn)
            i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = ctx.wrap_bio(i, o, server_hostname=sni)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            self.list.append(o.read())

    def pick(self, rng):
        return rng.choice(self.list)


def make_case(rng, hellos):
    """(description, steps, action, tls_inside). A step is bytes to send, or
    ("expect", n) to read n bytes (the answer to a request) first."""
    kind = rng.randrange(14)
    steps = []
    tls_inside = None
    if kind == 0:
        desc = "random"
        steps = [rng.randbytes(rng.choice([rng.randrange(0, 9), rng.randrange(0, 300),
                                           rng.randrange(0, 20000)]))]
    elif kind == 1:
        desc = "sslrequest-mutated"
        steps = [mutate(rng, SSLREQ)]
    elif kind == 2:
        desc = "gssenc-mutated"
        steps = [mutate(rng, GSSREQ)]
    elif kind == 3:
        desc = "cancel-mutated"
        steps = [mutate(rng, cancel(rng), rng.randrange(0, 3))]
    elif kind == 4:
        desc = "startup-mutated"
        steps = [mutate(rng, startup(rng), rng.randrange(0, 4))]
    elif kind == 5:
        desc = "direct-hello-mutated"
        steps = [mutate(rng, hellos.pick(rng), rng.randrange(0, 5))]
    elif kind == 6:
        desc = "stuffed-hello-mutated"
        steps = [SSLREQ + mutate(rng, hellos.pick(rng), rng.randrange(0, 4))]
    elif kind in (7, 8):
        desc = "hello-after-S-mutated"
        steps = [SSLREQ, ("expect", 1), mutate(rng, hellos.pick(rng), rng.randrange(1, 5))]
    elif kind == 9:
        desc = "gssenc-then-mutated"
        nxt = rng.choice([SSLREQ, GSSREQ, startup(rng), cancel(rng)])
        steps = [GSSREQ, ("expect", 1), mutate(rng, nxt, rng.randrange(0, 3))]
    elif kind == 10:
        desc = "chained"
        parts = [rng.choice([SSLREQ, GSSREQ, cancel(rng), startup(rng),
                             rng.randbytes(rng.randrange(1, 12))])
                 for _ in range(rng.randrange(2, 5))]
        steps = [mutate(rng, b"".join(parts), rng.randrange(0, 2))]
    elif kind == 11:
        desc = "edge-length"
        length = rng.choice(EDGE32)
        code = rng.choice(EDGE32)
        steps = [struct.pack("!II", length, code) + rng.randbytes(rng.randrange(0, 24))]
    elif kind == 12:
        desc = "partial-hello-after-S"
        h = hellos.pick(rng)
        steps = [SSLREQ, ("expect", 1), h[:rng.randrange(0, len(h))]]
    else:
        # A real TLS handshake (after an SSLRequest, or direct), then
        # mutated requests inside TLS.
        desc = "inside-tls"
        tls_inside = rng.choice(["sslrequest", "direct"])
        inner = rng.choice([SSLREQ, GSSREQ, cancel(rng), startup(rng),
                            rng.randbytes(rng.randrange(0, 40))])
        steps = [mutate(rng, inner, rng.randrange(0, 3))]
    # Sometimes split the last step into pieces (truncated writes).
    if steps and isinstance(steps[-1], bytes) and len(steps[-1]) > 1 and rng.random() < 0.2:
        last = steps.pop()
        cut = sorted(rng.sample(range(1, len(last)), min(len(last) - 1, rng.randrange(1, 4))))
        prev = 0
        for c in cut + [len(last)]:
            steps.append(last[prev:c])
            prev = c
    action = "close" if tls_inside or rng.random() < 0.85 else "wait"
    close_how = rng.choice(["close", "close", "reset", "shutdown"])
    return desc, steps, action, close_how, tls_inside


def recv_n(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def run_case(args, ctx, case, results, lock):
    desc, steps, action, close_how, tls_inside = case
    start = time.monotonic()
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
        if args.record is not None:
            line = "%.3f %d %s %s %s tls=%s steps=%s\n" % (
                time.clock_gettime(time.CLOCK_BOOTTIME), sock.getsockname()[1],
                desc, action, close_how, tls_inside,
                ",".join(s.hex() if isinstance(s, bytes) else "expect%d" % s[1] for s in steps))
            with lock:
                args.record.write(line)
        conn = sock
        if tls_inside:
            if tls_inside == "sslrequest":
                sock.sendall(SSLREQ)
                if recv_n(sock, 1) != b"S":
                    raise OSError("no S for a plain SSLRequest")
            try:
                conn = ctx[tls_inside].wrap_socket(sock, server_hostname="localhost")
            except (ssl.SSLError, OSError) as e:
                raise OSError("a valid TLS handshake failed: %s" % e)
            sock = conn  # the plain socket object is detached now
        for st in steps:
            if isinstance(st, tuple):
                sock.settimeout(2)
                recv_n(sock, st[1])
                continue
            conn.sendall(st)
        if action == "close":
            if close_how == "reset" and not tls_inside:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif close_how == "shutdown":
                sock.shutdown(socket.SHUT_WR)
            sock.close()
            sock = None
            with lock:
                results["close"] += 1
            return
        # wait: the server must end the connection in time.
        if close_how == "shutdown":
            sock.shutdown(socket.SHUT_WR)
        limit = args.handshake_timeout + 3.5
        while True:
            left = limit - (time.monotonic() - start)
            if left <= 0:
                raise socket.timeout()
            sock.settimeout(left)
            if not sock.recv(65536):
                break
        elapsed = time.monotonic() - start
        with lock:
            results["wait"] += 1
            results["max_wait"] = max(results["max_wait"], elapsed)
    except socket.timeout:
        with lock:
            if action == "wait":
                results["wait"] += 1
                results["hangs"].append(case)
            else:
                results["errors"].append((case, "timeout while sending"))
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        # The server may close or reset first: that is an end, not a hang.
        with lock:
            results[action] += 1
    except OSError as e:
        if e.errno == errno.ENOTCONN:  # shutdown() after the server's reset
            with lock:
                results[action] += 1
            return
        with lock:
            results["errors"].append((case, "%s: %s" % (type(e).__name__, e)))
    finally:
        if sock is not None:
            sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--wait-jobs", type=int, default=24)
    p.add_argument("--handshake-timeout", type=float, default=1.0)
    p.add_argument("--ca", default=os.path.join(os.environ.get("CERTS", "certs"), "ca.crt"))
    p.add_argument("--record", type=argparse.FileType("w"), default=None,
                   help="write each case, after its client port, to this file")
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    hellos = Hellos(args.ca)
    ctx = {}
    for name, alpn in (("sslrequest", None), ("direct", ["postgresql"])):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.load_verify_locations(args.ca)
        if alpn:
            c.set_alpn_protocols(alpn)
        ctx[name] = c
    cases = [make_case(rng, hellos) for _ in range(args.count)]
    results = {"close": 0, "wait": 0, "max_wait": 0.0, "hangs": [], "errors": []}
    lock = threading.Lock()
    start = time.monotonic()
    with ThreadPoolExecutor(args.wait_jobs) as waiters, ThreadPoolExecutor(args.jobs) as closers:
        futs = []
        for case in cases:
            pool = waiters if case[2] == "wait" else closers
            futs.append(pool.submit(run_case, args, ctx, case, results, lock))
        for f in futs:
            f.result()
    print("cases=%d close=%d wait=%d hangs=%d errors=%d max_wait=%.1f seconds=%.1f seed=%d"
          % (len(cases), results["close"], results["wait"], len(results["hangs"]),
             len(results["errors"]), results["max_wait"], time.monotonic() - start, seed))
    for desc, steps, action, how, tls in results["hangs"][:20]:
        print("hang: %s %s tls=%s steps=%s" % (desc, how, tls,
              [s.hex() if isinstance(s, bytes) else s for s in steps]))
    for (desc, steps, action, how, tls), err in results["errors"][:20]:
        print("error: %s %s %s steps=%s" % (err, desc, how,
              [s.hex() if isinstance(s, bytes) else s for s in steps]))
    sys.stdout.flush()
    return 1 if results["hangs"] or results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
