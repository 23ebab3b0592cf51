#!/usr/bin/python3
"""pgwire.py: raw PostgreSQL wire probes for the integration tests.

Things psql cannot show: the SQLSTATE of an error sent before
authentication, the answers to GSSENCRequest or bad packets, direct TLS
with or without ALPN, plaintext pipelined after an SSLRequest.

Usage: pgwire.py COMMAND PORT [options]   (host 127.0.0.1, TLS name localhost)
  startup    SSLRequest, TLS (verify-full against --ca), StartupMessage;
             print the first server message: "R code=N" or "E S=.. C=.. M=.."
  direct     direct TLS (first byte 0x16), ALPN from --alpn (none if
             empty), then as startup; prints "alpn=X" first
  gssenc     GSSENCRequest, then SSLRequest on the same connection,
             then TLS and StartupMessage; prints each answer
  stuffing   SSLRequest and a TLS ClientHello in one write; prints the
             answer byte, whether a ServerHello followed, then does a
             proper handshake and prints the first message inside it
  plaintext  StartupMessage without TLS; prints the first answer
  badlen     a packet header with length --length; prints the answer
  idle       connect and send nothing; print the seconds until EOF
  steps      a comma-separated --steps sequence on one connection (see
             cmd_steps): ssl, gss, tls, direct, hello, startup, query,
             cancel, raw:HEX, read, eof; prints one or more lines a step
             and stops at the first step whose answer ends the dialogue

The functions are importable too (sys.path.insert(0, dirname of this
file); import pgwire): startup_message, query_message, cancel_request,
read_message, read_until_ready, describe, tls_context, client_hello.

--bind ADDR:PORT sets the client's own address (127.0.0.2:0 for a second
loopback address, any port); the first line then says which: local=A:P.

Output lines are "key=value" or a message; the exit status is 0 when the
probe ran (whatever the server answered), 2 on a usage error.
"""

import argparse
import socket
import ssl
import struct
import sys
import time

SSLREQUEST = struct.pack("!II", 8, 80877103)
GSSENCREQUEST = struct.pack("!II", 8, 80877104)


def startup_message(user="postgres", database="postgres", total=None,
                    pad_name="pgst.pad", extra=()):
    """A protocol 3.0 StartupMessage. With total, a parameter pad_name is
    added whose value makes the packet exactly total bytes long."""
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", database)) + tuple(extra):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    if total is not None:
        fixed = 4 + len(body) + len(pad_name) + 1 + 1 + 1
        if total < fixed:
            raise ValueError("startup message cannot be %d bytes" % total)
        body += pad_name.encode() + b"\0" + b"x" * (total - fixed) + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def query_message(sql):
    data = sql.encode() + b"\0"
    return b"Q" + struct.pack("!I", len(data) + 4) + data


CANCEL_CODE = 80877102


def cancel_request(pid, key):
    """A CancelRequest: key is bytes (4 for protocol 3.0, up to 256)."""
    return struct.pack("!III", 12 + len(key), CANCEL_CODE, pid) + key


def recv_exact(sock, n):
    """n bytes, or fewer when the peer closed (a reset counts as a close)."""
    buf = b""
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except ConnectionResetError:
            return buf
        if not chunk:
            return buf
        buf += chunk
    return buf


def read_message(sock):
    """Return (type, body) of one backend message, or (None, partial)."""
    head = recv_exact(sock, 5)
    if len(head) < 5:
        return None, head
    mtype = head[0:1]
    (length,) = struct.unpack("!I", head[1:5])
    if length < 4 or length > 1 << 20:
        return mtype, b"<bad length %d>" % length
    return mtype, recv_exact(sock, length - 4)


