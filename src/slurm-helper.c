/*
 * slurm-helper.c -- `clustertop slurm-helper`: the only code that calls
 * libslurm, run in a child process.
 *
 * libslurm exit()s on a missing or broken slurm.conf, retries for a minute
 * when SLURM_CONF names a missing file, blocks for seconds when the
 * controller is down and prints to stderr. So clustertop never calls it in
 * its own process: inventory.c forks and execs this subcommand with stdout
 * on a pipe and stderr in a private log, bounds the wait, and turns any
 * failure into a warning. Before slurm_init() we stat() the same config
 * candidates libslurm would use, so the common "no Slurm here" and "bad
 * SLURM_CONF" cases never reach libslurm at all.
 *
 * Every answer is one JSON object on one line of stdout:
 *
 *   slurm-helper nodes [--interval MS]
 *	{"type":"nodes","nodes":[{"name","addr","hostname","state" (the raw
 *	 node_state word),"state_name" (sinfo compact, lowercase),"partitions",
 *	 "cpus","memory_mb","reason"}, ...]}
 *	once, or with --interval every time the nodes or partitions changed;
 *   slurm-helper submit --nodes N [--nodelist LIST] --script FILE
 *	    --output PATTERN [--error PATTERN] [--name NAME] [--partition P]
 *	    [--time MIN] [--ntasks-per-node K] [--workdir DIR] [--uid USER]
 *	(--uid: root submits on USER's behalf, as sbatch --uid does: the job
 *	 runs as USER with USER's HOME, USER, LOGNAME and SHELL)
 *	{"type":"submitted","job_id":N,"user_msg":...}
 *   slurm-helper job ID [--interval MS]
 *	{"type":"job","job_id","name","state","finished","nodes",
 *	 "exit_code","exit_signal","stdout","stderr",...}
 *	once, or with --interval on every change until the job finished;
 *   any of them on failure:
 *	{"type":"error","errno":N,"error":"text"}
 *
 * Exit status: 0 after an answer, 1 after an error object, 2 on bad usage.
 */

#include <sys/prctl.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include "cmd.h"
#include "inventory.h"
#include "util.h"

extern char	**environ;

static int	slurm_helper_nodes(int, char **);
static int	slurm_helper_submit(int, char **);
static int	slurm_helper_job(int, char **);

/* Write one JSON object as a line; exit when the reader has gone. */
static void
slurm_helper_emit(cJSON *obj)
{
	char	*s;

	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (s == NULL) {
		fprintf(stderr, "slurm-helper: out of memory\n");
		exit(1);
	}
	if (fputs(s, stdout) == EOF || putchar('\n') == EOF ||
	    fflush(stdout) == EOF) {
		/* Our parent stopped listening: nothing left to do. */
		exit(1);
	}
	cJSON_free(s);
}

/* Emit an error object built from a message and an errno-like code. */
static void
slurm_helper_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
slurm_helper_error(int code, const char *fmt, ...)
{
	cJSON	*obj;
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "type", "error");
	cJSON_AddNumberToObject(obj, "errno", code);
	cJSON_AddStringToObject(obj, "error", msg != NULL ? msg : "?");
	free(msg);
	slurm_helper_emit(obj);
}

/* Emit the last libslurm error as an error object. */
static void
slurm_helper_slurm_error(const char *what)
{
	int	e = slurm_get_errno();

	slurm_helper_error(e, "%s: %s", what, slurm_strerror(e));
}

/* Add a string member, or JSON null for a NULL or empty string. */
static void
slurm_helper_add_str(cJSON *obj, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		cJSON_AddNullToObject(obj, key);
	else
		cJSON_AddStringToObject(obj, key, value);
}

/* Parse a positive decimal option value; exit 2 on garbage. */
static long
slurm_helper_number(const char *opt, const char *s, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n <= 0 || n > max) {
		fprintf(stderr, "clustertop slurm-helper: bad %s: %s\n",
		    opt, s);
		exit(CT_EXIT_USAGE);
	}
	return (n);
}

/*
 * Check the configuration without libslurm and then initialise it with
 * exactly that file. Emits an error object and returns -1 when there is
 * no usable configuration.
 */
