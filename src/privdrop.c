/* see privdrop.h */
#define _GNU_SOURCE /* getresuid, getresgid, setgroups */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>

#include "fmt.h"
#endif

int
privdrop_parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*id = strtoul(text, &end, 10);
	/* (uid_t)-1 means "no change" to setresuid(). */
	if (errno != 0 || *end != '\0' || *id >= (unsigned long)(uid_t)-1)
		return -1;
	return 0;
}

static int
find_group(struct privdrop *pd, const char *group, char *err, size_t errlen)
{
	unsigned long id;
	struct group *gr;

	if (privdrop_parse_id(group, &id) == 0) {
		pd->gid = (gid_t)id;
		return 0;
	}
	errno = 0;
	gr = getgrnam(group);
	if (gr == NULL) {
		fmt_format(err, errlen, "--group %s: %s", group,
		           errno != 0 ? strerror(errno) : "no such group");
		return -1;
	}
	pd->gid = gr->gr_gid;
	return 0;
}

int
privdrop_prepare(struct privdrop *pd, const char *user, const char *group,
                 const char *chroot_dir, char *err, size_t errlen)
{
	unsigned long id;
	struct passwd *pw = NULL;
	int numeric;

	memset(pd, 0, sizeof(*pd));
	pd->chroot_dir = chroot_dir;
	pd->user = user;
	if (user == NULL)
		return 0;
	pd->change_user = 1;
	numeric = privdrop_parse_id(user, &id) == 0;
	/* A number with --group needs no user database at all (one
	 * lookup less for every process started per connection). */
	if (!numeric || group == NULL) {
		errno = 0;
		pw = numeric ? getpwuid((uid_t)id) : getpwnam(user);
		if (pw == NULL) {
			fmt_format(err, errlen, "--user %s: %s%s", user,
			           errno != 0 ? strerror(errno)
			                      : "no such user",
			           numeric ? " (or give --group)" : "");
			return -1;
		}
	}
	pd->uid = pw != NULL ? pw->pw_uid : (uid_t)id;
	if (pd->uid == 0) {
		fmt_format(err, errlen,
		           "--user %s is root: it would give up nothing", user);
		return -1;
	}
	if (group != NULL)
		return find_group(pd, group, err, errlen);
	pd->gid = pw->pw_gid;
	return 0;
}

/* After the change: nothing of root is left, and it cannot come back. */
static int
verify_dropped(const struct privdrop *pd, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != pd->uid || eu != pd->uid || su != pd->uid || rg != pd->gid ||
	    eg != pd->gid || sg != pd->gid || getgroups(0, NULL) != 0) {
		fmt_format(
		    err, errlen,
		    "--user %s: the user and group ids did not all change",
		    pd->user);
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		fmt_format(err, errlen,
		           "--user %s: root could be regained after setuid; "
		           "refusing to serve",
		           pd->user);
		return -1;
	}
	return 0;
}

static int
failed(char *err, size_t errlen, const char *what, const char *arg)
{
	fmt_format(err, errlen, "%s%s: %s%s", what, arg, strerror(errno),
	           errno == EPERM ? " (this needs root)" : "");
	return -1;
}

int
privdrop_apply(const struct privdrop *pd, char *err, size_t errlen)
{
	if (pd->chroot_dir != NULL) {
		if (chroot(pd->chroot_dir) != 0)
			return failed(err, errlen, "chroot ", pd->chroot_dir);
		if (chdir("/") != 0)
			return failed(err, errlen, "chdir / in ",
			              pd->chroot_dir);
	}
	if (pd->change_user) {
		if (setgroups(0, NULL) != 0)
			return failed(err, errlen, "setgroups for --user ",
			              pd->user);
		if (setgid(pd->gid) != 0)
			return failed(err, errlen, "setgid for --user ",
			              pd->user);
		if (setuid(pd->uid) != 0)
			return failed(err, errlen, "setuid for --user ",
			              pd->user);
		if (verify_dropped(pd, err, errlen) != 0)
			return -1;
	}
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return failed(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS)", "");
#endif
	return 0;
}
