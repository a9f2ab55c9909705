/*
 * nvme.c -- the instance-store planner: from one node's scan to the exact
 * commands for each selected device, or the reason to leave it alone.
 *
 * The scan (nvme_scan_command) prints sections, each opened by a line
 * "@@ct NAME" and closed by "@@ct rc STATUS": lsblk (JSON tree), pvs and
 * lvs (LVM JSON reports), list (the node's instance-store list, each line
 * with its resolved path), and "wipefs PATH" (wipefs --no-act JSON) for
 * the candidate devices and their partitions; "@@ct end" closes the scan.
 * lsblk's FSTYPE is empty on machines without udev, which is why the
 * signatures come from wipefs.
 *
 * Planning a device, in order:
 *   1. Selection: the list (by resolved path) or the model; only whole
 *      devices (disk, loop).
 *   2. Refusals: read-only; a filesystem or swap mounted on the device or
 *      a partition; a holder LVM does not own (crypt, md, multipath); a
 *      logical volume on it that holds a system mount (/, /usr, ...); a
 *      volume group that also uses a device outside the selection, or a
 *      refused one (repeated until nothing changes); LVM metadata when the
 *      LVM tools could not be asked; a device wipefs could not probe.
 *   3. Clean: no partition, no signature, no physical volume: nothing.
 *   4. Commands: for each volume group whose first selected device this
 *      is, unmount its logical volumes (deepest mount first), lvremove
 *      each, vgremove; pvremove the device's physical volumes; wipefs -a
 *      each partition, then the device; blkdiscard when lsblk reports a
 *      discard size.
 * Every argument in a command is single-quoted, so the text shown in the
 * plan is the text that runs.
 */

#include <sys/types.h>

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme.h"
#include "util.h"

/* One node of lsblk's tree, flattened. */
struct nvme_blk {
	char		*name;
	char		*path;
	char		*type;
	char		*model;
	char		*fstype;
	char		*pttype;
	uint64_t	 size;
	uint64_t	 disc_max;
	int		 ro;
	char	       **mounts;
	size_t		 nmounts;
	int		 parent;	/* index, or -1 at the top */
};

struct nvme_pv {
	char	*pv;
	char	*vg;
};

struct nvme_lv {
	char	*lv;
	char	*vg;
	char	*path;		/* /dev/vg/lv */
	char	*dm;		/* /dev/mapper/vg-lv */
};

struct nvme_probe {
	char	*path;
	char   **sigs;		/* signature types */
	size_t	 nsigs;
	int	 failed;
};

struct nvme_listent {
	char	*orig;
	char	*resolved;
};

/* The parsed scan of one node. */
struct nvme_scan {
	struct nvme_blk		*blk;
	size_t			 nblk;
	struct nvme_pv		*pv;
	size_t			 npv;
	int			 lvm_ok;	/* pvs and lvs answered */
	struct nvme_lv		*lv;
	size_t			 nlv;
	struct nvme_probe	*probe;
	size_t			 nprobe;
	int			 have_list;	/* a list section was printed */
	int			 list_ok;	/* ... and the file was read */
	struct nvme_listent	*list;
	size_t			 nlist;
};

/* Per selected device, while planning. */
struct nvme_work {
	int		 blk;		/* its lsblk index */
	int		 refused;
	char		*reason;
	char	       **vgs;		/* volume groups with a PV on it */
	size_t		 nvgs;
	char		*listed;	/* the list's name for it, when not found */
};

/*
 * The scan script. $1 "auto", "model" or "list"; $2 the model; $3 the
 * list file.
 */
static const char nvme_scan_script[] =
"export LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1 PATH=$PATH:/usr/sbin:/sbin:/usr/bin:/bin\n"
"echo '@@ct scan 1'\n"
"echo '@@ct lsblk'\n"
"lsblk -J -b -o NAME,PATH,TYPE,SIZE,MODEL,FSTYPE,PTTYPE,MOUNTPOINTS,DISC-MAX,RO 2>/dev/null ||\n"
"\tlsblk -J -b -o NAME,KNAME,TYPE,SIZE,MODEL,FSTYPE,MOUNTPOINT,DISC-MAX,RO\n"
"echo \"@@ct rc $?\"\n"
"echo '@@ct pvs'\n"
"pvs --reportformat json -o pv_name,vg_name 2>/dev/null\n"
"echo \"@@ct rc $?\"\n"
"echo '@@ct lvs'\n"
"lvs --reportformat json -o lv_name,vg_name,lv_path,lv_dm_path 2>/dev/null\n"
"echo \"@@ct rc $?\"\n"
"p() {\n"
"\tlsblk -lnp -o NAME,TYPE -- \"$1\" 2>/dev/null | while read -r n t; do\n"
"\t\tcase $t in disk|loop|part)\n"
"\t\t\techo \"@@ct wipefs $n\"; wipefs -n -J -- \"$n\" 2>/dev/null; echo \"@@ct rc $?\";;\n"
"\t\tesac\n"
"\tdone\n"
"}\n"
"s=$1\n"
"[ \"$s\" != auto ] || { [ -r \"$3\" ] && s=list || s=model; }\n"
"if [ \"$s\" = list ]; then\n"
"\techo '@@ct list'\n"
"\tif [ -r \"$3\" ]; then\n"
"\t\twhile read -r l || [ -n \"$l\" ]; do\n"
"\t\t\tcase $l in ''|'#'*) continue;; esac\n"
"\t\t\tprintf 'L\\t%s\\t%s\\n' \"$l\" \"$(readlink -f -- \"$l\" 2>/dev/null)\"\n"
"\t\tdone <\"$3\"\n"
"\t\techo '@@ct rc 0'\n"
"\t\twhile read -r l || [ -n \"$l\" ]; do\n"
"\t\t\tcase $l in ''|'#'*) continue;; esac\n"
"\t\t\tr=$(readlink -f -- \"$l\" 2>/dev/null) && [ -b \"$r\" ] && p \"$r\"\n"
"\t\tdone <\"$3\"\n"
"\telse echo '@@ct rc 1'; fi\n"
"else\n"
"\tlsblk -dnpP -o NAME,MODEL 2>/dev/null | while IFS= read -r l; do\n"
"\t\tn=${l#NAME=?}; n=${n%%\\\"*}\n"
"\t\tm=${l#*MODEL=?}; m=${m%?}\n"
"\t\twhile [ \"${m% }\" != \"$m\" ]; do m=${m% }; done\n"
"\t\t[ \"$m\" != \"$2\" ] || p \"$n\"\n"
"\tdone\n"
"fi\n"
"echo '@@ct end'\n";

