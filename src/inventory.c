/*
 * inventory.c -- the node list: -w, else Slurm, else $WCOLL, else the host
 * file; minus -x. Also the TUI's Slurm watcher and the helper plumbing.
 *
 * Slurm is asked through `clustertop slurm-helper` (slurm-helper.c) in a
 * child process: fork, exec of /proc/self/exe, stdout on a pipe (JSON
 * lines), stderr in a private memfd that we read only when the helper dies
 * (libslurm's "fatal: ..." is the reason we show). The wait is bounded
 * (inventory_set_slurm_timeout()); on timeout the helper is killed and the
 * next source is used, with inventory->warning saying why.
 *
 * Ownership: an inventory owns its nodes and their strings; "source" is a
 * static string. Host list expressions go through hostlist.c.
 */

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <slurm/slurm.h>	/* NODE_STATE_* constants only; no calls */

#include "hostlist.h"
#include "inventory.h"
#include "util.h"

#define INV_DEFAULT_TIMEOUT_MS	3000
#define INV_OUTPUT_MAX		(64 * 1024 * 1024)	/* helper stdout cap */
#define INV_STDERR_TAIL		2048			/* bytes of stderr shown */

/* A running helper. */
struct inv_helper {
	pid_t		 pid;		/* -1 once reaped */
	int		 out;		/* its stdout (our read end), -1 closed */
	int		 err;		/* memfd holding its stderr, or -1 */
	int		 status;	/* wait status once reaped */
	char		*buf;		/* unconsumed stdout bytes */
	size_t		 len;
	size_t		 size;
};

struct slurm_watch {
	struct inv_helper	 h;
	int			 eof;		/* stdout closed */
	int			 dead;		/* -1 already returned */
	char			*error;		/* last query error, or NULL */
};

static int	inv_timeout_ms;		/* 0: default; <0: no Slurm */

/* --- small helpers ----------------------------------------------------------- */

/* Append "; TEXT" to a malloc'd message (or start it). */
static void
inv_append(char **msg, const char *text)
{
	char	*s;

	if (*msg == NULL)
		s = xstrdup(text);
	else
		s = xasprintf("%s; %s", *msg, text);
	free(*msg);
	*msg = s;
}

/* Monotonic milliseconds. */
static long long
inv_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Parse a host list expression; NULL with *cause when it is invalid. */
static struct hostlist *
inv_expand(const char *expr, char **cause)
{
	struct hostlist	*hl;

	*cause = NULL;
	hl = hostlist_create();
	if (hostlist_add(hl, expr, cause) != 0) {
		hostlist_free(hl);
		return (NULL);
	}
	return (hl);
}

/* --- inventories ------------------------------------------------------------- */

static struct inventory *
inv_create(const char *source)
{
	struct inventory	*inv;

	inv = xcalloc(1, sizeof *inv);
	inv->source = source;
	return (inv);
}

/* Add a node with just a name; returns it for the caller to fill. */
static struct inventory_node *
inv_add(struct inventory *inv, const char *name, size_t *cap)
{
	struct inventory_node	*n;

	if (inv->nnodes == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		n = reallocarray(inv->nodes, *cap, sizeof *inv->nodes);
		if (n == NULL)
			abort();
		inv->nodes = n;
	}
	n = &inv->nodes[inv->nnodes++];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	return (n);
}

static void
inv_node_clear(struct inventory_node *n)
{
	free(n->name);
	free(n->addr);
	free(n->slurm_state);
	free(n->partitions);
	free(n->reason);
}

/* Free an inventory and everything it owns. */
void
inventory_free(struct inventory *inv)
{
	size_t	i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nnodes; i++)
		inv_node_clear(&inv->nodes[i]);
	free(inv->nodes);
	free(inv->warning);
	free(inv);
}

/* Find a node by name; NULL if absent. */
struct inventory_node *
inventory_find(struct inventory *inv, const char *name)
{
	size_t	i;

	for (i = 0; inv != NULL && i < inv->nnodes; i++) {
		if (strcmp(inv->nodes[i].name, name) == 0)
			return (&inv->nodes[i]);
	}
	return (NULL);
}

/* Drop the nodes that are in HL, keeping the order of the rest. */
static void
inv_remove(struct inventory *inv, struct hostlist *hl)
{
	size_t	i, j = 0;

	for (i = 0; i < inv->nnodes; i++) {
		if (hostlist_find(hl, inv->nodes[i].name) != -1) {
			inv_node_clear(&inv->nodes[i]);
			continue;
		}
		inv->nodes[j++] = inv->nodes[i];
	}
	inv->nnodes = j;
}

/* --- Slurm states ------------------------------------------------------------ */

