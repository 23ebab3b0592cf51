/*
 * reload: whether the files a --listen parent loaded have changed since,
 * so that it loads them again before the next fork (a process started per
 * connection reads them afresh anyway). A file counts as changed when its
 * device, inode, size, modification or status-change time differ, or it
 * appeared or went: what a rename over it (the safe way to replace a
 * certificate), an edit in place or a chmod does.
 */
#ifndef PGSTUNNEL_RELOAD_H
#define PGSTUNNEL_RELOAD_H

#include <stdint.h>
#include <sys/stat.h>

#include "config.h"

#define RELOAD_FILES_MAX (2 * CONFIG_LIST_MAX + 8)
#define RELOAD_CHECK_MS  1000 /* at most one look at the files a second */

struct reload_stamp {
	int present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct reload_watch {
	const char *path[RELOAD_FILES_MAX];
	struct reload_stamp seen[RELOAD_FILES_MAX];
	unsigned count;
	int64_t next_check_ms;
};

/* Watch every file cfg names (certificates, keys, CAs, CRLs, the user
 * map), as they are now. */
void reload_watch_init(struct reload_watch *w, const struct config *cfg);

/* At now (milliseconds), whether a file has changed since the last
 * reload_watch_take(): looked at no more than once a RELOAD_CHECK_MS. */
int reload_watch_changed(struct reload_watch *w, int64_t now);

/* Remember the files as they are now (after a load, good or bad: a file
 * that failed is tried again only once it changes again). */
void reload_watch_take(struct reload_watch *w);

#endif
