/*
 * denyseccomp: run a command as on a kernel (or emulator) that refuses
 * seccomp filters, for tests/integration/78-sandbox-unavailable.sh.
 *
 * Usage: denyseccomp all|install COMMAND [ARGS...]
 *   all      the seccomp() system call fails with ENOSYS and
 *            prctl(PR_SET_SECCOMP) with EINVAL (what qemu-user does):
 *            pgstunnel's start-up probe must find it;
 *   install  only prctl(PR_SET_SECCOMP) fails: the probe passes and the
 *            session's own install fails, which the client must be told.
 *
 * It installs its own filter (which the command inherits; a filter may
 * not be removed, and the kernel runs every filter installed), then
 * execs COMMAND. The host's architecture only; test code, not shipped.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR   offsetof(struct seccomp_data, nr)
#define ARG0 offsetof(struct seccomp_data, args[0]) /* low half: LE */

int
main(int argc, char **argv)
{
	int all;
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
	    /* [1] seccomp(): ENOSYS in "all" mode, else allowed. */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
	    .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
	    .filter = filter,
	};

	if (argc < 3 ||
	    (strcmp(argv[1], "all") != 0 && strcmp(argv[1], "install") != 0)) {
		fprintf(stderr, "usage: denyseccomp all|install COMMAND...\n");
		return 64;
	}
	all = strcmp(argv[1], "all") == 0;
	if (all)
		filter[2] = (struct sock_filter)BPF_STMT(
		    BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		perror("denyseccomp: cannot install the filter");
		return 71;
	}
	execvp(argv[2], argv + 2);
	perror("denyseccomp: exec");
	return 127;
}