/* The suffix sinfo adds for a state flag, by libslurm's precedence. */
static const char *
inv_state_suffix(uint32_t s)
{
	if (s & NODE_STATE_MAINT)
		return ("$");
	if (s & NODE_STATE_REBOOT_ISSUED)
		return ("^");
	if (s & NODE_STATE_REBOOT_REQUESTED)
		return ("@");
	if (s & NODE_STATE_POWERING_UP)
		return ("#");
	if (s & NODE_STATE_POWERING_DOWN)
		return ("%");
	if (s & NODE_STATE_POWERED_DOWN)
		return ("~");
	if (s & NODE_STATE_POWER_DOWN)
		return ("!");
	if (s & NODE_STATE_NO_RESPOND)
		return ("*");
	return ("");
}

/* The flags we expose, from a node_state word. */
static int
inv_state_flags(uint32_t s)
{
	uint32_t	base = s & NODE_STATE_BASE;
	int		flags = 0;

	if (s & NODE_STATE_DRAIN)
		flags |= INV_DRAIN;
	if (base == NODE_STATE_DOWN)
		flags |= INV_DOWN;
	if (s & NODE_STATE_NO_RESPOND)
		flags |= INV_NOT_RESPONDING;
	if (s & NODE_STATE_FAIL)
		flags |= INV_FAIL;
	if (s & NODE_STATE_MAINT)
		flags |= INV_MAINT;
	if (s & (NODE_STATE_REBOOT_REQUESTED | NODE_STATE_REBOOT_ISSUED))
		flags |= INV_REBOOT;
	if (s & (NODE_STATE_POWERED_DOWN | NODE_STATE_POWERING_UP |
	    NODE_STATE_POWERING_DOWN | NODE_STATE_POWER_DOWN))
		flags |= INV_POWER;
	if (s & NODE_STATE_COMPLETING)
		flags |= INV_COMPLETING;
	if (base == NODE_STATE_ALLOCATED || base == NODE_STATE_MIXED)
		flags |= INV_ALLOCATED;
	if (base == NODE_STATE_IDLE)
		flags |= INV_IDLE;
	if (base == NODE_STATE_FUTURE)
		flags |= INV_FUTURE;
	if (base == NODE_STATE_UNKNOWN || base >= NODE_STATE_END ||
	    base == NODE_STATE_ERROR)
		flags |= INV_UNKNOWN;
	if (s & NODE_STATE_RES)
		flags |= INV_RESERVED;
	if (s & NODE_STATE_INVALID_REG)
		flags |= INV_INVALID_REG;
	return (flags);
}

/*
 * Decode a Slurm node_state word into sinfo's compact name, lowercase, and
 * *flags. The order of the tests is libslurm 22.05's
 * node_state_string_compact(); the unit test checks every combination
 * against the library.
 */
const char *
inventory_decode_state(uint32_t s, int *flags)
{
	static __thread char	 buf[16];
	uint32_t		 b = s & NODE_STATE_BASE;
	const char		*w, *sfx = "";
	int			 busy, nr;
	char			*p;

	busy = (b == NODE_STATE_ALLOCATED || b == NODE_STATE_MIXED);
	nr = (s & NODE_STATE_NO_RESPOND) != 0;
	if (flags != NULL)
		*flags = inv_state_flags(s);

	if (s & NODE_STATE_INVALID_REG)
		w = "INVAL";
	else if ((s & NODE_STATE_MAINT) && !(s & NODE_STATE_DRAIN) && !busy &&
	    b != NODE_STATE_DOWN) {
		w = "MAINT";
		sfx = nr ? "*" : "";
	} else if ((s & (NODE_STATE_REBOOT_REQUESTED |
	    NODE_STATE_REBOOT_ISSUED)) && !busy) {
		w = "BOOT";
		if (s & NODE_STATE_REBOOT_ISSUED)
			sfx = "^";
		else
			sfx = nr ? "*" : "";
	} else if (s & NODE_STATE_DRAIN) {
		if ((s & NODE_STATE_COMPLETING) || busy)
			w = "DRNG";
		else
			w = "DRAIN";
		sfx = inv_state_suffix(s);
	} else if (s & NODE_STATE_FAIL) {
		if ((s & NODE_STATE_COMPLETING) || b == NODE_STATE_ALLOCATED)
			w = "FAILG";
		else
			w = "FAIL";
		sfx = nr ? "*" : "";
	} else if (b == NODE_STATE_DOWN) {
		w = "DOWN";
		sfx = inv_state_suffix(s);
	} else if (b == NODE_STATE_ALLOCATED) {
		w = "ALLOC";
		sfx = inv_state_suffix(s);
		if (*sfx == '\0' && (s & NODE_STATE_COMPLETING))
			sfx = "+";
	} else if (s & NODE_STATE_COMPLETING) {
		w = "COMP";
		sfx = inv_state_suffix(s);
	} else if (b == NODE_STATE_IDLE) {
		w = "IDLE";
		sfx = inv_state_suffix(s);
		if (*sfx == '\0') {
			if (s & NODE_STATE_NET)
				w = "NPC";
			else if (s & NODE_STATE_RES)
				w = "RESV";
			else if (s & NODE_STATE_PLANNED)
				w = "PLND";
		}
	} else if (b == NODE_STATE_MIXED) {
		w = "MIX";
		sfx = inv_state_suffix(s);
		if (*sfx == '\0' && (s & NODE_STATE_PLANNED))
			sfx = "-";
	} else if (b == NODE_STATE_FUTURE) {
		w = "FUTR";
		sfx = inv_state_suffix(s);
	} else if (s & NODE_RESUME)
		w = "RESM";
	else if (b == NODE_STATE_UNKNOWN) {
		w = "UNK";
		sfx = nr ? "*" : "";
	} else
		w = "?";

	snprintf(buf, sizeof buf, "%s%s", w, sfx);
	for (p = buf; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	}
	return (buf);
}