def describe(mtype, body):
    if mtype is None:
        return "EOF" + (" after %r" % body if body else "")
    if mtype == b"E" or mtype == b"N":
        fields = []
        for f in body.split(b"\0"):
            if f[:1] in (b"S", b"C", b"M"):
                fields.append("%s=%s" % (f[:1].decode(), f[1:].decode(errors="replace")))
        return "%s %s" % (mtype.decode(), " ".join(fields))
    if mtype == b"R" and len(body) >= 4:
        return "R code=%d" % struct.unpack("!I", body[:4])[0]
    if mtype == b"K" and len(body) >= 8:
        return "K pid=%d keylen=%d" % (struct.unpack("!I", body[:4])[0],
                                       len(body) - 4)
    if mtype == b"Z" and len(body) == 1:
        return "Z %s" % body.decode(errors="replace")
    if mtype == b"D" and len(body) >= 2:
        return "D " + "|".join(data_row(body))
    return "%s len=%d" % (mtype.decode(errors="replace"), len(body))


def data_row(body):
    """The columns of a DataRow, as text ("NULL" for a null)."""
    (n,) = struct.unpack("!H", body[:2])
    pos, cols = 2, []
    for _ in range(n):
        (size,) = struct.unpack("!i", body[pos:pos + 4])
        pos += 4
        if size < 0:
            cols.append("NULL")
        else:
            cols.append(body[pos:pos + size].decode(errors="replace"))
            pos += size
    return cols


def error_fields(body):
    """An ErrorResponse's fields as a dict keyed by the one-letter code."""
    return {f[:1].decode(): f[1:].decode(errors="replace")
            for f in body.split(b"\0") if f}


def read_until_ready(sock):
    """Backend messages up to ReadyForQuery, an ErrorResponse during
    startup (the server closes after it), or EOF: a list of (type, body),
    the last of which is (None, b"...") on EOF."""
    msgs = []
    while True:
        mtype, body = read_message(sock)
        msgs.append((mtype, body))
        if mtype is None or mtype == b"Z":
            return msgs
        if mtype == b"E" and error_fields(body).get("S") in ("FATAL", "PANIC"):
            return msgs


def tls_context(args, alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(args.ca)
    ctx.check_hostname = True
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def connect(args):
    source = None
    # (Callers that build args themselves may leave bind out.)
    bind = getattr(args, "bind", None)
    if bind:
        host, _, port = bind.rpartition(":")
        source = (host.strip("[]"), int(port))
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout,
                                    source_address=source)
    if source is not None:
        print("local=%s:%d" % sock.getsockname()[:2])
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def after_tls(tls):
    tls.sendall(startup_message())
    print(describe(*read_message(tls)))


def cmd_startup(args):
    sock = connect(args)
    sock.sendall(SSLREQUEST)
    answer = recv_exact(sock, 1)
    print("ssl=%s" % (answer.decode(errors="replace") or "EOF"))
    if answer != b"S":
        if answer == b"E":
            print(describe(b"E", read_message_rest(sock)))
        return
    try:
        tls = tls_context(args).wrap_socket(sock, server_hostname=args.name)
    except (ssl.SSLError, OSError) as e:
        print("tls=fail %s" % e)
        return
    print("tls=ok %s %s" % (tls.version(), tls.cipher()[0]))
    after_tls(tls)


def read_message_rest(sock):
    head = recv_exact(sock, 4)
    if len(head) < 4:
        return b""
    (length,) = struct.unpack("!I", head)
    return recv_exact(sock, max(0, min(length, 1 << 20) - 4))


def cmd_direct(args):
    sock = connect(args)
    alpn = [a for a in args.alpn.split(",") if a]
    try:
        tls = tls_context(args, alpn).wrap_socket(sock, server_hostname=args.name)
    except (ssl.SSLError, OSError) as e:
        print("tls=fail %s" % e)
        return
    print("tls=ok alpn=%s" % tls.selected_alpn_protocol())
    try:
        after_tls(tls)
    except (ssl.SSLError, OSError) as e:
        print("after-tls=fail %s" % e)


def cmd_gssenc(args):
    sock = connect(args)
    sock.sendall(GSSENCREQUEST)
    answer = recv_exact(sock, 1)
    print("gssenc=%s" % (answer.decode(errors="replace") or "EOF"))
    if answer != b"N":
        return
    sock.sendall(SSLREQUEST)
    answer = recv_exact(sock, 1)
    print("ssl=%s" % (answer.decode(errors="replace") or "EOF"))
    if answer != b"S":
        return
    try:
        tls = tls_context(args).wrap_socket(sock, server_hostname=args.name)
    except (ssl.SSLError, OSError) as e:
        print("tls=fail %s" % e)
        return
    print("tls=ok")
    after_tls(tls)