static int
slurm_helper_init(void)
{
	char	*path, *cause;

	if (inventory_slurm_conf(&path, &cause) != 0) {
		slurm_helper_error(ENOENT, "%s", cause != NULL ? cause :
		    "no Slurm configuration found");
		free(cause);
		return (-1);
	}
	/* Make every later lookup inside libslurm agree with our choice. */
	setenv("SLURM_CONF", path, 1);
	slurm_init(path);
	free(path);
	return (0);
}

/* Sleep MS milliseconds (restarting after signals). */
static void
slurm_helper_sleep(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Usage, exit 2. */
static int
slurm_helper_usage(void)
{
	fprintf(stderr,
	    "usage: clustertop slurm-helper nodes [--interval MS]\n"
	    "       clustertop slurm-helper submit --nodes N [--nodelist LIST]"
	    " --script FILE\n"
	    "           --output PATTERN [--error PATTERN] [--name NAME]"
	    " [--partition P]\n"
	    "           [--time MIN] [--ntasks-per-node K] [--workdir DIR]"
	    " [--uid USER]\n"
	    "       clustertop slurm-helper job ID [--interval MS]\n"
	    "(internal: prints JSON lines; see src/slurm-helper.c)\n");
	return (CT_EXIT_USAGE);
}

/* Dispatch `clustertop slurm-helper WHAT ...`. */
int
cmd_slurm_helper_main(int argc, char **argv)
{
	/* Die with the parent; a dead pipe reader must not leave us polling. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);

	if (argc < 2)
		return (slurm_helper_usage());
	if (strcmp(argv[1], "nodes") == 0)
		return (slurm_helper_nodes(argc - 1, argv + 1));
	if (strcmp(argv[1], "submit") == 0)
		return (slurm_helper_submit(argc - 1, argv + 1));
	if (strcmp(argv[1], "job") == 0)
		return (slurm_helper_job(argc - 1, argv + 1));
	return (slurm_helper_usage());
}

/* --- nodes ----------------------------------------------------------------- */

/* Index from node name to its record, sorted for bsearch. */
struct slurm_helper_index {
	const char	*name;
	size_t		 i;
};

static int
slurm_helper_index_cmp(const void *a, const void *b)
{
	const struct slurm_helper_index	*ia = a, *ib = b;

	return (strcmp(ia->name, ib->name));
}

/* Append ", NAME" to a malloc'd comma list. */
static void
slurm_helper_append(char **list, const char *name)
{
	char	*s;

	if (*list == NULL)
		s = strdup(name);
	else if (asprintf(&s, "%s,%s", *list, name) == -1)
		s = NULL;
	if (s == NULL) {
		fprintf(stderr, "slurm-helper: out of memory\n");
		exit(1);
	}
	free(*list);
	*list = s;
}

/*
 * Map every node to its partitions. node_info_t.partitions is not filled
 * in by slurmctld, so expand each partition's node list instead.
 */
static char **
slurm_helper_partitions(node_info_msg_t *nodes, partition_info_msg_t *parts)
{
	struct slurm_helper_index	*idx, key, *hit;
	char				**list, *host;
	hostlist_t			 hl;
	size_t				 n = 0, i;
	uint32_t			 p;

	list = calloc(nodes->record_count + 1, sizeof *list);
	idx = calloc(nodes->record_count + 1, sizeof *idx);
	if (list == NULL || idx == NULL) {
		fprintf(stderr, "slurm-helper: out of memory\n");
		exit(1);
	}
	for (i = 0; i < nodes->record_count; i++) {
		if (nodes->node_array[i].name == NULL)
			continue;
		idx[n].name = nodes->node_array[i].name;
		idx[n].i = i;
		n++;
	}
	qsort(idx, n, sizeof *idx, slurm_helper_index_cmp);

	for (p = 0; parts != NULL && p < parts->record_count; p++) {
		partition_info_t *part = &parts->partition_array[p];

		if (part->name == NULL || part->nodes == NULL)
			continue;
		hl = slurm_hostlist_create(part->nodes);
		if (hl == NULL)
			continue;
		while ((host = slurm_hostlist_shift(hl)) != NULL) {
			key.name = host;
			hit = bsearch(&key, idx, n, sizeof *idx,
			    slurm_helper_index_cmp);
			if (hit != NULL)
				slurm_helper_append(&list[hit->i], part->name);
			free(host);
		}
		slurm_hostlist_destroy(hl);
	}
	free(idx);
	return (list);
}

/* Emit one node snapshot. */
static void
slurm_helper_emit_nodes(node_info_msg_t *nodes, partition_info_msg_t *parts)
{
	cJSON		*obj, *arr, *o;
	node_info_t	*ni;
	char		**plist;
	const char	*state;
	int		 flags;
	uint32_t	 i;

	plist = slurm_helper_partitions(nodes, parts);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "type", "nodes");
	cJSON_AddNumberToObject(obj, "last_update", (double)nodes->last_update);
	arr = cJSON_AddArrayToObject(obj, "nodes");
	for (i = 0; i < nodes->record_count; i++) {
		ni = &nodes->node_array[i];
		if (ni->name == NULL)
			continue;	/* hidden or future record */
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", ni->name);
		slurm_helper_add_str(o, "addr", ni->node_addr);
		slurm_helper_add_str(o, "hostname", ni->node_hostname);
		cJSON_AddNumberToObject(o, "state", ni->node_state);
		state = inventory_decode_state(ni->node_state, &flags);
		cJSON_AddStringToObject(o, "state_name", state);
		slurm_helper_add_str(o, "partitions", plist[i]);
		cJSON_AddNumberToObject(o, "cpus", ni->cpus);
		cJSON_AddNumberToObject(o, "memory_mb",
		    (double)ni->real_memory);
		slurm_helper_add_str(o, "reason", ni->reason);
		cJSON_AddItemToArray(arr, o);
		free(plist[i]);
	}
	free(plist);
	slurm_helper_emit(obj);
}

/*
 * Load nodes and partitions (incrementally after the first time) and emit
 * a snapshot when anything changed. Returns 0, or -1 with *err (malloc'd)
 * after freeing and resetting the messages, so that the next success sends
 * a full snapshot again.
 */
static int
slurm_helper_nodes_once(node_info_msg_t **nodes, partition_info_msg_t **parts,
    char **err)
{
	node_info_msg_t		*nn = NULL;
	partition_info_msg_t	*np = NULL;
	const char		*what;
	int			 changed = 0, e;
	time_t			 t;

	t = (*nodes != NULL) ? (*nodes)->last_update : 0;
	if (slurm_load_node(t, &nn, SHOW_ALL) == 0) {
		if (*nodes != NULL)
			slurm_free_node_info_msg(*nodes);
		*nodes = nn;
		changed = 1;
	} else if (slurm_get_errno() != SLURM_NO_CHANGE_IN_DATA ||
	    *nodes == NULL) {
		what = "slurm_load_node";
		goto fail;
	}

	t = (*parts != NULL) ? (*parts)->last_update : 0;
	if (slurm_load_partitions(t, &np, SHOW_ALL) == 0) {
		if (*parts != NULL)
			slurm_free_partition_info_msg(*parts);
		*parts = np;
		changed = 1;
	} else if (slurm_get_errno() != SLURM_NO_CHANGE_IN_DATA ||
	    *parts == NULL) {
		what = "slurm_load_partitions";
		goto fail;
	}

	if (changed)
		slurm_helper_emit_nodes(*nodes, *parts);
	return (0);

fail:
	e = slurm_get_errno();
	if (asprintf(err, "%s: %s", what, slurm_strerror(e)) == -1)
		*err = NULL;
	if (*nodes != NULL)
		slurm_free_node_info_msg(*nodes);
	if (*parts != NULL)
		slurm_free_partition_info_msg(*parts);
	*nodes = NULL;
	*parts = NULL;
	return (-1);
}

/* `slurm-helper nodes [--interval MS]`. */
static int
slurm_helper_nodes(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	node_info_msg_t		*nodes = NULL;
	partition_info_msg_t	*parts = NULL;
	char			*err = NULL, *lasterr = NULL;
	long			 interval = 0;
	pid_t			 parent = getppid();
	int			 ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			interval = slurm_helper_number("--interval", optarg,
			    86400000L);
			break;
		default:
			return (slurm_helper_usage());
		}
	}
	if (optind != argc)
		return (slurm_helper_usage());

	if (slurm_helper_init() != 0)
		return (1);

	/*
	 * Once, or in watch mode a snapshot on every change. An error is sent
	 * when it differs from the previous one, so a long outage is one
	 * line, not hundreds.
	 */
	for (;;) {
		rc = slurm_helper_nodes_once(&nodes, &parts, &err);
		if (rc != 0) {
			if (lasterr == NULL || err == NULL ||
			    strcmp(err, lasterr) != 0)
				slurm_helper_error(slurm_get_errno(), "%s",
				    err != NULL ? err : "out of memory");
			free(lasterr);
			lasterr = err;
			err = NULL;
		} else {
			free(lasterr);
			lasterr = NULL;
		}
		if (interval == 0)
			break;
		slurm_helper_sleep(interval);
		if (getppid() != parent)
			break;	/* orphaned: nobody reads us any more */
	}
	free(lasterr);
	if (nodes != NULL)
		slurm_free_node_info_msg(nodes);
	if (parts != NULL)
		slurm_free_partition_info_msg(parts);
	slurm_fini();
	return (rc == 0 ? 0 : 1);
}