/* Paths of mounts that are part of the operating system. */
static const char *nvme_system_mounts[] = {
	"/", "/usr", "/var", "/boot", "/boot/efi", "/etc", "/opt", NULL
};

/* --- small helpers -------------------------------------------------------------- */

/* Append to a malloc'd string list. */
static void
nvme_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static int
nvme_has(char *const *v, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return (1);
	}
	return (0);
}

/* Single-quote S for sh, appended to a growing string. */
static char *
nvme_quote(const char *s)
{
	size_t		 len = 3;
	const char	*p;
	char		*q, *o;

	for (p = s; *p != '\0'; p++)
		len += *p == '\'' ? 4 : 1;
	o = q = xcalloc(1, len);
	*o++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return (q);
}

/* A command line: WORD... with every argument after the first quoted. */
static char *
nvme_cmd(const char *tool, ...)
{
	va_list		 ap;
	const char	*a;
	char		*s, *q, *t;

	s = xstrdup(tool);
	va_start(ap, tool);
	while ((a = va_arg(ap, const char *)) != NULL) {
		/* Options stay bare so the plan reads naturally. */
		if (a[0] == '-' && strspn(a, "-abcdefghijklmnopqrstuvwxyz") ==
		    strlen(a))
			q = xstrdup(a);
		else
			q = nvme_quote(a);
		t = xasprintf("%s %s", s, q);
		free(s);
		free(q);
		s = t;
	}
	va_end(ap);
	return (s);
}

/* Trim trailing white space in place. */
static char *
nvme_rtrim(char *s)
{
	size_t	n;

	if (s == NULL)
		return (NULL);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n'))
		s[--n] = '\0';
	return (s);
}

const char *
nvme_format_size(uint64_t n, char *buf, size_t size)
{
	return (size_format(n, SIZE_WHOLE, buf, size));
}

/* --- selection ------------------------------------------------------------------- */

int
nvme_select_parse(const char *arg, struct nvme_select *sel, char **cause)
{
	if (strncmp(arg, "model=", 6) == 0 && arg[6] != '\0') {
		sel->kind = NVME_SELECT_MODEL;
		sel->model = arg + 6;
		return (0);
	}
	if (strncmp(arg, "list=", 5) == 0 && arg[5] != '\0') {
		sel->kind = NVME_SELECT_LIST;
		sel->list = arg + 5;
		return (0);
	}
	*cause = xasprintf("--select %s: expected model=STRING or "
	    "list=FILE", arg);
	return (-1);
}

static const char *
nvme_sel_model(const struct nvme_select *sel)
{
	return (sel->model != NULL ? sel->model : NVME_DEFAULT_MODEL);
}

static const char *
nvme_sel_list(const struct nvme_select *sel)
{
	return (sel->list != NULL ? sel->list : NVME_DEFAULT_LIST);
}

char *
nvme_select_describe(const struct nvme_select *sel)
{
	switch (sel->kind) {
	case NVME_SELECT_MODEL:
		return (xasprintf("model \"%s\"", nvme_sel_model(sel)));
	case NVME_SELECT_LIST:
		return (xasprintf("list %s", nvme_sel_list(sel)));
	default:
		return (xasprintf("list %s if present, else model \"%s\"",
		    nvme_sel_list(sel), nvme_sel_model(sel)));
	}
}

/* Wrap SCRIPT and its arguments so that it runs as root. */
static char *
nvme_as_root(const char *script, char *const *args, size_t nargs)
{
	char	*s, *q, *t;
	size_t	 i;

	q = nvme_quote(script);
	s = xasprintf("S=; [ \"$(id -u)\" = 0 ] || S='sudo -n'; "
	    "exec $S sh -c %s ct-nvme", q);
	free(q);
	for (i = 0; i < nargs; i++) {
		q = nvme_quote(args[i]);
		t = xasprintf("%s %s", s, q);
		free(s);
		free(q);
		s = t;
	}
	return (s);
}

char *
nvme_scan_command(const struct nvme_select *sel)
{
	char	*args[3];

	switch (sel->kind) {
	case NVME_SELECT_MODEL:
		args[0] = (char *)"model";
		break;
	case NVME_SELECT_LIST:
		args[0] = (char *)"list";
		break;
	default:
		args[0] = (char *)"auto";
		break;
	}
	args[1] = (char *)nvme_sel_model(sel);
	args[2] = (char *)nvme_sel_list(sel);
	return (nvme_as_root(nvme_scan_script, args, 3));
}

/* --- reading the scan --------------------------------------------------------------- */

/* A JSON string member, or NULL (null, missing, not a string). */
static char *
nvme_json_str(const cJSON *o, const char *key)
{
	const char	*v;

	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	if (v == NULL || *v == '\0')
		return (NULL);
	return (xstrdup(v));
}

/* A JSON number member, given as a number or as a string of digits. */
static uint64_t
nvme_json_u64(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(v))
		/* In range first: an out-of-range conversion is undefined. */
		return (!(v->valuedouble >= 0) ? 0 :
		    v->valuedouble >= 18446744073709551616.0 ? UINT64_MAX :
		    (uint64_t)v->valuedouble);
	if (cJSON_IsString(v) && v->valuestring != NULL)
		return (strtoull(v->valuestring, NULL, 10));
	return (0);
}