def client_hello(args):
    """The bytes of a TLS ClientHello, made with memory BIOs."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = tls_context(args).wrap_bio(incoming, outgoing, server_hostname=args.name)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def cmd_stuffing(args):
    """SSLRequest and a ClientHello in one write (CVE-2021-23214). The
    injected hello must not start a TLS session: no ServerHello within
    --wait seconds. Then a proper handshake on the same connection, and the
    first message inside it (PostgreSQL sends FATAL 08P01 "received
    unencrypted data after SSL request")."""
    hello = client_hello(args)
    sock = connect(args)
    try:
        sock.sendall(SSLREQUEST + hello)
    except OSError as e:
        print("send failed %s" % e)
    answer = recv_exact(sock, 1)
    print("ssl=%s" % (answer.decode(errors="replace") or "EOF"))
    if answer != b"S":
        return
    rest = b""
    sock.settimeout(args.wait)
    try:
        rest = recv_exact(sock, 5)
    except (socket.timeout, OSError):
        pass
    sock.settimeout(args.timeout)
    print("serverhello=%s" % ("yes" if rest[:1] == b"\x16" else "no"))
    if rest:
        print("then=%s" % rest.hex())
        return
    try:
        tls = tls_context(args).wrap_socket(sock, server_hostname=args.name)
    except (ssl.SSLError, OSError) as e:
        print("tls=fail %s" % e)
        return
    print("tls=ok")
    try:
        print(describe(*read_message(tls)))
    except (ssl.SSLError, OSError) as e:
        print("after-tls=fail %s" % e)


def cmd_plaintext(args):
    sock = connect(args)
    sock.sendall(startup_message())
    try:
        print(describe(*read_message(sock)))
    except (socket.timeout, OSError) as e:
        print("error %s" % e)


def cmd_badlen(args):
    sock = connect(args)
    start = time.monotonic()
    sock.sendall(struct.pack("!II", args.length, 196608))
    try:
        data = sock.recv(1)
        print("answer=%s" % (data.decode(errors="replace") or "EOF"))
    except socket.timeout:
        print("answer=TIMEOUT")
    except OSError as e:
        print("answer=EOF %s" % e.__class__.__name__)
    print("seconds=%.1f" % (time.monotonic() - start))


def cmd_idle(args):
    sock = connect(args)
    start = time.monotonic()
    try:
        data = sock.recv(1)
        print("answer=%s" % (data.hex() or "EOF"))
    except socket.timeout:
        print("answer=TIMEOUT")
    except OSError as e:
        print("answer=EOF %s" % e.__class__.__name__)
    print("seconds=%.1f" % (time.monotonic() - start))


def _answer_byte(conn, label):
    """Read the one-byte answer to an SSLRequest or GSSENCRequest; print
    it (and the ErrorResponse if it is one). True when the dialogue may go
    on."""
    try:
        answer = recv_exact(conn, 1)
    except (socket.timeout, OSError) as e:
        print("%s=fail %s" % (label, e))
        return False
    print("%s=%s" % (label, answer.decode(errors="replace") or "EOF"))
    if answer == b"E":
        print(describe(b"E", read_message_rest(conn)))
        return False
    return answer in (b"S", b"N", b"G")


class TLSConn:
    """A TLS client connection run through memory BIOs, so that the raw
    records stay visible (steps): alert_seen tells whether an alert
    record (a close_notify, when recv() then returns b"") arrived; Python's
    own SSLSocket cannot tell a close_notify from a bare TCP close here.
    TLS 1.2 only. Offers the few socket methods the steps use."""

    def __init__(self, sock, ctx, server_hostname):
        # TLS 1.2 (all pgstunnel speaks): in TLS 1.3 an alert record is
        # disguised as application data.
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.sock = sock
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out,
                                server_hostname=server_hostname)
        self.raw = b""          # an incomplete record (header and body)
        self.handshake_done = False
        self.alert_seen = False
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    raise ConnectionResetError("EOF during the TLS handshake")
        self._flush()
        self.handshake_done = True

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.inc.write_eof()
            return False
        self.raw += data
        while len(self.raw) >= 5:
            (length,) = struct.unpack("!H", self.raw[3:5])
            if len(self.raw) < 5 + length:
                break
            if self.raw[0] == 21 and self.handshake_done:
                self.alert_seen = True
            self.raw = self.raw[5 + length:]
        self.inc.write(data)
        return True

    def sendall(self, data):
        self.obj.write(data)
        self._flush()

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLZeroReturnError:
                return b""   # the peer's close_notify
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    try:
                        return self.obj.read(n)
                    except ssl.SSLWantReadError:
                        return b""

    def version(self):
        return self.obj.version()

    def selected_alpn_protocol(self):
        return self.obj.selected_alpn_protocol()

    def settimeout(self, t):
        self.sock.settimeout(t)

    def close_notify(self):
        """Send a close_notify; the peer's answer is read by eof."""
        try:
            self.obj.unwrap()
        except ssl.SSLWantReadError:
            pass
        self._flush()

    def close(self):
        self.sock.close()