/* --- configuration discovery ------------------------------------------------- */

/* Is PATH a readable regular file? Sets errno when not. */
static int
inv_usable_file(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) != 0)
		return (0);
	if (!S_ISREG(sb.st_mode)) {
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		return (0);
	}
	if (access(path, R_OK) != 0)
		return (0);
	return (1);
}

/* Find the Slurm configuration the way slurm_init() would. */
/* ClusterName from the Slurm configuration, else the host name; malloc'd. */
char *
inventory_cluster_name(void)
{
	char	*path = NULL, *cause = NULL, line[512], *p, *end;
	char	 host[256];
	FILE	*f;

	if (inventory_slurm_conf(&path, &cause) == 0 &&
	    (f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			p = line + strspn(line, " \t");
			if (strncasecmp(p, "ClusterName=", 12) != 0)
				continue;
			p += 12;
			end = p + strcspn(p, " \t\r\n#");
			*end = '\0';
			if (*p != '\0') {
				fclose(f);
				free(path);
				return (xstrdup(p));
			}
		}
		fclose(f);
	}
	free(path);
	free(cause);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "cluster");
	host[sizeof host - 1] = '\0';
	return (xstrdup(host));
}

int
inventory_slurm_conf(char **path, char **cause)
{
	static const char *const candidates[] = {
		"/etc/slurm/slurm.conf",
		"/run/slurm/conf/slurm.conf"
	};
	const char	*env;
	size_t		 i;

	*path = NULL;
	*cause = NULL;
	env = getenv("SLURM_CONF");
	if (env != NULL) {
		/* libslurm uses SLURM_CONF alone when it is set. */
		if (*env == '\0') {
			*cause = xstrdup("SLURM_CONF is set but empty");
			return (-1);
		}
		if (!inv_usable_file(env)) {
			*cause = xasprintf("SLURM_CONF=%s: %s", env,
			    strerror(errno));
			return (-1);
		}
		*path = xstrdup(env);
		return (0);
	}
	for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		if (inv_usable_file(candidates[i])) {
			*path = xstrdup(candidates[i]);
			return (0);
		}
		if (errno != ENOENT) {
			*cause = xasprintf("%s: %s", candidates[i],
			    strerror(errno));
			return (-1);
		}
	}
	return (-1);	/* no Slurm here: *cause stays NULL */
}

/* The config host file that would be used, or NULL if none exists. */
char *
inventory_hostfile(void)
{
	const char	*xdg, *home;
	struct passwd	*pw;
	char		*path;

	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && *xdg == '/')
		path = xasprintf("%s/clustertop/hosts", xdg);
	else {
		home = getenv("HOME");
		if ((home == NULL || *home == '\0') &&
		    (pw = getpwuid(getuid())) != NULL)
			home = pw->pw_dir;
		path = home != NULL ?
		    xasprintf("%s/.config/clustertop/hosts", home) : NULL;
	}
	if (path != NULL && inv_usable_file(path))
		return (path);
	free(path);
	if (inv_usable_file("/etc/clustertop/hosts"))
		return (xstrdup("/etc/clustertop/hosts"));
	return (NULL);
}

/*
 * Read a host file (pdsh WCOLL format): hosts or host list expressions,
 * separated by newlines or blanks, '#' starts a comment. Duplicates are
 * dropped, the file's order kept.
 */
