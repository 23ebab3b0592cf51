/*
 * sandbox: a seccomp filter for the relay (--sandbox on, the default
 * where supported). Installed once the session is set up, just before the
 * relay: from then on only the system calls the relay, the log line and
 * the exit need are left (see sandbox.c for the list and why each one).
 * Any other system call kills the process (SECCOMP_RET_KILL_PROCESS),
 * except socket(), which fails with EACCES: syslog() reconnects with it
 * when the log daemon restarted, and losing that line must not cost the
 * session.
 *
 * The filter is written by hand in classic BPF: it checks the
 * architecture first (a process of another ABI is killed), then the
 * system call number. Supported on Linux for x86-64, aarch64, ARM (EABI)
 * and little-endian MIPS (o32); elsewhere SANDBOX_SUPPORTED is 0 and
 * --sandbox on is a configuration error.
 */
#ifndef PGSTUNNEL_SANDBOX_H
#define PGSTUNNEL_SANDBOX_H

#include <stddef.h>

#if defined(__linux__) && __has_include(<linux/seccomp.h>) &&                 \
    (defined(__x86_64__) || defined(__aarch64__) ||                            \
     (defined(__arm__) && defined(__ARM_EABI__)) ||                            \
     (defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABIO32))
#define SANDBOX_SUPPORTED 1
#else
#define SANDBOX_SUPPORTED 0
#endif

/*
 * Install the filter for this process (and its children, of which the
 * relay has none). Returns 0, or -1 with a one-line message in err (the
 * kernel refused it: built without seccomp, or an older one without
 * SECCOMP_RET_KILL_PROCESS); the caller then ends the session.
 */
int sandbox_enter(char *err, size_t errlen);

/*
 * At start-up, before any client: whether this kernel can install the
 * filter at all (seccomp's SECCOMP_GET_ACTION_AVAIL for the action a
 * violation gets: one system call, no filter installed). 0, or -1 with a
 * message naming --sandbox off in err. A kernel or emulator without
 * seccomp (qemu-user, for one) is thus found before a client is served,
 * not after its TLS handshake.
 */
int sandbox_probe(char *err, size_t errlen);

#endif