static int
nvme_json_bool(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsBool(v))
		return (cJSON_IsTrue(v));
	if (cJSON_IsNumber(v))
		return (v->valueint != 0);
	if (cJSON_IsString(v) && v->valuestring != NULL)
		return (strcmp(v->valuestring, "1") == 0 ||
		    strcmp(v->valuestring, "true") == 0);
	return (0);
}

static void
nvme_blk_add(struct nvme_scan *s, const cJSON *o, int parent)
{
	struct nvme_blk	*b;
	const cJSON	*m, *c;
	char		*name;
	int		 me;

	s->blk = xreallocarray(s->blk, s->nblk + 1, sizeof *s->blk);
	me = (int)s->nblk++;
	b = &s->blk[me];
	memset(b, 0, sizeof *b);
	b->parent = parent;
	b->name = nvme_json_str(o, "name");
	b->path = nvme_json_str(o, "path");
	if (b->path == NULL) {
		name = nvme_json_str(o, "kname");
		if (name == NULL)
			name = xstrdup(b->name != NULL ? b->name : "?");
		b->path = xasprintf("/dev/%s", name);
		free(name);
	}
	b->type = nvme_json_str(o, "type");
	if (b->type == NULL)
		b->type = xstrdup("?");
	b->model = nvme_rtrim(nvme_json_str(o, "model"));
	b->fstype = nvme_json_str(o, "fstype");
	b->pttype = nvme_json_str(o, "pttype");
	b->size = nvme_json_u64(o, "size");
	b->disc_max = nvme_json_u64(o, "disc-max");
	b->ro = nvme_json_bool(o, "ro");
	m = cJSON_GetObjectItemCaseSensitive(o, "mountpoints");
	if (cJSON_IsArray(m)) {
		cJSON_ArrayForEach(c, m) {
			if (cJSON_IsString(c) && *c->valuestring != '\0')
				nvme_push(&b->mounts, &b->nmounts,
				    xstrdup(c->valuestring));
		}
	} else if ((name = nvme_json_str(o, "mountpoint")) != NULL)
		nvme_push(&b->mounts, &b->nmounts, name);
	/* b may move when children are added: don't use it below. */
	m = cJSON_GetObjectItemCaseSensitive(o, "children");
	cJSON_ArrayForEach(c, m)
		nvme_blk_add(s, c, me);
}

static int
nvme_parse_lsblk(struct nvme_scan *s, const char *text, char **cause)
{
	cJSON		*root;
	const cJSON	*devs, *d;

	if ((root = cJSON_Parse(text)) == NULL) {
		*cause = xstrdup("lsblk printed no valid JSON");
		return (-1);
	}
	devs = cJSON_GetObjectItemCaseSensitive(root, "blockdevices");
	if (!cJSON_IsArray(devs)) {
		cJSON_Delete(root);
		*cause = xstrdup("lsblk JSON has no blockdevices");
		return (-1);
	}
	cJSON_ArrayForEach(d, devs)
		nvme_blk_add(s, d, -1);
	cJSON_Delete(root);
	return (0);
}

/* The rows of an LVM JSON report ("report": [{"pv": [...]}]). */
static cJSON *
nvme_lvm_rows(cJSON *root, const char *kind)
{
	const cJSON	*rep, *r;
	cJSON		*rows;

	rep = cJSON_GetObjectItemCaseSensitive(root, "report");
	cJSON_ArrayForEach(r, rep) {
		rows = cJSON_GetObjectItemCaseSensitive(r, kind);
		if (cJSON_IsArray(rows))
			return (rows);
	}
	return (NULL);
}

static int
nvme_parse_pvs(struct nvme_scan *s, const char *text)
{
	cJSON		*root, *rows;
	const cJSON	*r;
	char		*pv;

	if ((root = cJSON_Parse(text)) == NULL)
		return (-1);
	if ((rows = nvme_lvm_rows(root, "pv")) == NULL) {
		cJSON_Delete(root);
		return (-1);
	}
	cJSON_ArrayForEach(r, rows) {
		if ((pv = nvme_json_str(r, "pv_name")) == NULL)
			continue;
		s->pv = xreallocarray(s->pv, s->npv + 1, sizeof *s->pv);
		s->pv[s->npv].pv = pv;
		s->pv[s->npv].vg = nvme_json_str(r, "vg_name");
		s->npv++;
	}
	cJSON_Delete(root);
	return (0);
}

static int
nvme_parse_lvs(struct nvme_scan *s, const char *text)
{
	cJSON		*root, *rows;
	const cJSON	*r;
	struct nvme_lv	 lv;
	size_t		 i;

	if ((root = cJSON_Parse(text)) == NULL)
		return (-1);
	if ((rows = nvme_lvm_rows(root, "lv")) == NULL) {
		cJSON_Delete(root);
		return (-1);
	}
	cJSON_ArrayForEach(r, rows) {
		lv.lv = nvme_json_str(r, "lv_name");
		lv.vg = nvme_json_str(r, "vg_name");
		if (lv.lv == NULL || lv.vg == NULL) {
			free(lv.lv);
			free(lv.vg);
			continue;
		}
		for (i = 0; i < s->nlv; i++) {
			if (strcmp(s->lv[i].lv, lv.lv) == 0 &&
			    strcmp(s->lv[i].vg, lv.vg) == 0)
				break;
		}
		if (i != s->nlv) {		/* one row per segment */
			free(lv.lv);
			free(lv.vg);
			continue;
		}
		lv.path = nvme_json_str(r, "lv_path");
		if (lv.path == NULL)
			lv.path = xasprintf("/dev/%s/%s", lv.vg, lv.lv);
		lv.dm = nvme_json_str(r, "lv_dm_path");
		s->lv = xreallocarray(s->lv, s->nlv + 1, sizeof *s->lv);
		s->lv[s->nlv++] = lv;
	}
	cJSON_Delete(root);
	return (0);
}