/* --- submit ---------------------------------------------------------------- */

/* `slurm-helper submit ...`: submit a batch job, print its id. */
static int
slurm_helper_submit(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "nodes", required_argument, NULL, 'N' },
		{ "nodelist", required_argument, NULL, 'w' },
		{ "script", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "error", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'J' },
		{ "partition", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "ntasks-per-node", required_argument, NULL, 'n' },
		{ "workdir", required_argument, NULL, 'D' },
		{ "uid", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	job_desc_msg_t		 desc;
	submit_response_msg_t	*resp = NULL;
	cJSON			*obj;
	char			*script_path = NULL, *output = NULL;
	char			*error = NULL, *nodelist = NULL;
	char			*name = NULL, *partition = NULL;
	char			*workdir = NULL, *script, *cwd = NULL;
	char			**env, *argv0[2], *extra[6] = { NULL };
	const char		*as_user = NULL;
	struct passwd		*pw = NULL;
	char			 host[HOST_NAME_MAX + 1];
	long			 nnodes = 0, time_limit = 0, per_node = 0;
	size_t			 nenv, i;
	int			 ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "N:w:s:o:e:J:p:t:n:D:u:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'N':
			nnodes = slurm_helper_number("--nodes", optarg, 1000000);
			break;
		case 'w':
			nodelist = optarg;
			break;
		case 's':
			script_path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'e':
			error = optarg;
			break;
		case 'J':
			name = optarg;
			break;
		case 'p':
			partition = optarg;
			break;
		case 't':
			time_limit = slurm_helper_number("--time", optarg,
			    525600);
			break;
		case 'n':
			per_node = slurm_helper_number("--ntasks-per-node",
			    optarg, 65535);
			break;
		case 'D':
			workdir = optarg;
			break;
		case 'u':
			as_user = optarg;
			break;
		default:
			return (slurm_helper_usage());
		}
	}
	if (optind != argc || nnodes == 0 || script_path == NULL ||
	    output == NULL)
		return (slurm_helper_usage());

	if (as_user != NULL) {
		if ((pw = getpwnam(as_user)) == NULL) {
			slurm_helper_error(ENOENT, "--uid %s: no such user",
			    as_user);
			return (1);
		}
		if (geteuid() != 0 && pw->pw_uid != geteuid()) {
			slurm_helper_error(EPERM, "--uid %s: only root submits "
			    "jobs on another user's behalf", as_user);
			return (1);
		}
	}
	if ((script = read_file(script_path, 16 * 1024 * 1024, NULL,
	    NULL)) == NULL) {
		slurm_helper_error(errno, "%s: %s", script_path,
		    strerror(errno));
		return (1);
	}
	if (strncmp(script, "#!", 2) != 0) {
		slurm_helper_error(EINVAL, "%s: a batch script must start "
		    "with #!", script_path);
		free(script);
		return (1);
	}
	if (workdir == NULL) {
		if ((cwd = getcwd(NULL, 0)) == NULL) {
			slurm_helper_error(errno, "getcwd: %s",
			    strerror(errno));
			free(script);
			return (1);
		}
		workdir = cwd;
	}

	/*
	 * slurmctld rejects a batch job without an environment; pass ours
	 * (sbatch --export=ALL does the same) plus what sbatch adds.
	 */
	for (nenv = 0; environ[nenv] != NULL; nenv++)
		;
	env = calloc(nenv + 7, sizeof *env);
	if (env == NULL) {
		slurm_helper_error(ENOMEM, "out of memory");
		free(script);
		free(cwd);
		return (1);
	}
	for (i = 0, ch = 0; environ[i] != NULL; i++) {
		/* On USER's behalf: USER's own login variables, not ours. */
		if (pw != NULL && (strncmp(environ[i], "HOME=", 5) == 0 ||
		    strncmp(environ[i], "USER=", 5) == 0 ||
		    strncmp(environ[i], "LOGNAME=", 8) == 0 ||
		    strncmp(environ[i], "SHELL=", 6) == 0))
			continue;
		env[ch++] = environ[i];
	}
	nenv = (size_t)ch;
	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	if (asprintf(&extra[0], "SLURM_SUBMIT_DIR=%s", workdir) == -1)
		extra[0] = NULL;
	if (asprintf(&extra[1], "SLURM_SUBMIT_HOST=%s", host) == -1)
		extra[1] = NULL;
	if (pw != NULL && (asprintf(&extra[2], "HOME=%s", pw->pw_dir) == -1 ||
	    asprintf(&extra[3], "USER=%s", pw->pw_name) == -1 ||
	    asprintf(&extra[4], "LOGNAME=%s", pw->pw_name) == -1 ||
	    asprintf(&extra[5], "SHELL=%s", pw->pw_shell) == -1))
		abort();
	for (i = 0; i < 6; i++) {
		if (extra[i] != NULL)
			env[nenv++] = extra[i];
	}

	if (slurm_helper_init() != 0) {
		rc = 1;
		goto out;
	}
	slurm_init_job_desc_msg(&desc);
	desc.name = name != NULL ? name : (char *)"clustertop";
	desc.script = script;
	argv0[0] = script_path;
	argv0[1] = NULL;
	desc.argv = argv0;
	desc.argc = 1;
	desc.environment = env;
	desc.env_size = nenv;
	desc.work_dir = workdir;
	if (pw != NULL) {
		desc.user_id = pw->pw_uid;
		desc.group_id = pw->pw_gid;
	}
	desc.std_out = output;
	desc.std_err = error;
	desc.min_nodes = desc.max_nodes = nnodes;
	if (nodelist != NULL)
		desc.req_nodes = nodelist;
	if (partition != NULL)
		desc.partition = partition;
	if (time_limit != 0)
		desc.time_limit = time_limit;
	if (per_node != 0) {
		desc.ntasks_per_node = per_node;
		desc.num_tasks = nnodes * per_node;
	}
	/* user_id/group_id stay NO_VAL: slurmctld takes them from munge. */

	if (slurm_submit_batch_job(&desc, &resp) != 0) {
		slurm_helper_slurm_error("slurm_submit_batch_job");
		rc = 1;
	} else {
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "type", "submitted");
		cJSON_AddNumberToObject(obj, "job_id", resp->job_id);
		slurm_helper_add_str(obj, "user_msg",
		    resp->job_submit_user_msg);
		slurm_helper_emit(obj);
		slurm_free_submit_response_response_msg(resp);
		rc = 0;
	}
	slurm_fini();