static int
inv_read_hostfile(const char *path, struct inventory *inv, char **cause)
{
	struct hostlist	*hl;
	FILE		*f;
	char		*line = NULL, *p, *c;
	size_t		 linesize = 0, i, cap = 0;
	int		 lineno = 0, rc = 0;

	*cause = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	hl = hostlist_create();
	while (getline(&line, &linesize, f) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line + strspn(line, " \t\r\n");
		if (*p == '\0')
			continue;
		if (hostlist_add(hl, p, &c) != 0) {
			*cause = xasprintf("%s:%d: %s", path, lineno,
			    c != NULL ? c : "bad host list");
			free(c);
			rc = -1;
			goto out;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		rc = -1;
		goto out;
	}
	for (i = 0; i < hostlist_count(hl); i++)
		inv_add(inv, hostlist_get(hl, i), &cap);
out:
	hostlist_free(hl);
	free(line);
	fclose(f);
	return (rc);
}

/* --- the helper process ------------------------------------------------------ */

/* Start `clustertop slurm-helper ARGS...` with stdout on a pipe. */
static int
inv_helper_spawn(struct inv_helper *h, const char *const args[], char **cause)
{
	const char	*exe, **argv;
	size_t		 n, i;
	pid_t		 parent = getpid();
	int		 pfd[2], devnull, flags;

	memset(h, 0, sizeof *h);
	h->pid = -1;
	h->out = h->err = -1;

	for (n = 0; args[n] != NULL; n++)
		;
	argv = xcalloc(n + 3, sizeof *argv);
	exe = getenv("CLUSTERTOP_SLURM_HELPER");
	if (exe == NULL || *exe == '\0')
		exe = "/proc/self/exe";
	argv[0] = "clustertop";
	argv[1] = "slurm-helper";
	for (i = 0; i < n; i++)
		argv[i + 2] = args[i];

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		free(argv);
		return (-1);
	}
	/* Its stderr goes to a private file we read only if it dies. */
	h->err = memfd_create("clustertop-slurm-helper", MFD_CLOEXEC);
	if (h->err != -1) {
		flags = fcntl(h->err, F_GETFL);
		fcntl(h->err, F_SETFL, flags | O_APPEND);
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	h->pid = fork();
	if (h->pid == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		if (h->err != -1)
			close(h->err);
		if (devnull != -1)
			close(devnull);
		h->err = -1;
		free(argv);
		return (-1);
	}
	if (h->pid == 0) {
		struct sigaction	 sa;
		sigset_t		 set;

		int			 in, out, err;

		/*
		 * Only async-signal-safe calls from here to exec. Move the
		 * sources above 2 first, in case our own 0-2 were closed.
		 */
		in = devnull != -1 ? fcntl(devnull, F_DUPFD, 10) : -1;
		out = fcntl(pfd[1], F_DUPFD, 10);
		err = h->err != -1 ? fcntl(h->err, F_DUPFD, 10) : in;
		if (out == -1)
			_exit(127);
		if (in != -1)
			dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		if (err != -1)
			dup2(err, STDERR_FILENO);
		/* No SSH sockets or other descriptors leak into the helper. */
		if (close_range(STDERR_FILENO + 1, ~0U, 0) != 0) {
			int	fd;

			for (fd = STDERR_FILENO + 1; fd < 4096; fd++)
				close(fd);
		}
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &sa, NULL);
		/*
		 * ^C at the terminal is for clustertop (the console cancels
		 * its command with it); the helper ends when we do anyway.
		 */
		sa.sa_handler = SIG_IGN;
		sigaction(SIGINT, &sa, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		execv(exe, (char *const *)argv);
		(void)!write(STDERR_FILENO, "exec of the helper failed\n", 26);
		_exit(127);
	}
	free(argv);
	close(pfd[1]);
	if (devnull != -1)
		close(devnull);
	h->out = pfd[0];
	flags = fcntl(h->out, F_GETFL);
	fcntl(h->out, F_SETFL, flags | O_NONBLOCK);
	return (0);
}

/* Read what is available; returns 0 on EOF, 1 if open, -1 on error. */
static int
inv_helper_read(struct inv_helper *h)
{
	ssize_t	n;
	char	*nbuf;

	for (;;) {
		if (h->size - h->len < 65536) {
			if (h->size >= INV_OUTPUT_MAX) {
				errno = EFBIG;
				return (-1);
			}
			h->size = h->size == 0 ? 65536 : h->size * 2;
			if ((nbuf = realloc(h->buf, h->size)) == NULL)
				abort();
			h->buf = nbuf;
		}
		n = read(h->out, h->buf + h->len, h->size - h->len - 1);
		if (n > 0) {
			h->len += n;
			continue;
		}
		if (n == 0)
			return (0);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (1);
		return (-1);
	}
}

/* Drop libslurm's "clustertop: " prefix and leading blanks. */
static char *
inv_stderr_line(char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "clustertop: ", 12) == 0)
		line += 12;
	return (line);
}

/*
 * The reason in the helper's stderr, as one clean line: its last "fatal"
 * line with the first "error" line that led to it (a config parse error,
 * say), else that error, else the last line.
 */