static void
nvme_parse_probe(struct nvme_scan *s, const char *path, const char *text,
    int rc)
{
	struct nvme_probe	*p;
	cJSON			*root;
	const cJSON		*sigs, *g;
	char			*type;

	s->probe = xreallocarray(s->probe, s->nprobe + 1,
	    sizeof *s->probe);
	p = &s->probe[s->nprobe++];
	memset(p, 0, sizeof *p);
	p->path = xstrdup(path);
	if (rc != 0) {
		p->failed = 1;
		return;
	}
	if (text[strspn(text, " \t\r\n")] == '\0')
		return;			/* some versions print nothing */
	if ((root = cJSON_Parse(text)) == NULL) {
		p->failed = 1;
		return;
	}
	sigs = cJSON_GetObjectItemCaseSensitive(root, "signatures");
	cJSON_ArrayForEach(g, sigs) {
		if ((type = nvme_json_str(g, "type")) == NULL)
			type = xstrdup("unknown");
		if (nvme_has(p->sigs, p->nsigs, type))
			free(type);
		else
			nvme_push(&p->sigs, &p->nsigs, type);
	}
	cJSON_Delete(root);
}

static void
nvme_parse_list(struct nvme_scan *s, const char *text)
{
	const char	*p, *nl, *tab;
	char		*line, *orig, *res;

	for (p = text; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		if (nl - p < 2 || p[0] != 'L' || p[1] != '\t')
			continue;
		line = strndup(p + 2, (size_t)(nl - p - 2));
		if (line == NULL)
			abort();
		if ((tab = strchr(line, '\t')) != NULL) {
			orig = strndup(line, (size_t)(tab - line));
			res = xstrdup(tab + 1);
		} else {
			orig = xstrdup(line);
			res = xstrdup("");
		}
		if (orig == NULL)
			abort();
		free(line);
		s->list = xreallocarray(s->list, s->nlist + 1,
		    sizeof *s->list);
		s->list[s->nlist].orig = orig;
		s->list[s->nlist].resolved = res;
		s->nlist++;
	}
}

static void
nvme_scan_free(struct nvme_scan *s)
{
	size_t	i, j;

	for (i = 0; i < s->nblk; i++) {
		free(s->blk[i].name);
		free(s->blk[i].path);
		free(s->blk[i].type);
		free(s->blk[i].model);
		free(s->blk[i].fstype);
		free(s->blk[i].pttype);
		for (j = 0; j < s->blk[i].nmounts; j++)
			free(s->blk[i].mounts[j]);
		free(s->blk[i].mounts);
	}
	free(s->blk);
	for (i = 0; i < s->npv; i++) {
		free(s->pv[i].pv);
		free(s->pv[i].vg);
	}
	free(s->pv);
	for (i = 0; i < s->nlv; i++) {
		free(s->lv[i].lv);
		free(s->lv[i].vg);
		free(s->lv[i].path);
		free(s->lv[i].dm);
	}
	free(s->lv);
	for (i = 0; i < s->nprobe; i++) {
		free(s->probe[i].path);
		for (j = 0; j < s->probe[i].nsigs; j++)
			free(s->probe[i].sigs[j]);
		free(s->probe[i].sigs);
	}
	free(s->probe);
	for (i = 0; i < s->nlist; i++) {
		free(s->list[i].orig);
		free(s->list[i].resolved);
	}
	free(s->list);
	memset(s, 0, sizeof *s);
}

/* Split the scan output into sections and parse them. */
static int
nvme_scan_parse(struct nvme_scan *s, const char *out, size_t len,
    char **cause)
{
	const char	*p, *end = out + len, *nl;
	char		*section = NULL, *body = NULL, *line;
	size_t		 blen = 0, bsize = 0, llen;
	int		 rc, have_lsblk = 0, have_pvs = 0, have_lvs = 0, ended = 0;
	int		 err = 0;

	memset(s, 0, sizeof *s);
	for (p = out; p < end && !err; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen >= 5 && memcmp(p, "@@ct ", 5) == 0) {
			line = strndup(p + 5, llen - 5);
			if (line == NULL)
				abort();
			if (strncmp(line, "rc ", 3) == 0 && section != NULL) {
				rc = atoi(line + 3);
				if (body == NULL)
					body = xstrdup("");
				if (strcmp(section, "lsblk") == 0) {
					have_lsblk = 1;
					if (rc != 0) {
						*cause = xasprintf("lsblk "
						    "failed (status %d)", rc);
						err = 1;
					} else if (nvme_parse_lsblk(s, body,
					    cause) != 0)
						err = 1;
				} else if (strcmp(section, "pvs") == 0)
					have_pvs = rc == 0 &&
					    nvme_parse_pvs(s, body) == 0;
				else if (strcmp(section, "lvs") == 0)
					have_lvs = rc == 0 &&
					    nvme_parse_lvs(s, body) == 0;
				else if (strcmp(section, "list") == 0) {
					s->have_list = 1;
					s->list_ok = rc == 0;
					nvme_parse_list(s, body);
				} else if (strncmp(section, "wipefs ", 7) == 0)
					nvme_parse_probe(s, section + 7, body,
					    rc);
				free(section);
				section = NULL;
				free(line);
			} else if (strcmp(line, "end") == 0) {
				ended = 1;
				free(line);
			} else if (strncmp(line, "scan ", 5) == 0) {
				free(line);
			} else {
				free(section);
				section = line;
			}
			free(body);
			body = NULL;
			blen = 0;
			bsize = 0;
			continue;
		}
		if (section == NULL)
			continue;
		if (blen + llen + 2 > bsize) {
			bsize = (blen + llen + 2) * 2;
			body = xreallocarray(body, bsize, 1);
		}
		memcpy(body + blen, p, llen);
		blen += llen;
		body[blen++] = '\n';
		body[blen] = '\0';
	}
	free(section);
	free(body);
	if (err) {
		nvme_scan_free(s);
		return (-1);
	}
	if (!have_lsblk || !ended) {
		*cause = xstrdup(have_lsblk ? "the scan was cut short" :
		    "no lsblk output (is util-linux installed? was sudo "
		    "refused?)");
		nvme_scan_free(s);
		return (-1);
	}
	s->lvm_ok = have_pvs && have_lvs;
	return (0);
}