out:
	for (i = 0; i < 6; i++)
		free(extra[i]);
	free(env);
	free(script);
	free(cwd);
	return (rc);
}

/* --- job ------------------------------------------------------------------- */

static const char *const slurm_helper_job_states[] = {
	"PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED", "FAILED",
	"TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
	"OUT_OF_MEMORY"
};

/* Build the JSON for one job record. */
static cJSON *
slurm_helper_job_json(slurm_job_info_t *j)
{
	cJSON		*o;
	uint32_t	 base = j->job_state & JOB_STATE_BASE;
	char		 path[PATH_MAX];
	int		 finished;

	finished = base >= JOB_COMPLETE && !(j->job_state & JOB_COMPLETING);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "job");
	cJSON_AddNumberToObject(o, "job_id", j->job_id);
	slurm_helper_add_str(o, "name", j->name);
	cJSON_AddStringToObject(o, "state",
	    base < sizeof slurm_helper_job_states /
	    sizeof slurm_helper_job_states[0] ?
	    slurm_helper_job_states[base] : "UNKNOWN");
	cJSON_AddNumberToObject(o, "state_code", j->job_state);
	cJSON_AddBoolToObject(o, "completing",
	    (j->job_state & JOB_COMPLETING) != 0);
	cJSON_AddBoolToObject(o, "finished", finished);
	slurm_helper_add_str(o, "reason", j->state_desc);
	slurm_helper_add_str(o, "nodes", j->nodes);
	cJSON_AddNumberToObject(o, "num_nodes", j->num_nodes);
	slurm_helper_add_str(o, "batch_host", j->batch_host);
	slurm_helper_add_str(o, "partition", j->partition);
	/* exit_code is a wait(2) status: exit in bits 8-15, signal 0-6. */
	if (finished && j->exit_code != NO_VAL) {
		cJSON_AddNumberToObject(o, "exit_code",
		    (j->exit_code >> 8) & 0xff);
		cJSON_AddNumberToObject(o, "exit_signal", j->exit_code & 0x7f);
	} else {
		cJSON_AddNullToObject(o, "exit_code");
		cJSON_AddNullToObject(o, "exit_signal");
	}
	slurm_helper_add_str(o, "work_dir", j->work_dir);
	path[0] = '\0';
	slurm_get_job_stdout(path, sizeof path, j);
	slurm_helper_add_str(o, "stdout", path);
	path[0] = '\0';
	slurm_get_job_stderr(path, sizeof path, j);
	slurm_helper_add_str(o, "stderr", path);
	cJSON_AddNumberToObject(o, "submit_time", (double)j->submit_time);
	cJSON_AddNumberToObject(o, "start_time", (double)j->start_time);
	cJSON_AddNumberToObject(o, "end_time", (double)j->end_time);
	return (o);
}

