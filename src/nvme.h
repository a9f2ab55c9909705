/*
 * nvme.h -- the instance-store planner: which devices to clean on a node,
 * and exactly how, or why not.
 *
 * The input is what one scan command prints on a node (nvme_scan_command):
 * lsblk's JSON tree, pvs and lvs JSON reports, the node's instance-store
 * list (if that selection is used) and wipefs --no-act JSON for the
 * candidate devices. The output is a plan per device: nothing to do, the
 * exact commands (unmount the logical volumes on it, lvremove, vgremove,
 * pvremove, wipefs -a, blkdiscard when the device can discard), or a
 * refusal with its reason. The planner never selects a device outside the
 * selection, one that holds /, or one with a filesystem mounted on it (or
 * on one of its partitions) that is not a logical volume on that device.
 *
 * Everything here is pure: no I/O. cmd-nvme.c runs the commands.
 */
#ifndef CT_NVME_H
#define CT_NVME_H

#include <stddef.h>
#include <stdint.h>

#define NVME_DEFAULT_MODEL	"Amazon EC2 NVMe Instance Storage"
#define NVME_DEFAULT_LIST	"/etc/clustertop/instance-store.list"

/* How instance-store devices are recognised. */
enum nvme_select_kind {
	NVME_SELECT_AUTO = 0,	/* the node's list file if it has one, else the model */
	NVME_SELECT_MODEL,	/* whole devices whose lsblk MODEL is this string */
	NVME_SELECT_LIST	/* the devices named in a file on each node */
};

struct nvme_select {
	enum nvme_select_kind	 kind;
	const char		*model;	/* MODEL and AUTO: NULL means NVME_DEFAULT_MODEL */
	const char		*list;	/* LIST and AUTO: NULL means NVME_DEFAULT_LIST */
};

/* Parse "model=STRING" or "list=FILE" (--select); 0, or -1 with *cause. */
int		 nvme_select_parse(const char *arg, struct nvme_select *,
		     char **cause);
/* Describe a selection for people: "model \"...\"" or "list /etc/...". */
char		*nvme_select_describe(const struct nvme_select *);

/* The command that scans a node (runs as root, through sudo -n if needed). */
char		*nvme_scan_command(const struct nvme_select *);

/* What to do with one device. */
enum nvme_action {
	NVME_NOTHING = 0,	/* already clean */
	NVME_WIPE,		/* run cmds */
	NVME_REFUSE		/* reason says why not */
};

/* One device of one node. */
struct nvme_dev {
	char		*path;		/* /dev/nvme1n1 */
	char		*model;		/* trimmed, or NULL */
	uint64_t	 size;		/* bytes */
	char		*content;	/* "ext4", "LVM PV (vg vg0: lv0 on /scratch)", "empty" */
	char		*mounts;	/* "/scratch, /data" or NULL */
	enum nvme_action action;
	char		*reason;	/* refusal reason, or the note for NOTHING */
	char	       **cmds;		/* NVME_WIPE: shell command lines, in order */
	size_t		 ncmds;
};

/* The plan of one node. */
struct nvme_plan {
	struct nvme_dev	*devs;
	size_t		 ndevs;
	char		*selection;	/* how devices were selected on this node */
	char		*error;		/* the scan could not be read: no plan */
};

/*
 * Build the plan of one node from the output of nvme_scan_command (OUT,
 * LEN bytes). Always fills *PLAN; on a broken scan plan->error says why.
 */
void		 nvme_plan_build(const char *out, size_t len,
		     const struct nvme_select *, struct nvme_plan *);
void		 nvme_plan_free(struct nvme_plan *);
/* Count the devices of PLAN with action A. */
size_t		 nvme_plan_count(const struct nvme_plan *, enum nvme_action);
/* 1 when two plans would run the same commands on the same devices. */
int		 nvme_plan_same(const struct nvme_plan *,
		     const struct nvme_plan *);

/*
 * The script that carries out PLAN's wipes (NULL when there is none): it
 * prints "+ command" before each command and "@@ct done DEV STATUS" after
 * each device. Each device's commands stop at the first failure.
 */
char		*nvme_wipe_command(const struct nvme_plan *);

/*
 * Read the "@@ct done DEV STATUS" lines of a wipe's output: calls FN for
 * each. Returns the number of lines found.
 */
size_t		 nvme_wipe_results(const char *out, size_t len,
		     void (*fn)(const char *dev, int status, void *), void *);

/* Format a size for the plan ("1.7 TiB", "64 MiB"). */
const char	*nvme_format_size(uint64_t, char *, size_t);

#endif