static char *
inv_helper_stderr(struct inv_helper *h)
{
	char		 buf[INV_STDERR_TAIL + 1], *p, *line, *save, *out;
	char		*fatal = NULL, *error = NULL, *last = NULL;
	struct stat	 sb;
	off_t		 off;
	ssize_t		 n;

	if (h->err == -1 || fstat(h->err, &sb) != 0 || sb.st_size == 0)
		return (NULL);
	off = sb.st_size > INV_STDERR_TAIL ? sb.st_size - INV_STDERR_TAIL : 0;
	n = pread(h->err, buf, sizeof buf - 1, off);
	if (n <= 0)
		return (NULL);
	buf[n] = '\0';
	p = buf;
	if (off > 0 && (p = strchr(buf, '\n')) != NULL)
		p++;		/* skip the partial first line */
	for (line = strtok_r(p, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		line = inv_stderr_line(line);
		if (*line == '\0')
			continue;
		if (strncmp(line, "fatal", 5) == 0)
			fatal = line;
		else if (error == NULL && strncmp(line, "error", 5) == 0)
			error = line;
		last = line;
	}
	if (fatal != NULL && error != NULL)
		out = xasprintf("%s (after %s)", fatal, error);
	else if (fatal != NULL || error != NULL)
		out = xstrdup(fatal != NULL ? fatal : error);
	else if (last != NULL)
		out = xstrdup(last);
	else
		return (NULL);
	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	}
	return (out);
}

/* Describe how the helper ended. */
static char *
inv_helper_death(struct inv_helper *h)
{
	char	*why, *err;

	err = inv_helper_stderr(h);
	if (h->pid != -1)
		why = xstrdup("the Slurm helper vanished");
	else if (WIFSIGNALED(h->status))
		why = xasprintf("the Slurm helper was killed by signal %d",
		    WTERMSIG(h->status));
	else if (WEXITSTATUS(h->status) == 127)
		why = xstrdup("the Slurm helper could not be started");
	else
		why = xasprintf("the Slurm helper exited with status %d",
		    WEXITSTATUS(h->status));
	if (err != NULL) {
		char	*s = xasprintf("%s: %s", why, err);

		free(why);
		free(err);
		why = s;
	}
	return (why);
}

/* Wait for the helper to exit until DEADLINE (ms), then kill it. */
static int
inv_helper_reap(struct inv_helper *h, long long deadline)
{
	pid_t	r;

	while (h->pid != -1) {
		r = waitpid(h->pid, &h->status, WNOHANG);
		if (r == h->pid || (r == -1 && errno == ECHILD)) {
			if (r == -1)
				h->status = 0;
			h->pid = -1;
			break;
		}
		if (r == -1 && errno != EINTR)
			break;
		if (inv_now_ms() >= deadline) {
			kill(h->pid, SIGKILL);
			while (waitpid(h->pid, &h->status, 0) == -1 &&
			    errno == EINTR)
				;
			h->pid = -1;
			return (-1);
		}
		usleep(5000);
	}
	return (0);
}

/* Kill (if running) and forget a helper. */
static void
inv_helper_close(struct inv_helper *h)
{
	if (h->pid != -1) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, &h->status, 0) == -1 && errno == EINTR)
			;
		h->pid = -1;
	}
	if (h->out != -1)
		close(h->out);
	if (h->err != -1)
		close(h->err);
	h->out = h->err = -1;
	free(h->buf);
	h->buf = NULL;
	h->len = h->size = 0;
}

/*
 * Run the helper to completion within TIMEOUT_MS. Returns 0 with the last
 * complete JSON line in *line; -1 with *cause, and *timed_out set when the
 * deadline passed.
 */
static int
inv_helper_call(const char *const args[], int timeout_ms, char **line,
    char **cause, int *timed_out)
{
	struct inv_helper	 h;
	struct pollfd		 pfd;
	long long		 deadline, left;
	char			*p, *end, *last = NULL;
	int			 r = 1;

	*line = NULL;
	*timed_out = 0;
	if (inv_helper_spawn(&h, args, cause) != 0)
		return (-1);
	deadline = inv_now_ms() + timeout_ms;
	while (r == 1) {
		left = deadline - inv_now_ms();
		if (left <= 0) {
			*timed_out = 1;
			inv_helper_close(&h);
			*cause = xasprintf("no answer within %d.%d s",
			    timeout_ms / 1000, (timeout_ms % 1000) / 100);
			return (-1);
		}
		pfd.fd = h.out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			*cause = xasprintf("poll: %s", strerror(errno));
			inv_helper_close(&h);
			return (-1);
		}
		r = inv_helper_read(&h);
	}
	if (r == -1) {
		*cause = xasprintf("reading the Slurm helper: %s",
		    strerror(errno));
		inv_helper_close(&h);
		return (-1);
	}
	if (inv_helper_reap(&h, deadline) != 0) {
		*timed_out = 1;
		*cause = xasprintf("no answer within %d.%d s",
		    timeout_ms / 1000, (timeout_ms % 1000) / 100);
		inv_helper_close(&h);
		return (-1);
	}

	/* The last complete line that looks like JSON is the answer. */
	if (h.buf != NULL) {
		h.buf[h.len] = '\0';
		for (p = h.buf; (end = strchr(p, '\n')) != NULL; p = end + 1) {
			*end = '\0';
			if (*p == '{')
				last = p;
		}
	}
	if (last == NULL) {
		*cause = inv_helper_death(&h);
		inv_helper_close(&h);
		return (-1);
	}
	*line = xstrdup(last);
	inv_helper_close(&h);
	return (0);
}