def cmd_steps(args):
    """Steps, in order, on one connection:
    ssl, gss   send SSLRequest / GSSENCRequest; print ssl=X / gssenc=X
               (and the ErrorResponse when X is E)
    tls        TLS handshake on the connection (ALPN --alpn, verify-full
               against --ca and --name); print tls=ok VERSION or tls=fail
    direct     (first step) connect with TLS at once; tls=ok alpn=X
    hello      send a TLS ClientHello in the clear, as the first bytes of
               a connection that pgstunnel does not treat as TLS; print
               what comes back: answer=EOF or answer=HEX
    startup    a StartupMessage (--startup-len pads it to that many bytes);
               print each backend message up to ReadyForQuery ("Z I")
    query      a simple Query (--query); print rows ("D a|b"), errors,
               "Z I"
    cancel     a CancelRequest for the K of an earlier startup step (or
               --cancel-pid), key from it padded with zeros to
               --cancel-keylen bytes; print "cancel sent"
    raw:HEX    send these bytes
    notify     (after tls) send a TLS close_notify
    read       print one backend message
    eof        wait for the end of the connection: "eof after S s" (for
               TLS: after a close_notify), "eof after S s (no close_notify)"
               for a TLS connection closed without one, "eof after S s
               (ERROR)" for a reset, or what arrived instead
    """
    todo = [x for x in args.steps.split(",") if x]
    try:
        _run_steps(args, todo)
    except _Stop as stop:
        # A step ended the dialogue; a final "eof" step still reports how
        # the connection ends.
        if todo and todo[-1] == "eof" and stop.conn is not None:
            _wait_eof(stop.conn)


class _Stop(Exception):
    def __init__(self, conn):
        Exception.__init__(self)
        self.conn = conn


def _wait_eof(conn):
    start = time.monotonic()
    try:
        data = conn.recv(1)
        if data:
            print("answer=%s" % data.hex())
        elif isinstance(conn, TLSConn) and not conn.alert_seen:
            print("eof after %.1f s (no close_notify)"
                  % (time.monotonic() - start))
        else:
            print("eof after %.1f s" % (time.monotonic() - start))
    except socket.timeout:
        print("answer=TIMEOUT")
    except (ssl.SSLError, OSError) as e:
        print("eof after %.1f s (%s)" % (time.monotonic() - start,
                                        e.__class__.__name__))


