/*
 * tui-bcast.h -- the glue between the broadcast model (broadcast.h) and
 * the engine's shells, for tui.c. The only broadcast code that calls the
 * engine.
 */
#ifndef CT_TUI_BCAST_H
#define CT_TUI_BCAST_H

#include <stddef.h>

#include "broadcast.h"
#include "engine.h"

/* The TERM the remote shells get; libvterm emulates an xterm. */
#define TUI_BCAST_TERM	"xterm-256color"

/*
 * A session on the cluster nodes IDX (engine ids NODE, names NAMES) with
 * ROWS x COLS terminals; shells open at once on nodes that are up, on the
 * others when they come up. NULL when out of memory.
 */
struct broadcast *tui_bcast_start(struct engine *, const size_t *idx,
		     const int *node, const char *const *names, size_t n,
		     int rows, int cols);
/* An engine event for cluster node IDX; returns 1 if the screen changed. */
int		 tui_bcast_event(struct broadcast *, const struct engine_event *,
		     long idx);
/* Do what the model wants: open shells, send keys, resize the PTYs. */
void		 tui_bcast_sync(struct engine *, struct broadcast *);
/* Close every shell and free the session. */
void		 tui_bcast_end(struct engine *, struct broadcast *);

#endif