/* Run `clustertop slurm-helper ARGS...` and return its last JSON line. */
int
slurm_helper_run(const char *const args[], int timeout_ms, char **line,
    char **cause)
{
	cJSON		*obj;
	const char	*type, *err;
	int		 timed_out;

	*cause = NULL;
	if (inv_helper_call(args, timeout_ms, line, cause, &timed_out) != 0)
		return (-1);
	obj = cJSON_Parse(*line);
	type = cJSON_GetStringValue(cJSON_GetObjectItem(obj, "type"));
	if (type != NULL && strcmp(type, "error") == 0) {
		err = cJSON_GetStringValue(cJSON_GetObjectItem(obj, "error"));
		*cause = xstrdup(err != NULL ? err : "Slurm error");
		cJSON_Delete(obj);
		free(*line);
		*line = NULL;
		return (-1);
	}
	cJSON_Delete(obj);
	return (0);
}

/* --- helper output ----------------------------------------------------------- */

static char *
inv_json_str(cJSON *o, const char *key)
{
	const char	*s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	if (s == NULL || *s == '\0')
		return (NULL);
	return (xstrdup(s));
}

/*
 * A number from 0 to MAX, else 0 (unknown): converting a double out of
 * the target type's range is undefined, and the helper's numbers are only
 * as sane as the controller's (tests/fuzz/fuzz-slurmmsg.c found 1e300).
 */
static double
inv_json_num(cJSON *o, const char *key, double max)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    !(v->valuedouble <= max))
		return (0);
	return (v->valuedouble);
}

/* Parse one line of helper output. */
int
inventory_parse_line(const char *line, size_t len, struct inventory **out,
    char **cause)
{
	struct inventory	*inv;
	struct inventory_node	*n;
	cJSON			*obj, *arr, *o, *st;
	const char		*type, *err, *name;
	size_t			 cap = 0;
	int			 flags;

	*out = NULL;
	*cause = NULL;
	obj = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		*cause = xstrdup("the Slurm helper sent bad JSON");
		return (-1);
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj,
	    "type"));
	if (type != NULL && strcmp(type, "error") == 0) {
		err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj,
		    "error"));
		*cause = xstrdup(err != NULL ? err : "unknown Slurm error");
		cJSON_Delete(obj);
		return (-1);
	}
	if (type == NULL || strcmp(type, "nodes") != 0) {
		cJSON_Delete(obj);
		return (0);
	}
	arr = cJSON_GetObjectItemCaseSensitive(obj, "nodes");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(obj);
		*cause = xstrdup("the Slurm helper sent no node array");
		return (-1);
	}

	inv = inv_create("slurm");
	cJSON_ArrayForEach(o, arr) {
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "name"));
		if (name == NULL || *name == '\0')
			continue;
		n = inv_add(inv, name, &cap);
		n->addr = inv_json_str(o, "addr");
		st = cJSON_GetObjectItemCaseSensitive(o, "state");
		if (cJSON_IsNumber(st) && st->valuedouble >= 0 &&
		    st->valuedouble <= UINT32_MAX) {
			n->slurm_state = xstrdup(inventory_decode_state(
			    (uint32_t)st->valuedouble, &flags));
			n->slurm_flags = flags;
		}
		/* A helper's own name wins: it knows its libslurm. */
		if (cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "state_name")) != NULL) {
			free(n->slurm_state);
			n->slurm_state = inv_json_str(o, "state_name");
		}
		n->partitions = inv_json_str(o, "partitions");
		n->cpus = (int)inv_json_num(o, "cpus", INT_MAX);
		/* 2^53: every integer below is exact in a double. */
		n->memory_mb = (uint64_t)inv_json_num(o, "memory_mb",
		    9007199254740992.0);
		n->reason = inv_json_str(o, "reason");
	}
	cJSON_Delete(obj);
	*out = inv;
	return (1);
}

/* --- loading ----------------------------------------------------------------- */

/* How long inventory_load() waits for Slurm, in milliseconds. */
void
inventory_set_slurm_timeout(int ms)
{
	inv_timeout_ms = ms;
}

/* The effective Slurm timeout in ms (<0: Slurm is not asked). */
int
inventory_slurm_timeout(void)
{
	const char	*env;
	char		*end;
	double		 s;

	if (inv_timeout_ms != 0)
		return (inv_timeout_ms);
	env = getenv("CLUSTERTOP_SLURM_TIMEOUT");
	if (env != NULL && *env != '\0') {
		s = strtod(env, &end);
		if (*end == '\0' && s >= 0 && s < 86400)
			return (s == 0 ? -1 : (int)(s * 1000));
	}
	return (INV_DEFAULT_TIMEOUT_MS);
}