def _run_steps(args, todo):
    conn = None
    key = None
    for step in todo:
        if step == "direct":
            sock = connect(args)
            alpn = [a for a in args.alpn.split(",") if a]
            try:
                conn = TLSConn(sock, tls_context(args, alpn), args.name)
            except (ssl.SSLError, OSError) as e:
                print("tls=fail %s" % e)
                raise _Stop(None)
            print("tls=ok alpn=%s" % conn.selected_alpn_protocol())
            continue
        if conn is None:
            conn = connect(args)
        try:
            if step in ("ssl", "gss"):
                conn.sendall(SSLREQUEST if step == "ssl" else GSSENCREQUEST)
                if not _answer_byte(conn, "ssl" if step == "ssl" else "gssenc"):
                    raise _Stop(conn)
            elif step == "tls":
                alpn = [a for a in args.alpn.split(",") if a]
                try:
                    conn = TLSConn(conn, tls_context(args, alpn), args.name)
                except (ssl.SSLError, OSError) as e:
                    print("tls=fail %s" % e)
                    raise _Stop(None)
                print("tls=ok %s" % conn.version())
            elif step == "hello":
                try:
                    conn.sendall(client_hello(args))
                except OSError as e:
                    # Closed on after the first bytes: a reset.
                    print("answer=EOF %s" % e.__class__.__name__)
                    raise _Stop(None)
                try:
                    data = conn.recv(64)
                    print("answer=%s" % (data.hex() or "EOF"))
                except socket.timeout:
                    print("answer=TIMEOUT")
                except OSError as e:
                    print("answer=EOF %s" % e.__class__.__name__)
                raise _Stop(None)
            elif step == "startup":
                conn.sendall(startup_message(total=args.startup_len))
                msgs = read_until_ready(conn)
                for mtype, body in msgs:
                    if mtype in (b"S", b"N"):
                        continue   # ParameterStatus, notices
                    if mtype == b"K":
                        pid = struct.unpack("!I", body[:4])[0]
                        key = (pid, body[4:])
                    print(describe(mtype, body))
                if msgs[-1][0] != b"Z":
                    raise _Stop(conn)
            elif step == "query":
                conn.sendall(query_message(args.query))
                for mtype, body in read_until_ready(conn):
                    if mtype in (b"T", b"C", b"S", b"N"):
                        continue
                    print(describe(mtype, body))
            elif step == "cancel":
                pid = args.cancel_pid if args.cancel_pid is not None else key[0]
                secret = key[1] if key is not None else b"\0\0\0\0"
                secret = secret[:args.cancel_keylen].ljust(args.cancel_keylen, b"\0")
                conn.sendall(cancel_request(pid, secret))
                print("cancel sent len=%d" % (12 + len(secret)))
            elif step.startswith("raw:"):
                conn.sendall(bytes.fromhex(step[4:]))
            elif step == "notify":
                conn.close_notify()
                print("close_notify sent")
            elif step == "read":
                mtype, body = read_message(conn)
                print(describe(mtype, body))
                if mtype is None:
                    raise _Stop(None)
            elif step == "eof":
                _wait_eof(conn)
                raise _Stop(None)
            else:
                print("unknown step %s" % step)
                sys.exit(2)
        except (ssl.SSLError, OSError) as e:
            print("%s=fail %s %s" % (step, e.__class__.__name__, e))
            raise _Stop(None)
    return conn, key


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["startup", "direct", "gssenc", "stuffing",
                                       "plaintext", "badlen", "idle", "steps"])
    p.add_argument("port", type=int)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--name", default="localhost", help="TLS server name")
    p.add_argument("--ca", default=None)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--alpn", default="postgresql")
    p.add_argument("--length", type=int, default=8)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--bind", default=None,
                   help="the client's own ADDR:PORT (port 0: any)")
    p.add_argument("--wait", type=float, default=1.5,
                   help="stuffing: seconds to wait for a ServerHello")
    p.add_argument("--steps", default="", help="steps: what to do, in order")
    p.add_argument("--query", default="select 1", help="steps: SQL of query")
    p.add_argument("--startup-len", type=int, default=None,
                   help="steps: pad the StartupMessage to this many bytes")
    p.add_argument("--cancel-pid", type=int, default=None)
    p.add_argument("--cancel-keylen", type=int, default=4)
    args = p.parse_args()
    if args.ca is None:
        import os
        args.ca = os.path.join(os.environ.get("CERTS", "certs"), "ca.crt")
    globals()["cmd_" + args.command](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