/* `slurm-helper job ID [--interval MS]`: report a job's state. */
static int
slurm_helper_job(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	job_info_msg_t		*msg;
	slurm_job_info_t	*j;
	cJSON			*o;
	char			*s, *last = NULL;
	long			 id, interval = 0;
	uint32_t		 i;
	int			 ch, finished, e, lasterr = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			interval = slurm_helper_number("--interval", optarg,
			    86400000L);
			break;
		default:
			return (slurm_helper_usage());
		}
	}
	if (optind != argc - 1)
		return (slurm_helper_usage());
	id = slurm_helper_number("job ID", argv[optind], UINT32_MAX - 1);

	if (slurm_helper_init() != 0)
		return (1);
	for (;;) {
		if (slurm_load_job(&msg, id, SHOW_DETAIL) != 0) {
			e = slurm_get_errno();
			if (e != lasterr)
				slurm_helper_slurm_error("slurm_load_job");
			lasterr = e;
			/* Following a job rides out a controller blip. */
			if (interval == 0 || e == ESLURM_INVALID_JOB_ID) {
				cJSON_free(last);
				slurm_fini();
				return (1);
			}
			slurm_helper_sleep(interval);
			continue;
		}
		lasterr = 0;
		j = NULL;
		for (i = 0; i < msg->record_count; i++) {
			if (msg->job_array[i].job_id == (uint32_t)id) {
				j = &msg->job_array[i];
				break;
			}
		}
		if (j == NULL && msg->record_count > 0)
			j = &msg->job_array[0];
		if (j == NULL) {
			slurm_free_job_info_msg(msg);
			slurm_helper_error(ESLURM_INVALID_JOB_ID,
			    "job %ld: %s", id,
			    slurm_strerror(ESLURM_INVALID_JOB_ID));
			cJSON_free(last);
			slurm_fini();
			return (1);
		}
		o = slurm_helper_job_json(j);
		finished = cJSON_IsTrue(cJSON_GetObjectItem(o, "finished"));
		slurm_free_job_info_msg(msg);

		/* Only print changes (times aside, nothing moves while idle). */
		s = cJSON_PrintUnformatted(o);
		if (last == NULL || s == NULL || strcmp(s, last) != 0)
			slurm_helper_emit(o);
		else
			cJSON_Delete(o);
		cJSON_free(last);
		last = s;
		if (interval == 0 || finished)
			break;
		slurm_helper_sleep(interval);
	}
	cJSON_free(last);
	slurm_fini();
	return (0);
}