/*
 * Ask Slurm for its nodes. Returns 0 with *out; -1 with *why (why it was
 * not used), *why NULL when Slurm is simply not configured.
 */
static int
inv_load_slurm(struct inventory **out, char **why)
{
	static const char *const args[] = { "nodes", NULL };
	char	*path, *cause, *line;
	int	 timeout, timed_out;

	*out = NULL;
	*why = NULL;
	timeout = inventory_slurm_timeout();
	if (timeout < 0) {
		*why = xstrdup("not asked (Slurm timeout set to 0)");
		return (-1);
	}
	if (inventory_slurm_conf(&path, &cause) != 0) {
		*why = cause;
		return (-1);
	}
	if (inv_helper_call(args, timeout, &line, &cause, &timed_out) != 0) {
		if (timed_out)
			*why = xasprintf("no answer from Slurm within "
			    "%d.%d s: controller unreachable? (%s)",
			    timeout / 1000, (timeout % 1000) / 100, path);
		else
			*why = xasprintf("%s (%s)", cause, path);
		free(cause);
		free(path);
		return (-1);
	}
	if (inventory_parse_line(line, strlen(line), out, &cause) != 1) {
		*why = cause != NULL ? xasprintf("%s (%s)", cause, path) :
		    xasprintf("the Slurm helper gave no node list (%s)", path);
		free(cause);
		free(line);
		free(path);
		return (-1);
	}
	free(line);
	free(path);
	return (0);
}

/* Copy Slurm's data for the nodes both lists know. */
static void
inv_enrich(struct inventory *inv, struct inventory *slurm)
{
	struct inventory_node	*n, *s;
	struct hostlist		*idx;
	size_t			 i;
	int			 k;

	/* Slurm names are unique, so list index == node index. */
	idx = hostlist_create();
	for (i = 0; i < slurm->nnodes; i++)
		hostlist_push(idx, slurm->nodes[i].name);
	if (hostlist_count(idx) != slurm->nnodes) {
		hostlist_free(idx);
		return;		/* duplicate names: cannot happen */
	}
	for (i = 0; i < inv->nnodes; i++) {
		n = &inv->nodes[i];
		if ((k = hostlist_find(idx, n->name)) == -1)
			continue;
		s = &slurm->nodes[k];
		n->addr = s->addr;
		n->slurm_state = s->slurm_state;
		n->slurm_flags = s->slurm_flags;
		n->partitions = s->partitions;
		n->cpus = s->cpus;
		n->memory_mb = s->memory_mb;
		n->reason = s->reason;
		s->addr = s->slurm_state = s->partitions = s->reason = NULL;
	}
	hostlist_free(idx);
}

/* Build the node list. */
int
inventory_load(struct inventory **out, const char *wexpr, const char *xexpr,
    char **cause)
{
	struct inventory	*inv = NULL, *slurm;
	struct hostlist		*whl = NULL, *xhl = NULL;
	char			*why = NULL, *c, *path;
	const char		*wcoll;
	size_t			 i, cap = 0;

	*out = NULL;
	*cause = NULL;

	/* Check both expressions first: a typo must not cost a Slurm wait. */
	if (wexpr != NULL && (whl = inv_expand(wexpr, &c)) == NULL) {
		*cause = xasprintf("-w: %s", c != NULL ? c : "bad host list");
		free(c);
		return (-2);
	}
	if (xexpr != NULL && (xhl = inv_expand(xexpr, &c)) == NULL) {
		*cause = xasprintf("-x: %s", c != NULL ? c : "bad host list");
		free(c);
		hostlist_free(whl);
		return (-2);
	}

	if (whl != NULL) {
		inv = inv_create("-w");
		for (i = 0; i < hostlist_count(whl); i++)
			inv_add(inv, hostlist_get(whl, i), &cap);
		hostlist_free(whl);
		/* Enrich with Slurm; complain only if Slurm is set up. */
		if (inv_load_slurm(&slurm, &why) == 0) {
			inv_enrich(inv, slurm);
			inventory_free(slurm);
		} else if (why != NULL) {
			inv->warning = xasprintf("Slurm data not used: %s",
			    why);
			free(why);
			why = NULL;
		}
		goto done;
	}

	if (inv_load_slurm(&inv, &why) == 0) {
		if (inv->nnodes > 0)
			goto done;
		inventory_free(inv);
		inv = NULL;
		why = xstrdup("Slurm knows no nodes");
	}
	c = xasprintf("Slurm not used: %s", why != NULL ? why :
	    "no configuration found (SLURM_CONF unset, no "
	    "/etc/slurm/slurm.conf or /run/slurm/conf/slurm.conf)");
	free(why);
	why = c;

	wcoll = getenv("WCOLL");
	if (wcoll != NULL && *wcoll != '\0') {
		inv = inv_create("WCOLL");
		if (inv_read_hostfile(wcoll, inv, &c) == 0 && inv->nnodes > 0)
			goto done;
		inventory_free(inv);
		inv = NULL;
		if (c == NULL)
			c = xasprintf("WCOLL=%s: no hosts", wcoll);
		else {
			char	*s = xasprintf("WCOLL: %s", c);

			free(c);
			c = s;
		}
		inv_append(&why, c);
		free(c);
	}

	if ((path = inventory_hostfile()) != NULL) {
		inv = inv_create("hostfile");
		if (inv_read_hostfile(path, inv, &c) == 0 && inv->nnodes > 0) {
			free(path);
			goto done;
		}
		inventory_free(inv);
		inv = NULL;
		if (c == NULL)
			c = xasprintf("%s: no hosts", path);
		inv_append(&why, c);
		free(c);
		free(path);
	} else
		inv_append(&why, "no $WCOLL and no host file "
		    "(~/.config/clustertop/hosts, /etc/clustertop/hosts)");

	*cause = xasprintf("no node list: %s", why);
	free(why);
	hostlist_free(xhl);
	return (-1);

done:
	/* A fallback source carries the reason Slurm was not used. */
	if (why != NULL && inv->warning == NULL)
		inv->warning = why;
	else
		free(why);
	if (xhl != NULL) {
		inv_remove(inv, xhl);
		hostlist_free(xhl);
	}
	*out = inv;
	return (0);
}

