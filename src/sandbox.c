/* see sandbox.h */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if SANDBOX_SUPPORTED
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define SANDBOX_ARCH AUDIT_ARCH_ARM
#else
#define SANDBOX_ARCH AUDIT_ARCH_MIPSEL
#endif

/*
 * What a system call outside the list gets. The sanitizer builds only
 * log it: LeakSanitizer's check at exit needs clone, ptrace and /proc,
 * which the relay itself never uses (the plain build is the test that
 * the list is complete).
 */
#ifdef SECCOMP_RET_KILL_PROCESS
#define SANDBOX_KILL SECCOMP_RET_KILL_PROCESS
#else
#define SANDBOX_KILL SECCOMP_RET_KILL /* the thread: we have one */
#endif
#if defined(__SANITIZE_ADDRESS__) && defined(SECCOMP_RET_LOG)
#define SANDBOX_VIOLATION SECCOMP_RET_LOG
#else
#define SANDBOX_VIOLATION SANDBOX_KILL
#endif

#define ALLOW(name)                                                            \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1),                \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * The relay's system calls, found with strace -f on sessions (TLS and
 * cleartext, cancel, idle timeout, both ends closing first, signals):
 * poll and the reads and writes on the four descriptors, the clock for
 * the deadlines, shutdown and close at the end, the log line (getpid
 * for its prefix; syslog sends on its socket, open since start-up) and
 * exit. Each name only where the architecture has it: aarch64 has no
 * poll, 32-bit ARM and MIPS have the _time64 forms and sigreturn.
 */
static const struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SANDBOX_KILL),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
    /* x32 numbers share AUDIT_ARCH_X86_64: refuse them all. */
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SANDBOX_KILL),
#endif
    ALLOW(read),
    ALLOW(write),
    ALLOW(readv),
    ALLOW(writev),
    ALLOW(recvfrom),
    ALLOW(sendto),
#ifdef __NR_recv
    ALLOW(recv),
#endif
#ifdef __NR_send
    ALLOW(send),
#endif
#ifdef __NR_poll
    ALLOW(poll),
#endif
#ifdef __NR_ppoll
    ALLOW(ppoll),
#endif
#ifdef __NR_ppoll_time64
    ALLOW(ppoll_time64),
#endif
#ifdef __NR_clock_gettime
    ALLOW(clock_gettime),
#endif
#ifdef __NR_clock_gettime64
    ALLOW(clock_gettime64),
#endif
#ifdef __NR_gettimeofday
    ALLOW(gettimeofday),
#endif
    ALLOW(getpid),
    /* The C library's allocator may grow the heap (never mmap). */
    ALLOW(brk),
    ALLOW(shutdown),
    ALLOW(close),
    ALLOW(rt_sigreturn),
#ifdef __NR_sigreturn
    ALLOW(sigreturn),
#endif
    ALLOW(exit_group),
    ALLOW(exit),
    /* log.c connects again with socket() after the log daemon
     * restarted: refused here, that line is lost, the session goes on. */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SANDBOX_VIOLATION),
};

int
sandbox_enter(char *err, size_t errlen)
{
	struct sock_fprog prog = {
	    .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
	    .filter = (struct sock_filter *)filter,
	};

	/* Set by privdrop_apply() already; again, so that this stands
	 * alone (the kernel wants it of a process without CAP_SYS_ADMIN). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		fmt_format(
		    err, errlen,
		    "cannot install the seccomp filter: %s (--sandbox off "
		    "runs without it)",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
sandbox_probe(char *err, size_t errlen)
{
	const char *how = "seccomp";
	int rc;

#ifdef SECCOMP_GET_ACTION_AVAIL
	uint32_t action = SANDBOX_VIOLATION;

	rc = (int)syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
#else
	/* Headers older than Linux 4.14: at least seccomp is there. */
	how = "prctl(PR_GET_SECCOMP)";
	rc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 ? -1 : 0;
#endif
	if (rc != 0) {
		fmt_format(
		    err, errlen,
		    "--sandbox on: this kernel cannot install the seccomp "
		    "filter (%s: %s); run with --sandbox off",
		    how, strerror(errno));
		return -1;
	}
	return 0;
}

#else

int
sandbox_probe(char *err, size_t errlen)
{
	/* config_check() refuses --sandbox on here. */
	fmt_format(err, errlen, "no seccomp sandbox on this system");
	return -1;
}

int
sandbox_enter(char *err, size_t errlen)
{
	/* config_check() refuses --sandbox on here. */
	fmt_format(err, errlen, "no seccomp sandbox on this system");
	return -1;
}

#endif