/* --- planning ------------------------------------------------------------------------ */

static const struct nvme_probe *
nvme_find_probe(const struct nvme_scan *s, const char *path)
{
	size_t	i;

	for (i = 0; i < s->nprobe; i++) {
		if (strcmp(s->probe[i].path, path) == 0)
			return (&s->probe[i]);
	}
	return (NULL);
}

/* 1 if blk I is blk TOP or below it. */
static int
nvme_under(const struct nvme_scan *s, int i, int top)
{
	for (; i != -1; i = s->blk[i].parent) {
		if (i == top)
			return (1);
	}
	return (0);
}

/* The index of the top-level device with PATH (or a node below it: *sub). */
static int
nvme_find_dev(const struct nvme_scan *s, const char *path, int *sub)
{
	size_t	i;

	*sub = -1;
	for (i = 0; i < s->nblk; i++) {
		if (strcmp(s->blk[i].path, path) != 0)
			continue;
		if (s->blk[i].parent == -1)
			return ((int)i);
		if (*sub == -1)
			*sub = (int)i;
	}
	return (-1);
}

/* 1 if PATH is the device TOP or one of its partitions. */
static int
nvme_is_member(const struct nvme_scan *s, int top, const char *path)
{
	size_t	i;

	for (i = 0; i < s->nblk; i++) {
		if ((int)i != top && s->blk[i].parent != top)
			continue;
		if ((int)i != top && strcmp(s->blk[i].type, "part") != 0)
			continue;
		if (strcmp(s->blk[i].path, path) == 0)
			return (1);
	}
	return (0);
}

static int
nvme_is_system_mount(const char *m)
{
	const char	**p;

	for (p = nvme_system_mounts; *p != NULL; p++) {
		if (strcmp(*p, m) == 0)
			return (1);
	}
	return (0);
}

/* The lsblk nodes of logical volume LV (it may be listed under several PVs). */
static int
nvme_blk_is_lv(const struct nvme_blk *b, const struct nvme_lv *lv)
{
	if (strcmp(b->type, "lvm") != 0)
		return (0);
	return ((lv->dm != NULL && strcmp(b->path, lv->dm) == 0) ||
	    strcmp(b->path, lv->path) == 0);
}

/* Selected devices of this plan: the index in W of blk TOP, or -1. */
static int
nvme_work_of(const struct nvme_work *w, size_t nw, int top)
{
	size_t	i;

	for (i = 0; i < nw; i++) {
		if (w[i].blk == top)
			return ((int)i);
	}
	return (-1);
}

/* The selected device holding PV path, or -1. */
static int
nvme_work_holding(const struct nvme_scan *s, const struct nvme_work *w,
    size_t nw, const char *pv)
{
	size_t	i;

	for (i = 0; i < nw; i++) {
		if (w[i].blk >= 0 && nvme_is_member(s, w[i].blk, pv))
			return ((int)i);
	}
	return (-1);
}

static void
nvme_refuse(struct nvme_work *w, char *reason)
{
	if (w->refused) {
		free(reason);
		return;
	}
	w->refused = 1;
	w->reason = reason;
}

/* First-pass refusals of one device: everything but volume groups. */
static void
nvme_check_dev(const struct nvme_scan *s, struct nvme_work *w)
{
	const struct nvme_blk	*d = &s->blk[w->blk], *b;
	const struct nvme_probe	*pr;
	size_t			 i, j;
	int			 known;

	if (strcmp(d->type, "disk") != 0 && strcmp(d->type, "loop") != 0) {
		nvme_refuse(w, xasprintf("not a whole disk (type %s)",
		    d->type));
		return;
	}
	if (d->ro) {
		nvme_refuse(w, xstrdup("read-only device"));
		return;
	}
	for (i = 0; i < s->nblk; i++) {
		if (!nvme_under(s, (int)i, w->blk))
			continue;
		b = &s->blk[i];
		if ((int)i == w->blk || strcmp(b->type, "part") == 0) {
			for (j = 0; j < b->nmounts; j++) {
				if (strcmp(b->mounts[j], "/") == 0)
					nvme_refuse(w, xasprintf("holds the "
					    "root filesystem (%s on /)",
					    b->path));
				else if (strcmp(b->mounts[j], "[SWAP]") == 0)
					nvme_refuse(w, xasprintf("%s is in "
					    "use as swap", b->path));
				else
					nvme_refuse(w, xasprintf("%s is "
					    "mounted on %s (a filesystem "
					    "directly on the device, not a "
					    "logical volume)", b->path,
					    b->mounts[j]));
			}
			if (strcmp(b->type, "part") == 0 &&
			    s->blk[b->parent].parent != -1)
				nvme_refuse(w, xasprintf("%s: a partition "
				    "inside %s", b->path,
				    s->blk[b->parent].path));
			continue;
		}
		if (strcmp(b->type, "lvm") != 0) {
			nvme_refuse(w, xasprintf("holds a %s device (%s)",
			    b->type, b->path));
			continue;
		}
		/* A logical volume: LVM must know it. */
		for (known = 0, j = 0; j < s->nlv && !known; j++)
			known = nvme_blk_is_lv(b, &s->lv[j]);
		if (!known)
			nvme_refuse(w, xasprintf("holds a logical volume LVM "
			    "does not report (%s)", b->path));
	}
	/* Every probe of the device and its partitions must have worked. */
	for (i = 0; i < s->nblk; i++) {
		if ((int)i != w->blk && (s->blk[i].parent != w->blk ||
		    strcmp(s->blk[i].type, "part") != 0))
			continue;
		pr = nvme_find_probe(s, s->blk[i].path);
		if (pr != NULL && pr->failed)
			nvme_refuse(w, xasprintf("wipefs could not probe %s",
			    s->blk[i].path));
		if (!s->lvm_ok && pr != NULL &&
		    nvme_has(pr->sigs, pr->nsigs, "LVM2_member"))
			nvme_refuse(w, xasprintf("%s holds LVM metadata but "
			    "pvs/lvs did not answer", s->blk[i].path));
	}
}