/* --- the watcher ------------------------------------------------------------- */

/* Fork the helper in watch mode; NULL if Slurm is not configured. */
struct slurm_watch *
slurm_watch_start(int interval_ms)
{
	struct slurm_watch	*w;
	const char		*args[4];
	char			*path, *cause, ms[32];

	if (inventory_slurm_conf(&path, &cause) != 0) {
		free(cause);
		return (NULL);
	}
	free(path);
	if (interval_ms <= 0)
		interval_ms = 5000;
	snprintf(ms, sizeof ms, "%d", interval_ms);
	args[0] = "nodes";
	args[1] = "--interval";
	args[2] = ms;
	args[3] = NULL;

	w = xcalloc(1, sizeof *w);
	if (inv_helper_spawn(&w->h, args, &cause) != 0) {
		free(cause);
		free(w);
		return (NULL);
	}
	return (w);
}

/* The descriptor to watch for updates. */
int
slurm_watch_fd(struct slurm_watch *w)
{
	return (w->h.out);
}

/* The last query's error, or NULL. */
const char *
slurm_watch_error(struct slurm_watch *w)
{
	return (w->error);
}

/* Read what arrived; never blocks. */
int
slurm_watch_read(struct slurm_watch *w, struct inventory **out, char **cause)
{
	struct inventory	*inv, *latest = NULL;
	char			*p, *end, *c;
	size_t			 used = 0;
	int			 r;

	*out = NULL;
	*cause = NULL;
	if (w->dead) {
		*cause = xstrdup("the Slurm helper is not running");
		return (-1);
	}
	if (!w->eof) {
		r = inv_helper_read(&w->h);
		if (r == 0 || r == -1)
			w->eof = 1;
	}

	/* Complete lines only; keep the latest snapshot or error. */
	p = w->h.buf;
	while (p != NULL && (end = memchr(p, '\n', w->h.len - used)) != NULL) {
		r = inventory_parse_line(p, end - p, &inv, &c);
		if (r == 1) {
			inventory_free(latest);
			latest = inv;
			free(w->error);
			w->error = NULL;
		} else if (r == -1) {
			inventory_free(latest);
			latest = inv_create("slurm");
			latest->warning = xasprintf("Slurm: %s", c);
			free(w->error);
			w->error = c;
		}
		used += end - p + 1;
		p = end + 1;
	}
	if (used > 0) {
		memmove(w->h.buf, w->h.buf + used, w->h.len - used);
		w->h.len -= used;
	}

	if (latest != NULL) {
		/* Keep the helper's stderr log from growing for days. */
		if (w->h.err != -1 && lseek(w->h.err, 0, SEEK_END) > 65536)
			(void)!ftruncate(w->h.err, 0);
		*out = latest;
		return (1);
	}
	if (w->eof) {
		w->dead = 1;
		/* EOF means it is exiting: wait briefly, then kill. */
		inv_helper_reap(&w->h, inv_now_ms() + 100);
		*cause = inv_helper_death(&w->h);
		return (-1);
	}
	return (0);
}

/* Kill the helper and free everything. */
void
slurm_watch_stop(struct slurm_watch *w)
{
	if (w == NULL)
		return;
	inv_helper_close(&w->h);
	free(w->error);
	free(w);
}
