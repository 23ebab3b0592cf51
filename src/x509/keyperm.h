/*
 * keyperm: who may own a private key file and who may read it, by
 * PostgreSQL's rule for ssl_key_file (check_ssl_key_file_permissions in
 * src/backend/libpq/be-secure-common.c). Pure: the file's mode and owner
 * and this process's effective uid in, a verdict out; keys.c applies it
 * to the fstat() of the descriptor it reads the key from.
 *
 * A file owned by root may be read by its group (mode 0640 or less: a
 * group such as ssl-cert shares system keys); any other file must belong
 * to this process's user and be private to it (0600 or less). A file
 * owned by anyone else is refused whatever its mode: that user could
 * change the key or open its mode again.
 *
 * systemd's LoadCredential= passes either test: the copy under
 * $CREDENTIALS_DIRECTORY is root's, mode 0400, with an ACL entry that lets
 * the service's user read it (stat shows the ACL mask as mode 0440), or,
 * where the file system has no ACLs, owned by the service's user, 0400.
 */
#ifndef PGSTUNNEL_KEYPERM_H
#define PGSTUNNEL_KEYPERM_H

enum keyperm_verdict {
	KEYPERM_OK,
	KEYPERM_OWNER, /* owned by neither root nor this process's user */
	KEYPERM_OPEN,  /* group or others have more access than allowed */
};

/* The verdict on a key file with st_mode mode and st_uid owner, read by
 * a process whose effective uid is euid. */
enum keyperm_verdict keyperm_judge(unsigned mode, unsigned owner,
                                   unsigned euid);

#endif
