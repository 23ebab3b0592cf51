/* see reload.h */
#include "reload.h"

#include <string.h>

static void
stamp_of(const char *path, struct reload_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) != 0)
		return;
	s->present = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
}

static int
same(const struct reload_stamp *a, const struct reload_stamp *b)
{
	return a->present == b->present && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void
watch(struct reload_watch *w, const char *path)
{
	if (path != NULL && w->count < RELOAD_FILES_MAX)
		w->path[w->count++] = path;
}

void
reload_watch_init(struct reload_watch *w, const struct config *cfg)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < cfg->cert.count; i++)
		watch(w, cfg->cert.item[i]);
	for (size_t i = 0; i < cfg->key.count; i++)
		watch(w, cfg->key.item[i]);
	watch(w, cfg->client_ca);
	watch(w, cfg->client_crl);
	watch(w, cfg->client_user_map);
	watch(w, cfg->upstream_ca);
	watch(w, cfg->upstream_cert);
	watch(w, cfg->upstream_key);
	reload_watch_take(w);
}

int
reload_watch_changed(struct reload_watch *w, int64_t now)
{
	struct reload_stamp s;

	if (now < w->next_check_ms)
		return 0;
	w->next_check_ms = now + RELOAD_CHECK_MS;
	for (unsigned i = 0; i < w->count; i++) {
		stamp_of(w->path[i], &s);
		if (!same(&s, &w->seen[i]))
			return 1;
	}
	return 0;
}

void
reload_watch_take(struct reload_watch *w)
{
	for (unsigned i = 0; i < w->count; i++)
		stamp_of(w->path[i], &w->seen[i]);
}