/*
 * Volume-group refusals: a group that also uses a device outside the
 * selection or a refused one, or whose volumes hold a system mount.
 * Returns 1 when something changed.
 */
static int
nvme_check_vgs(const struct nvme_scan *s, struct nvme_work *w, size_t nw)
{
	size_t		 i, j, k, m;
	int		 h, changed = 0;
	const char	*vg;

	for (i = 0; i < nw; i++) {
		if (w[i].refused || w[i].blk < 0)
			continue;
		for (j = 0; j < w[i].nvgs && !w[i].refused; j++) {
			vg = w[i].vgs[j];
			for (k = 0; k < s->npv && !w[i].refused; k++) {
				if (s->pv[k].vg == NULL ||
				    strcmp(s->pv[k].vg, vg) != 0)
					continue;
				h = nvme_work_holding(s, w, nw, s->pv[k].pv);
				if (h == -1) {
					nvme_refuse(&w[i], xasprintf("volume "
					    "group %s also uses %s, which is "
					    "not an instance-store device", vg,
					    s->pv[k].pv));
					changed = 1;
				} else if (w[h].refused) {
					nvme_refuse(&w[i], xasprintf("volume "
					    "group %s also uses %s, which is "
					    "refused", vg, s->pv[k].pv));
					changed = 1;
				}
			}
			for (k = 0; k < s->nlv && !w[i].refused; k++) {
				if (strcmp(s->lv[k].vg, vg) != 0)
					continue;
				for (m = 0; m < s->nblk; m++) {
					if (!nvme_blk_is_lv(&s->blk[m],
					    &s->lv[k]))
						continue;
					for (h = 0; h < (int)s->blk[m].nmounts;
					    h++) {
						if (!nvme_is_system_mount(
						    s->blk[m].mounts[h]))
							continue;
						nvme_refuse(&w[i], xasprintf(
						    "logical volume %s/%s is "
						    "mounted on %s", vg,
						    s->lv[k].lv,
						    s->blk[m].mounts[h]));
						changed = 1;
						break;
					}
				}
			}
		}
	}
	return (changed);
}

/* One mount of a logical volume, for sorting. */
struct nvme_mount {
	const char	*mount;
	const char	*dev;
};

static int
nvme_mount_cmp(const void *a, const void *b)
{
	const struct nvme_mount	*x = a, *y = b;
	size_t			 lx = strlen(x->mount), ly = strlen(y->mount);

	if (lx != ly)
		return (lx > ly ? -1 : 1);	/* deepest first */
	return (strcmp(x->mount, y->mount));
}

/* The commands that remove volume group VG (unmount, lvremove, vgremove). */
static void
nvme_vg_cmds(const struct nvme_scan *s, const char *vg, struct nvme_dev *dev)
{
	struct nvme_mount	*mv = NULL;
	size_t			 nm = 0, i, j, k, x;
	char			*name;

	for (i = 0; i < s->nlv; i++) {
		if (strcmp(s->lv[i].vg, vg) != 0)
			continue;
		for (j = 0; j < s->nblk; j++) {
			if (!nvme_blk_is_lv(&s->blk[j], &s->lv[i]))
				continue;
			for (k = 0; k < s->blk[j].nmounts; k++) {
				for (x = 0; x < nm; x++) {
					if (strcmp(mv[x].mount,
					    s->blk[j].mounts[k]) == 0)
						goto seen;
				}
				mv = xreallocarray(mv, nm + 1, sizeof *mv);
				mv[nm].mount = s->blk[j].mounts[k];
				mv[nm].dev = s->blk[j].path;
				nm++;
seen:				;
			}
		}
	}
	if (nm != 0)
		qsort(mv, nm, sizeof *mv, nvme_mount_cmp);
	for (i = 0; i < nm; i++) {
		if (strcmp(mv[i].mount, "[SWAP]") == 0)
			nvme_push(&dev->cmds, &dev->ncmds,
			    nvme_cmd("swapoff", mv[i].dev, NULL));
		else
			nvme_push(&dev->cmds, &dev->ncmds,
			    nvme_cmd("umount", mv[i].mount, NULL));
	}
	free(mv);
	for (i = 0; i < s->nlv; i++) {
		if (strcmp(s->lv[i].vg, vg) != 0)
			continue;
		name = xasprintf("%s/%s", vg, s->lv[i].lv);
		nvme_push(&dev->cmds, &dev->ncmds,
		    nvme_cmd("lvremove", "-y", name, NULL));
		free(name);
	}
	nvme_push(&dev->cmds, &dev->ncmds, nvme_cmd("vgremove", "-y", vg,
	    NULL));
}

/* Append "; STR" to *C (or start it). */
static void
nvme_append(char **c, const char *str)
{
	char	*t;

	t = *c == NULL ? xstrdup(str) : xasprintf("%s; %s", *c, str);
	free(*c);
	*c = t;
}

/* Describe what is on the device, and list its mounts. */
static void
nvme_describe(const struct nvme_scan *s, const struct nvme_work *w,
    struct nvme_dev *dev)
{
	const struct nvme_probe	*pr;
	char			*c = NULL, *t, *u, *mounts = NULL;
	size_t			 i, j, k, nparts = 0;
	const char		*vg, *sig;


