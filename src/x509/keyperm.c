/* see keyperm.h */
#include "keyperm.h"

#include <sys/stat.h>

enum keyperm_verdict
keyperm_judge(unsigned mode, unsigned owner, unsigned euid)
{
	/* Root's file first: when this process is root too, PostgreSQL
	 * (which never runs as root) would apply the stricter rule. */
	if (owner == 0)
		return mode & (S_IWGRP | S_IXGRP | S_IRWXO) ? KEYPERM_OPEN
		                                            : KEYPERM_OK;
	if (owner != euid)
		return KEYPERM_OWNER;
	return mode & (S_IRWXG | S_IRWXO) ? KEYPERM_OPEN : KEYPERM_OK;
}
