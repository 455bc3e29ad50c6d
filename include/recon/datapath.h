#ifndef RECON_DATAPATH_H
#define RECON_DATAPATH_H
/*
 * Where formats/ and rules/ are found, first hit wins:
 *   1. $RECON_FORMAT_PATH / $RECON_RULES_PATH (colon-separated folders)
 *   2. <workspace>/formats, <workspace>/rules (set once recon.conf is loaded)
 *   3. <folder of the recon executable>/formats (an uninstalled build)
 *   4. RECON_DATADIR/formats (make install)
 */
#include <stddef.h>

/* Record the workspace folder (may be NULL). The string is copied. */
void datapath_set_workspace(const char *dir);

/* The search folders for kind ("formats" or "rules"), in order. The array and
 * strings are owned by this module and live until exit. */
size_t datapath_dirs(const char *kind, const char *const **dirs);

/* Find name + ext (e.g. "wechat-trade" + ".fmt") in kind's folders. A name
 * containing '/' is taken as a path as it is. Returns a new string the
 * caller frees, or NULL when not found. */
char *datapath_find(const char *kind, const char *name, const char *ext);

#endif