	for (i = 0; i < s->nblk; i++) {
		if (!nvme_under(s, (int)i, w->blk))
			continue;
		if (s->blk[i].parent == w->blk &&
		    strcmp(s->blk[i].type, "part") == 0)
			nparts++;
		for (j = 0; j < s->blk[i].nmounts; j++) {
			t = mounts == NULL ? xstrdup(s->blk[i].mounts[j]) :
			    xasprintf("%s, %s", mounts, s->blk[i].mounts[j]);
			free(mounts);
			mounts = t;
		}
	}
	if (nparts != 0) {
		t = xasprintf("%zu partition%s", nparts, nparts == 1 ? "" :
		    "s");
		nvme_append(&c, t);
		free(t);
	}
	for (i = 0; i < s->nblk; i++) {
		if ((int)i != w->blk && (s->blk[i].parent != w->blk ||
		    strcmp(s->blk[i].type, "part") != 0))
			continue;
		if ((pr = nvme_find_probe(s, s->blk[i].path)) == NULL)
			continue;
		for (j = 0; j < pr->nsigs; j++) {
			sig = strcmp(pr->sigs[j], "LVM2_member") == 0 ?
			    "LVM PV" : pr->sigs[j];
			if ((int)i == w->blk)
				t = xstrdup(sig);
			else
				t = xasprintf("%s on %s", sig,
				    s->blk[i].path);
			nvme_append(&c, t);
			free(t);
		}
	}
	for (i = 0; i < w->nvgs; i++) {
		vg = w->vgs[i];
		t = xasprintf("volume group %s", vg);
		for (j = 0, k = 0; j < s->nlv; j++) {
			if (strcmp(s->lv[j].vg, vg) != 0)
				continue;
			u = xasprintf("%s%s%s", t, k++ == 0 ? ": " : ", ",
			    s->lv[j].lv);
			free(t);
			t = u;
		}
		nvme_append(&c, t);
		free(t);
	}
	for (i = 0; i < s->npv; i++) {
		if (s->pv[i].vg == NULL && nvme_is_member(s, w->blk,
		    s->pv[i].pv)) {
			t = xasprintf("physical volume %s (no group)",
			    s->pv[i].pv);
			nvme_append(&c, t);
			free(t);
		}
	}
	dev->content = c != NULL ? c : xstrdup("empty");
	dev->mounts = mounts;
}

/* 1 when the device has nothing on it. */
static int
nvme_is_clean(const struct nvme_scan *s, const struct nvme_work *w)
{
	const struct nvme_blk	*d = &s->blk[w->blk];
	const struct nvme_probe	*pr;
	size_t			 i;

	for (i = 0; i < s->nblk; i++) {
		if (s->blk[i].parent == w->blk)
			return (0);
	}
	for (i = 0; i < s->npv; i++) {
		if (nvme_is_member(s, w->blk, s->pv[i].pv))
			return (0);
	}
	if (d->fstype != NULL || d->pttype != NULL)
		return (0);
	pr = nvme_find_probe(s, d->path);
	return (pr != NULL && !pr->failed && pr->nsigs == 0);
}

void
nvme_plan_build(const char *out, size_t len, const struct nvme_select *sel,
    struct nvme_plan *plan)
{
	struct nvme_scan	 s;
	struct nvme_work	*w = NULL;
	struct nvme_dev		*dev;
	char			*cause = NULL, **owned = NULL;
	size_t			 nw = 0, i, j, k, nowned = 0;
	int			 use_list, top, sub;

	memset(plan, 0, sizeof *plan);
	if (nvme_scan_parse(&s, out, len, &cause) != 0) {
		plan->error = cause;
		return;
	}
	use_list = sel->kind == NVME_SELECT_LIST ||
	    (sel->kind == NVME_SELECT_AUTO && s.have_list && s.list_ok);
	if (use_list && !s.list_ok) {
		plan->error = xasprintf("cannot read %s on this node",
		    nvme_sel_list(sel));
		nvme_scan_free(&s);
		return;
	}
	plan->selection = use_list ? xasprintf("list %s",
	    nvme_sel_list(sel)) : xasprintf("model \"%s\"",
	    nvme_sel_model(sel));

	/* 1. Selection. */
	if (use_list) {
		for (i = 0; i < s.nlist; i++) {
			top = nvme_find_dev(&s, s.list[i].resolved, &sub);
			if (top == -1)
				top = nvme_find_dev(&s, s.list[i].orig, &sub);
			if (top != -1 && nvme_work_of(w, nw, top) != -1)
				continue;
			w = xreallocarray(w, nw + 1, sizeof *w);
			memset(&w[nw], 0, sizeof w[nw]);
			w[nw].blk = top;
			if (top == -1 && sub != -1)
				nvme_refuse(&w[nw], xasprintf("%s is a %s, "
				    "not a whole device", s.list[i].orig,
				    s.blk[sub].type));
			else if (top == -1)
				nvme_refuse(&w[nw], xasprintf("%s: no such "
				    "block device on this node",
				    s.list[i].orig));
			if (top == -1)
				w[nw].listed = xstrdup(s.list[i].orig);
			nw++;
		}
	} else {
		for (i = 0; i < s.nblk; i++) {
			if (s.blk[i].parent != -1 || s.blk[i].model == NULL ||
			    strcmp(s.blk[i].model, nvme_sel_model(sel)) != 0)
				continue;
			w = xreallocarray(w, nw + 1, sizeof *w);
			memset(&w[nw], 0, sizeof w[nw]);
			w[nw++].blk = (int)i;
		}
	}

	/* 2. Refusals, then volume groups until nothing changes. */
	for (i = 0; i < nw; i++) {
		if (w[i].blk < 0)
			continue;
		nvme_check_dev(&s, &w[i]);
		for (j = 0; j < s.npv; j++) {
			if (s.pv[j].vg != NULL &&
			    nvme_is_member(&s, w[i].blk, s.pv[j].pv) &&
			    !nvme_has(w[i].vgs, w[i].nvgs, s.pv[j].vg))
				nvme_push(&w[i].vgs, &w[i].nvgs,
				    xstrdup(s.pv[j].vg));
		}
	}
	while (nvme_check_vgs(&s, w, nw))
		;

