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


def startup_message(user="postgres", database="postgres"):
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", database)):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


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
    return "%s len=%d" % (mtype.decode(errors="replace"), len(body))


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
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["startup", "direct", "gssenc", "stuffing",
                                       "plaintext", "badlen", "idle"])
    p.add_argument("port", type=int)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--name", default="localhost", help="TLS server name")
    p.add_argument("--ca", default=None)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--alpn", default="postgresql")
    p.add_argument("--length", type=int, default=8)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--wait", type=float, default=1.5,
                   help="stuffing: seconds to wait for a ServerHello")
    args = p.parse_args()
    if args.ca is None:
        import os
        args.ca = os.path.join(os.environ.get("CERTS", "certs"), "ca.crt")
    globals()["cmd_" + args.command](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
