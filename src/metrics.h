/*
 * metrics.h -- node metrics: the remote sampling command, its line parser,
 * and the per-node history ring.
 *
 * Each node runs one long-lived POSIX sh loop (metrics_command()) on an
 * engine stream. It prints one HELLO line when it starts and one SAMPLE
 * line every interval, each beginning with METRICS_MARK so that noise from
 * the node's shell start-up files is recognised and dropped. The loop reads
 * /proc with the shell's own `read` (no fork); the only forks per sample are
 * `sleep` and, every few samples, one `df -Pk` for disk use (see
 * docs/dashboard.md for the measured count). When the channel closes, the
 * next printf gets SIGPIPE and the loop dies on its own.
 *
 * Everything in this file is pure: no I/O, no clock. The caller passes the
 * lines in and reads the numbers out.
 */
#ifndef CT_METRICS_H
#define CT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MARK		"@ctm1"	/* every line of ours starts with it */
#define METRICS_HIST		120	/* samples kept per node (ring) */
#define METRICS_MAX_DISKS	8	/* / plus up to 7 configured mounts */
#define METRICS_MOUNT_MAX	64	/* longest mount path kept */

/* One file system as `df -Pk` reports it. */
struct metrics_disk {
	char		 mount[METRICS_MOUNT_MAX];	/* df's "Mounted on" */
	uint64_t	 total_kb;
	uint64_t	 used_kb;
	uint64_t	 avail_kb;
};

/* The raw numbers of one sample line. */
struct metrics_sample {
	double		 uptime;	/* seconds, the node's /proc/uptime */
	double		 load[3];	/* 1, 5, 15 minute load averages */
	uint32_t	 nrunning;	/* runnable tasks (loadavg 4th field) */
	uint32_t	 ntasks;	/* all tasks */
	uint64_t	 cpu[8];	/* /proc/stat cpu: user nice system idle
					   iowait irq softirq steal (USER_HZ) */
	uint64_t	 mem_total_kb;
	uint64_t	 mem_avail_kb;	/* MemAvailable, or free+buffers+cached */
	uint64_t	 swap_total_kb;
	uint64_t	 swap_free_kb;
	int		 ndisks;
	struct metrics_disk disk[METRICS_MAX_DISKS];
};

/* The first line of a stream: facts that do not change. */
struct metrics_hello {
	int		 ncpu;		/* cpuN lines in /proc/stat */
	char		 host[64];	/* /proc/sys/kernel/hostname */
	char		 kernel[64];	/* /proc/sys/kernel/osrelease */
};

enum metrics_line {
	METRICS_NOISE = 0,	/* not ours, or damaged: ignore */
	METRICS_SAMPLE,
	METRICS_HELLO
};

/* Series kept in the history ring. */
enum metrics_series {
	METRICS_SERIES_CPU = 0,	/* busy percent, 0-100 */
	METRICS_SERIES_LOAD,	/* 1-minute load */
	METRICS_SERIES_MEM,	/* used percent, 0-100 */
	METRICS_NSERIES
};

/* Per-node state: the latest sample, derived rates and the history ring. */
struct metrics_node {
	struct metrics_hello hello;
	int		 have_hello;
	struct metrics_sample last;
	int		 have_last;
	float		 cpu_pct;	/* from the last two samples; <0 unknown */
	uint64_t	 nsamples;	/* samples accepted since start */
	unsigned	 hist_head;	/* next slot to write */
	unsigned	 hist_len;	/* filled slots, <= METRICS_HIST */
	float		 hist[METRICS_NSERIES][METRICS_HIST];
};

/*
 * Build the command that runs the sampling loop on a node: print a sample
 * every INTERVAL_S seconds (0.2 to 3600) with disk use of "/" and MOUNTS
 * (absolute paths of [A-Za-z0-9/_.+-] only). Returns a malloc'd string, or
 * NULL with *cause (malloc'd) when an argument is unacceptable.
 */
char		*metrics_command(double interval_s, const char *const *mounts,
		     size_t nmounts, char **cause);
/* Samples between two `df` runs for INTERVAL_S (disk use every ~10 s). */
int		 metrics_disk_every(double interval_s);

/*
 * Parse one line (without its newline). Fills *S for METRICS_SAMPLE and
 * *H for METRICS_HELLO; anything else is METRICS_NOISE and leaves both
 * untouched. Never reads past LEN.
 */
enum metrics_line metrics_parse_line(const char *line, size_t len,
		     struct metrics_sample *s, struct metrics_hello *h);

void		 metrics_node_init(struct metrics_node *);
/* Record a sample: derive CPU% from the previous one and push the ring. */
void		 metrics_node_add(struct metrics_node *,
		     const struct metrics_sample *);
/* Copy up to MAX values of SERIES, oldest first; returns how many. */
size_t		 metrics_node_history(const struct metrics_node *,
		     enum metrics_series, float *out, size_t max);
/* Busy percent between two cumulative /proc/stat samples; <0 if unknown. */
float		 metrics_cpu_pct(const uint64_t prev[8], const uint64_t cur[8]);
/* Used memory in kB (total - available). */
uint64_t	 metrics_mem_used_kb(const struct metrics_sample *);
/* The disk whose mount is exactly MOUNT, or NULL. */
const struct metrics_disk *metrics_disk_find(const struct metrics_sample *,
		     const char *mount);
/* Used percent of a disk as df computes it (used / (used + avail)). */
float		 metrics_disk_pct(const struct metrics_disk *);

#endif