	/* 3 and 4. The plan of each device. */
	plan->devs = xcalloc(nw, sizeof *plan->devs);
	plan->ndevs = nw;
	for (i = 0; i < nw; i++) {
		dev = &plan->devs[i];
		if (w[i].blk < 0) {
			/* A listed path that is not a whole device here. */
			dev->path = w[i].listed;
			w[i].listed = NULL;
			dev->action = NVME_REFUSE;
			dev->reason = w[i].reason;
			w[i].reason = NULL;
			dev->content = xstrdup("-");
			continue;
		}
		dev->path = xstrdup(s.blk[w[i].blk].path);
		dev->model = xstrdup(s.blk[w[i].blk].model);
		dev->size = s.blk[w[i].blk].size;
		nvme_describe(&s, &w[i], dev);
		if (w[i].refused) {
			dev->action = NVME_REFUSE;
			dev->reason = w[i].reason;
			w[i].reason = NULL;
			continue;
		}
		if (nvme_is_clean(&s, &w[i])) {
			dev->action = NVME_NOTHING;
			dev->reason = xstrdup("already clean: no "
			    "signatures, no partitions, not in LVM");
			continue;
		}
		dev->action = NVME_WIPE;
		for (j = 0; j < w[i].nvgs; j++) {
			if (nvme_has(owned, nowned, w[i].vgs[j]))
				continue;
			nvme_push(&owned, &nowned, xstrdup(w[i].vgs[j]));
			nvme_vg_cmds(&s, w[i].vgs[j], dev);
		}
		for (j = 0; j < s.npv; j++) {
			if (nvme_is_member(&s, w[i].blk, s.pv[j].pv))
				nvme_push(&dev->cmds, &dev->ncmds,
				    nvme_cmd("pvremove", "-y", s.pv[j].pv,
				    NULL));
		}
		for (k = s.nblk; k > 0; k--) {
			if (s.blk[k - 1].parent == w[i].blk &&
			    strcmp(s.blk[k - 1].type, "part") == 0)
				nvme_push(&dev->cmds, &dev->ncmds,
				    nvme_cmd("wipefs", "-a",
				    s.blk[k - 1].path, NULL));
		}
		nvme_push(&dev->cmds, &dev->ncmds, nvme_cmd("wipefs", "-a",
		    dev->path, NULL));
		if (s.blk[w[i].blk].disc_max != 0)
			nvme_push(&dev->cmds, &dev->ncmds,
			    nvme_cmd("blkdiscard", dev->path, NULL));
	}
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	for (i = 0; i < nw; i++) {
		free(w[i].reason);
		free(w[i].listed);
		for (j = 0; j < w[i].nvgs; j++)
			free(w[i].vgs[j]);
		free(w[i].vgs);
	}
	free(w);
	nvme_scan_free(&s);
}

void
nvme_plan_free(struct nvme_plan *plan)
{
	size_t	i, j;

	for (i = 0; i < plan->ndevs; i++) {
		free(plan->devs[i].path);
		free(plan->devs[i].model);
		free(plan->devs[i].content);
		free(plan->devs[i].mounts);
		free(plan->devs[i].reason);
		for (j = 0; j < plan->devs[i].ncmds; j++)
			free(plan->devs[i].cmds[j]);
		free(plan->devs[i].cmds);
	}
	free(plan->devs);
	free(plan->selection);
	free(plan->error);
	memset(plan, 0, sizeof *plan);
}

size_t
nvme_plan_count(const struct nvme_plan *plan, enum nvme_action a)
{
	size_t	i, n = 0;

	for (i = 0; i < plan->ndevs; i++) {
		if (plan->devs[i].action == a)
			n++;
	}
	return (n);
}

static int
nvme_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

int
nvme_plan_same(const struct nvme_plan *a, const struct nvme_plan *b)
{
	size_t	i, j;

	if ((a->error == NULL) != (b->error == NULL) || a->ndevs != b->ndevs)
		return (0);
	for (i = 0; i < a->ndevs; i++) {
		if (!nvme_streq(a->devs[i].path, b->devs[i].path) ||
		    a->devs[i].action != b->devs[i].action ||
		    a->devs[i].ncmds != b->devs[i].ncmds)
			return (0);
		for (j = 0; j < a->devs[i].ncmds; j++) {
			if (strcmp(a->devs[i].cmds[j], b->devs[i].cmds[j]) != 0)
				return (0);
		}
	}
	return (1);
}

/* The wipe script: each device in a subshell that stops at a failure. */
char *
nvme_wipe_command(const struct nvme_plan *plan)
{
	const struct nvme_dev	*d;
	char			*s, *t, *q, *shown;
	size_t			 i, j;

	if (nvme_plan_count(plan, NVME_WIPE) == 0)
		return (NULL);
	s = xstrdup("export LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1 "
	    "PATH=$PATH:/usr/sbin:/sbin:/usr/bin:/bin\n");
	for (i = 0; i < plan->ndevs; i++) {
		d = &plan->devs[i];
		if (d->action != NVME_WIPE)
			continue;
		t = xasprintf("%s(\n\tset -e\n", s);
		free(s);
		s = t;
		for (j = 0; j < d->ncmds; j++) {
			shown = xasprintf("+ %s", d->cmds[j]);
			q = nvme_quote(shown);
			t = xasprintf("%s\tprintf '%%s\\n' %s\n\t%s\n", s, q,
			    d->cmds[j]);
			free(shown);
			free(q);
			free(s);
			s = t;
		}
		q = nvme_quote(d->path);
		t = xasprintf("%s)\nprintf '@@ct done %%s %%d\\n' %s $?\n", s,
		    q);
		free(q);
		free(s);
		s = t;
	}
	t = nvme_as_root(s, NULL, 0);
	free(s);
	return (t);
}

size_t
nvme_wipe_results(const char *out, size_t len,
    void (*fn)(const char *, int, void *), void *arg)
{
	const char	*p, *end = out + len, *nl, *sp;
	char		*dev;
	size_t		 n = 0;

	for (p = out; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p > 10 && memcmp(p, "@@ct done ", 10) == 0) {
			for (sp = nl; sp > p + 10 && sp[-1] != ' '; sp--)
				;
			if (sp > p + 11) {
				dev = strndup(p + 10, (size_t)(sp - 1 - p - 10));
				if (dev == NULL)
					abort();
				fn(dev, atoi(sp), arg);
				free(dev);
				n++;
			}
		}
		if (nl == end)
			break;
	}
	return (n);
}
