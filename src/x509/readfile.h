/*
 * readfile: read a whole, bounded regular file into a caller's buffer,
 * at start-up (configuration, user map, certificates, keys, CA files,
 * CRLs). Nothing here allocates. The file is opened without blocking, so
 * a FIFO without a writer cannot hang a process started per connection,
 * and anything but a regular file is refused before a byte is read.
 *
 * The statuses are the first of keys.h's (KEYS_OK, KEYS_ERR_IO, ...), so
 * keys_strerror() names them too.
 */
#ifndef PGSTUNNEL_READFILE_H
#define PGSTUNNEL_READFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum readfile_status {
	READFILE_OK = 0,
	READFILE_ERR_IO,       /* cannot open or read the file (errno set) */
	READFILE_ERR_TOO_BIG,  /* more than cap bytes (errno EFBIG) */
	READFILE_ERR_NOT_FILE, /* a FIFO, a device, a directory (EINVAL) */
	READFILE_STATUS_END    /* a judge's own statuses start here */
};

/*
 * A look at the opened file's fstat() before its first byte is read (the
 * same file: no second look at the path, which could by then name
 * another). 0 lets the read go on; anything else (READFILE_STATUS_END or
 * more) stops it, and readfile() returns that.
 */
typedef int (*readfile_judge)(const struct stat *st, void *arg);

/*
 * Read the file at path, at most cap bytes, into buf; *len is how many.
 * judge (or NULL) may refuse the file first. Returns READFILE_OK, a
 * READFILE_ERR_ status with errno set, or the judge's status.
 */
int readfile(const char *path, uint8_t *buf, size_t cap, size_t *len,
             readfile_judge judge, void *arg);

#endif
