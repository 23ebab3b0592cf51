/*
 * privdrop: give up what serving does not need, once everything is
 * loaded and, with --listen, bound, and before the first client byte:
 * --chroot DIR, then --user NAME and --group NAME (default the user's
 * primary group; supplementary groups dropped), then a check that root
 * cannot be regained, and PR_SET_NO_NEW_PRIVS (always: pgstunnel never
 * executes anything, and the seccomp filter of sandbox.h needs it).
 *
 * In two steps, so that a wrong name is a configuration error on stderr:
 * privdrop_prepare() looks the names up (the user and group databases
 * are outside any chroot), privdrop_apply() changes the process. With
 * --listen the parent applies it after bind(), so its children inherit
 * it; the parent keeps its log (the syslog socket is open before the
 * chroot) and its listening socket.
 */
#ifndef PGSTUNNEL_PRIVDROP_H
#define PGSTUNNEL_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

struct privdrop {
	int change_user; /* --user was given */
	uid_t uid;
	gid_t gid;
	const char *user; /* as given, for messages */
	const char *chroot_dir;
};

/*
 * A user or group id in decimal, all of text, below (id_t)-1. Returns 0,
 * or -1 when text is no such number (then it is a name). Pure.
 */
int privdrop_parse_id(const char *text, unsigned long *id);

/*
 * Resolve user (name or number; NULL: no change), group (name or number;
 * NULL: the user's primary group) and keep chroot_dir (NULL: none).
 * Returns 0, or -1 with a one-line message in err: an unknown name, a
 * number without a passwd entry and no group, root itself.
 */
int privdrop_prepare(struct privdrop *pd, const char *user, const char *group,
                     const char *chroot_dir, char *err, size_t errlen);

/*
 * Apply what pd says, in this order: tzset() (syslog's time stamps need
 * /etc/localtime, which a chroot or the sandbox would hide), chroot() and
 * chdir("/"), setgroups(0), setgid(), setuid(), the check (every uid and
 * gid is the new one, setuid(0) fails), PR_SET_NO_NEW_PRIVS. Returns 0,
 * or -1 with a one-line message in err; the caller must then not serve.
 */
int privdrop_apply(const struct privdrop *pd, char *err, size_t errlen);

#endif
