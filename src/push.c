/*
 * push.c -- the push and pull planner: the payload (one mapped file or a
 * tar image), the remote commands that receive it, and SHA-256.
 *
 * The remote side needs nothing but a POSIX sh, cat, mv, mkdir, chmod,
 * touch, wc, rm, tar and (with --verify) sha256sum. The scripts below are
 * constants: the login shell runs `sh -c 'SCRIPT' ct-push ARG...` and each
 * ARG is one single-quoted word, so a path with spaces, quotes, newlines
 * or "$(...)" is data and never code.
 *
 * One file (PUSH_FILE). The bytes go to DIR/.NAME.ct-tmp.PID under umask
 * 077; the script then checks that exactly SIZE bytes arrived (a client
 * that dies mid-push closes the channel, and cat sees a clean EOF), with
 * --verify compares the SHA-256, sets the mode (and with -p the times),
 * and renames the file over NAME. A failure or a signal removes the
 * temporary file.
 *
 * A tree or several files (PUSH_TAR). The archive is unpacked into
 * DEST/.ct-tmp.PID (mode 0700). Its last member is a marker in a private
 * directory (.ct-push.RANDOM/end): without it the stream was cut short and
 * nothing is moved. With --verify the same directory carries a sums file
 * for sha256sum -c. The entries are then moved into DEST: a new file or
 * directory is one rename; a directory that already exists is merged into
 * (its other files stay, as with pdcp), each file by a rename, so no file
 * is ever seen half-written. With -p the merged directories then get the
 * source's mode and times (tar of the emptied skeleton over DEST).
 */

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "push.h"
#include "util.h"

/* --- the remote scripts ----------------------------------------------------- */

/*
 * One file. $1 "dir" or "auto", $2 DEST without trailing slashes, $3 the
 * source's name, $4 DEST's parent, $5 DEST's last component, $6 the size,
 * $7 the octal mode, $8 mtime and $9 atime for touch -t (or -), ${10} the
 * SHA-256 (or -), ${11} flags (p: preserve). The mode is octal with -p;
 * without, a symbolic mode that grants the source's bits minus the node's
 * umask in one chmod (push_chmod_mode).
 */
static const char push_file_script[] =
"if [ \"$1\" = dir ] || [ -d \"$2\" ]; then d=$2 n=$3; else d=$4 n=$5; fi\n"
"f=$d/$n\n"
"case $n in ''|.|..) echo \"clustertop: $f: not a file name\" >&2; exit 1;; esac\n"
"if [ -d \"$f\" ]; then echo \"clustertop: $f: is a directory\" >&2; exit 1; fi\n"
"[ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 1\n"
"t=$d/.$n.ct-tmp.$$\n"
"[ ${#n} -le 200 ] || t=$d/.ct-tmp.$$\n"
/* A push killed outright (node rebooted, kill -9) left its temporary
 * file: remove those of this name whose writer is gone. */
"for o in \"$d/.$n.ct-tmp.\"*; do p=${o##*.}; case $p in ''|*[!0-9]*) continue;; esac\n"
"\t[ -f \"$o\" ] && [ ! -d /proc/$p ] && rm -f -- \"$o\"; done\n"
"trap 'rm -f -- \"$t\"; exit 1' HUP INT TERM PIPE\n"
"x() { rm -f -- \"$t\"; exit 1; }\n"
"(umask 077 && exec cat >\"$t\") || x\n"
"s=$(wc -c <\"$t\")\n"
"[ -n \"$s\" ] && [ $s -eq $6 ] || { echo \"clustertop: $f: received $s of $6 bytes\" >&2; x; }\n"
"if [ \"${10}\" != - ]; then\n"
"\th=$(sha256sum <\"$t\") && h=${h%% *} && echo \"sha256 $h\" && [ \"$h\" = \"${10}\" ] ||\n"
"\t{ echo \"clustertop: $f: SHA-256 mismatch after transfer\" >&2; x; }\n"
"fi\n"
"chmod -- \"$7\" \"$t\" || x\n"
"if [ \"$8\" != - ]; then\n"
"\tTZ=UTC0 touch -a -t \"$9\" -- \"$t\" && TZ=UTC0 touch -m -t \"$8\" -- \"$t\" || x\n"
"fi\n"
"mv -f -- \"$t\" \"$f\" || x\n";

/*
 * A tar stream. $1 "dir" or "auto", $2 DEST without trailing slashes, $3
 * its parent, $4 its last component, $5 the archive's private directory,
 * $6 flags (p: preserve, v: verify), then the top-level names. The stream
 * is unpacked into $t/in; the private directory moves to $t/meta before
 * the entries move into place.
 */
static const char push_tar_script[] =
"if [ \"$1\" = dir ] || [ -d \"$2\" ] || [ $# -ne 7 ]; then d=$2 r=; else d=$3 r=$4; fi\n"
"x=$5 o=$6; shift 6\n"
"if [ -e \"$d\" ] && [ ! -d \"$d\" ]; then echo \"clustertop: $d: not a directory\" >&2; exit 1; fi\n"
"if [ -n \"$r\" ] && [ -d \"$d/$r\" ]; then echo \"clustertop: $d/$r: is a directory\" >&2; exit 1; fi\n"
"mkdir -p -- \"$d\" || exit 1\n"
"t=$d/.ct-tmp.$$\n"
"mkdir -m 700 -- \"$t\" || exit 1\n"
"trap 'rm -rf -- \"$t\"; exit 1' HUP INT TERM PIPE\n"
"f() { rm -rf -- \"$t\"; exit 1; }\n"
"mkdir -- \"$t/in\" || f\n"
"case $o in *p*) a=-p;; *) a='-m --no-same-permissions';; esac\n"
"tar -x $a --no-same-owner -f - -C \"$t/in\" || f\n"
"[ -f \"$t/in/$x/end\" ] || { echo \"clustertop: $d: the archive was cut short\" >&2; f; }\n"
"case $o in *v*)\n"
"\t(cd \"$t/in\" && exec sha256sum -c -- \"$x/sums\") >\"$t/out\" 2>&1 || {\n"
"\t\twhile IFS= read -r l; do case $l in *': OK') ;; *) echo \"clustertop: $l\" >&2;; esac\n"
"\t\tdone <\"$t/out\"; f; }\n"
"\techo verified;;\n"
"esac\n"
"mv -f -- \"$t/in/$x\" \"$t/meta\" || f\n"
"if [ -n \"$r\" ] && [ \"$1\" != \"$r\" ]; then mv -f -- \"$t/in/$1\" \"$t/in/$r\" || f; set -- \"$r\"; fi\n"
"m() (\n"
"\ts=$1 e=$2; shift 2\n"
"\tfor i in \"$s\"/* \"$s\"/.[!.]* \"$s\"/..?*; do\n"
"\t\t[ -e \"$i\" ] || [ -L \"$i\" ] || continue\n"
"\t\tb=${i##*/}\n"
"\t\tif [ -d \"$e/$b\" ]; then\n"
"\t\t\tif [ -d \"$i\" ] && [ ! -L \"$i\" ]; then m \"$i\" \"$e/$b\" || exit 1\n"
"\t\t\telse echo \"clustertop: $e/$b: is a directory\" >&2; exit 1; fi\n"
"\t\telse set -- \"$@\" \"$i\"; fi\n"
"\tdone\n"
"\t[ $# -eq 0 ] || mv -f -- \"$@\" \"$e/\"\n"
")\n"
"m \"$t/in\" \"$d\" || f\n"
"case $o in *p*)\n"
"\tk=0\n"
"\tfor i do\n"
"\t\tk=$((k + 1))\n"
"\t\t[ ! -f \"$t/meta/dirs.$k\" ] || tar -x -p --no-same-owner -f \"$t/meta/dirs.$k\" -C \"$d/$i\" || f\n"
"\tdone;;\n"
"esac\n"
"rm -rf -- \"$t\"\n";

/*
 * A pull. $1 flags (r: directories allowed), then the paths. Absolute
 * paths are archived relative to /, others relative to the home.
 */
static const char push_pull_script[] =
"o=$1; shift; h=$(pwd) n=$#\n"
"for p do\n"
"\t[ -e \"$p\" ] || [ -L \"$p\" ] || { echo \"clustertop: $p: No such file or directory\" >&2; exit 1; }\n"
"\tif [ -d \"$p\" ] && [ \"$o\" != r ]; then echo \"clustertop: $p: is a directory (use -r)\" >&2; exit 1; fi\n"
"\tcase $p in /*) q=${p#\"${p%%[!/]*}\"}; set -- \"$@\" -C / \"./$q\";; *) set -- \"$@\" -C \"$h\" \"./$p\";; esac\n"
"done\n"
"shift $n\n"
"case $o in r) exec tar -cf - \"$@\";; *) exec tar -chf - \"$@\";; esac\n";

/* --- buffers and quoting ----------------------------------------------------- */

/* Append the quoted form of S, with a space before it unless B is empty. */
void
push_buf_add_arg(struct strbuf *b, const char *s)
{
	if (b->len != 0)
		strbuf_addn(b, " ", 1);
	strbuf_addn(b, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			strbuf_addn(b, "'\\''", 4);
		else
			strbuf_addn(b, s, 1);
	}
	strbuf_addn(b, "'", 1);
}

/* Quote S for a POSIX shell; malloc'd. */
char *
push_quote(const char *s)
{
	struct strbuf	b;

	memset(&b, 0, sizeof b);
	push_buf_add_arg(&b, s);
	return ((char *)b.s);
}

/* --- paths ------------------------------------------------------------------- */

/* The last component of PATH, ignoring trailing slashes; malloc'd. */
char *
push_basename(const char *path)
{
	size_t	end, start;

	end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		end--;
	if (end == 1 && path[0] == '/')
		return (xstrdup("/"));
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return (xstrndup(path + start, end - start));
}

/* Split a destination; see push.h. */
int
push_split_dest(const char *dest, char **dir, char **pdir, char **pname,
    int *slash)
{
	size_t	len, cut;

	*dir = *pdir = *pname = NULL;
	*slash = 0;
	if (strcmp(dest, "~") == 0)
		dest = ".";
	else if (strncmp(dest, "~/", 2) == 0) {
		dest += 2;
		while (*dest == '/')
			dest++;
		if (*dest == '\0')
			dest = ".";
	}
	len = strlen(dest);
	if (len == 0)
		return (-1);
	if (dest[len - 1] == '/')
		*slash = 1;
	while (len > 1 && dest[len - 1] == '/')
		len--;
	*dir = xstrndup(dest, len);
	if (strcmp(*dir, "/") == 0) {
		*pdir = xstrdup("/");
		*pname = xstrdup(".");	/* "/" can only be a directory */
		*slash = 1;
		return (0);
	}
	cut = len;
	while (cut > 0 && dest[cut - 1] != '/')
		cut--;
	*pname = xstrndup(dest + cut, len - cut);
	if (cut == 0)
		*pdir = xstrdup(".");
	else {
		while (cut > 1 && dest[cut - 1] == '/')
			cut--;
		*pdir = xstrndup(dest, cut);
	}
	return (0);
}

/* Format T as touch -t wants it (CCYYMMDDhhmm.SS), in UTC. */
void
push_touch_time(time_t t, char buf[16])
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 16, "%Y%m%d%H%M.%S", &tm) == 0)
		strcpy(buf, "197001010000.00");
}

/* --- the remote commands ------------------------------------------------------ */

/*
 * The chmod mode for a pushed file: with -p the exact octal mode; without,
 * "a=,+rwx,g-w,o-wx" style: a who-less "+" is masked by the umask (POSIX
 * chmod), so the file gets the source's bits minus the node's umask, as a
 * new file from cp would, without asking the shell for its umask.
 */
void
push_chmod_mode(mode_t mode, int preserve, char *buf, size_t size)
{
	static const char	*who = "ugo";
	size_t			 len;
	int			 c, bits;

	if (preserve) {
		snprintf(buf, size, "%o", (unsigned)(mode & 07777));
		return;
	}
	len = (size_t)snprintf(buf, size, "a=,+rwx");
	for (c = 0; c < 3 && len < size; c++) {
		bits = (int)(mode >> (6 - 3 * c)) & 7;
		if (bits == 7)
			continue;
		len += (size_t)snprintf(buf + len, size - len, ",%c-%s%s%s",
		    who[c], bits & 4 ? "" : "r", bits & 2 ? "" : "w",
		    bits & 1 ? "" : "x");
	}
}

/* Start `sh -c SCRIPT ct-push` in B. */
static void
push_command_start(struct strbuf *b, const char *script)
{
	memset(b, 0, sizeof *b);
	strbuf_add(b, "exec sh -c");
	push_buf_add_arg(b, script);
	push_buf_add_arg(b, "ct-push");
}

/* The remote command for a payload; see push.h. */
char *
push_command(const struct push_payload *p, const char *dest,
    const struct push_opts *o, char **cause)
{
	struct strbuf	 b;
	char		*dir, *pdir, *pname, num[32], mt[16], at[16], flags[4];
	int		 slash;
	size_t		 i;

	if (push_split_dest(dest, &dir, &pdir, &pname, &slash) != 0) {
		*cause = xstrdup("empty destination");
		return (NULL);
	}
	if (p->kind == PUSH_FILE) {
		push_command_start(&b, push_file_script);
		push_buf_add_arg(&b, slash ? "dir" : "auto");
		push_buf_add_arg(&b, dir);
		push_buf_add_arg(&b, p->name);
		push_buf_add_arg(&b, pdir);
		push_buf_add_arg(&b, pname);
		snprintf(num, sizeof num, "%zu", p->len);
		push_buf_add_arg(&b, num);
		push_chmod_mode(p->mode, o->preserve, num, sizeof num);
		push_buf_add_arg(&b, num);
		if (o->preserve) {
			push_touch_time(p->mtime, mt);
			push_touch_time(p->atime, at);
			push_buf_add_arg(&b, mt);
			push_buf_add_arg(&b, at);
		} else {
			push_buf_add_arg(&b, "-");
			push_buf_add_arg(&b, "-");
		}
		push_buf_add_arg(&b, o->verify && p->sha256[0] != '\0' ?
		    p->sha256 : "-");
		push_buf_add_arg(&b, o->preserve ? "p" : "-");
	} else {
		if (p->ntops == 0) {
			*cause = xstrdup("nothing to push");
			free(dir);
			free(pdir);
			free(pname);
			return (NULL);
		}
		push_command_start(&b, push_tar_script);
		/* Several sources always go into DEST. */
		push_buf_add_arg(&b, slash || p->ntops != 1 ? "dir" : "auto");
		push_buf_add_arg(&b, dir);
		push_buf_add_arg(&b, pdir);
		push_buf_add_arg(&b, pname);
		push_buf_add_arg(&b, p->meta);
		i = 0;
		if (o->preserve)
			flags[i++] = 'p';
		if (o->verify)
			flags[i++] = 'v';
		if (i == 0)
			flags[i++] = '-';
		flags[i] = '\0';
		push_buf_add_arg(&b, flags);
		for (i = 0; i < p->ntops; i++)
			push_buf_add_arg(&b, p->tops[i]);
	}
	free(dir);
	free(pdir);
	free(pname);
	return ((char *)b.s);
}

/* 1 if PATH has a ".." component. */
static int
push_has_dotdot(const char *path)
{
	const char	*p, *e;

	for (p = path; *p != '\0'; p = e) {
		while (*p == '/')
			p++;
		e = p;
		while (*e != '\0' && *e != '/')
			e++;
		if (e - p == 2 && p[0] == '.' && p[1] == '.')
			return (1);
	}
	return (0);
}

/* The remote command of a pull; see push.h. */
char *
push_pull_command(char *const *paths, size_t npaths,
    const struct push_opts *o, char **cause)
{
	struct strbuf	 b;
	const char	*p;
	size_t		 i;

	if (npaths == 0) {
		*cause = xstrdup("no remote path");
		return (NULL);
	}
	for (i = 0; i < npaths; i++) {
		p = paths[i];
		if (*p == '\0' || push_has_dotdot(p)) {
			*cause = xasprintf("%s: remote paths must not be empty "
			    "or contain \"..\"", *p == '\0' ? "''" : p);
			return (NULL);
		}
		p += strspn(p, "/");
		if (*p == '\0' || strcmp(p, ".") == 0) {
			*cause = xasprintf("%s: pull a path below it, not "
			    "the directory itself", paths[i]);
			return (NULL);
		}
	}
	push_command_start(&b, push_pull_script);
	push_buf_add_arg(&b, o->recursive ? "r" : "-");
	for (i = 0; i < npaths; i++) {
		p = paths[i];
		if (strncmp(p, "~/", 2) == 0)
			p += 2;
		push_buf_add_arg(&b, p);
	}
	return ((char *)b.s);
}

/* --- tar ----------------------------------------------------------------------- */

#define PUSH_TAR_BLOCK	512
#define PUSH_TAR_MAXOCT	077777777777ULL		/* 11 octal digits */

/* Write V as a NUL-terminated octal number of WIDTH bytes. */
static void
push_tar_octal(unsigned char *field, size_t width, unsigned long long v)
{
	char	tmp[32];

	snprintf(tmp, sizeof tmp, "%0*llo", (int)(width - 1), v);
	memcpy(field, tmp, width - 1);
	field[width - 1] = '\0';
}

/* Append one pax record "LEN key=value\n". */
static void
push_tar_pax_record(struct strbuf *b, const char *key, const char *value)
{
	size_t	base, len, digits;
	char	num[32];

	base = 1 + strlen(key) + 1 + strlen(value) + 1;
	len = base + 1;
	for (;;) {
		digits = (size_t)snprintf(num, sizeof num, "%zu", len);
		if (base + digits == len)
			break;
		len = base + digits;
	}
	strbuf_add(b, num);
	strbuf_addn(b, " ", 1);
	strbuf_add(b, key);
	strbuf_addn(b, "=", 1);
	strbuf_add(b, value);
	strbuf_addn(b, "\n", 1);
}

/* Append a header block. */
static void
push_tar_header(struct strbuf *b, const char *name, char type, mode_t mode,
    unsigned long long size, unsigned long long mtime, const char *link)
{
	unsigned char	 h[PUSH_TAR_BLOCK];
	unsigned int	 sum;
	size_t		 i;
	char		 tmp[16];

	memset(h, 0, sizeof h);
	strncpy((char *)h, name, 100);
	push_tar_octal(h + 100, 8, mode & 07777);
	push_tar_octal(h + 108, 8, 0);
	push_tar_octal(h + 116, 8, 0);
	push_tar_octal(h + 124, 12, size > PUSH_TAR_MAXOCT ? 0 : size);
	push_tar_octal(h + 136, 12, mtime > PUSH_TAR_MAXOCT ? 0 : mtime);
	h[156] = (unsigned char)type;
	if (link != NULL)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (sum = 0, i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf(tmp, sizeof tmp, "%06o", sum & 0777777);
	memcpy(h + 148, tmp, 6);
	h[154] = '\0';
	h[155] = ' ';
	strbuf_addn(b, h, sizeof h);
}

/* Pad B to a whole number of blocks. */
static void
push_tar_pad(struct strbuf *b)
{
	static const unsigned char	zero[PUSH_TAR_BLOCK];
	size_t				rest;

	rest = b->len % PUSH_TAR_BLOCK;
	if (rest != 0)
		strbuf_addn(b, zero, PUSH_TAR_BLOCK - rest);
}

/*
 * Append the header of one member (a pax header first when the name, the
 * link or a number does not fit ustar); the caller appends SIZE bytes of
 * data and the padding.
 */
static int
push_tar_add_header(struct strbuf *b, const char *name, char type,
    mode_t mode, time_t mtime, unsigned long long size, const char *link)
{
	struct strbuf	 pax;
	char		*full, num[32];

	if (name == NULL || *name == '\0')
		return (-1);
	if (type == '5' && name[strlen(name) - 1] != '/')
		full = xasprintf("%s/", name);
	else
		full = xstrdup(name);
	memset(&pax, 0, sizeof pax);
	if (strlen(full) > 100)
		push_tar_pax_record(&pax, "path", full);
	if (link != NULL && strlen(link) > 100)
		push_tar_pax_record(&pax, "linkpath", link);
	if (size > PUSH_TAR_MAXOCT) {
		snprintf(num, sizeof num, "%llu", size);
		push_tar_pax_record(&pax, "size", num);
	}
	if (mtime < 0 || (unsigned long long)mtime > PUSH_TAR_MAXOCT) {
		snprintf(num, sizeof num, "%lld", (long long)mtime);
		push_tar_pax_record(&pax, "mtime", num);
	}
	if (pax.len != 0) {
		push_tar_header(b, "PaxHeader", 'x', 0644, pax.len, 0, NULL);
		strbuf_addn(b, pax.s, pax.len);
		push_tar_pad(b);
	}
	strbuf_free(&pax);
	push_tar_header(b, full, type, mode, size,
	    mtime < 0 ? 0 : (unsigned long long)mtime, link);
	free(full);
	return (0);
}

/* Append one member; see push.h. */
int
push_tar_add(struct strbuf *b, const char *name, char type, mode_t mode,
    time_t mtime, const void *data, size_t len, const char *link)
{
	if (type != '0')
		len = 0;
	if (push_tar_add_header(b, name, type, mode, mtime, len, link) != 0)
		return (-1);
	if (len != 0) {
		strbuf_addn(b, data, len);
		push_tar_pad(b);
	}
	return (0);
}

/* Append the two zero blocks that end an archive. */
void
push_tar_finish(struct strbuf *b)
{
	static const unsigned char	zero[2 * PUSH_TAR_BLOCK];

	strbuf_addn(b, zero, sizeof zero);
}

/* --- SHA-256 (FIPS 180-4) -------------------------------------------------------- */

struct push_sha256 {
	uint32_t	h[8];
	uint64_t	total;
	unsigned char	buf[64];
	size_t		nbuf;
};

static const uint32_t push_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR32(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
push_sha256_block(struct push_sha256 *c, const unsigned char *p)
{
	uint32_t	w[64], a, b, d, e, f, g, h, cc, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[i * 4] << 24 | (uint32_t)p[i * 4 + 1] << 16 |
		    (uint32_t)p[i * 4 + 2] << 8 | (uint32_t)p[i * 4 + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^
		    (w[i - 2] >> 10)) + w[i - 7] + (ROR32(w[i - 15], 7) ^
		    ROR32(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 16];
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) +
		    ((e & f) ^ (~e & g)) + push_sha256_k[i] + w[i];
		t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) +
		    ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void
push_sha256_init(struct push_sha256 *c)
{
	static const uint32_t	iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memset(c, 0, sizeof *c);
	memcpy(c->h, iv, sizeof iv);
}

static void
push_sha256_update(struct push_sha256 *c, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 n;

	c->total += len;
	if (c->nbuf != 0) {
		n = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n;
		p += n;
		len -= n;
		if (c->nbuf < 64)
			return;
		push_sha256_block(c, c->buf);
		c->nbuf = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		push_sha256_block(c, p);
	memcpy(c->buf, p, len);
	c->nbuf = len;
}

static void
push_sha256_final(struct push_sha256 *c, char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		pad[72], digest[32];
	uint64_t		bits = c->total * 8;
	size_t			n, i;

	n = c->nbuf < 56 ? 56 - c->nbuf : 120 - c->nbuf;
	memset(pad, 0, sizeof pad);
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
	push_sha256_update(c, pad, n + 8);
	for (i = 0; i < 8; i++) {
		digest[i * 4] = (unsigned char)(c->h[i] >> 24);
		digest[i * 4 + 1] = (unsigned char)(c->h[i] >> 16);
		digest[i * 4 + 2] = (unsigned char)(c->h[i] >> 8);
		digest[i * 4 + 3] = (unsigned char)c->h[i];
	}
	for (i = 0; i < 32; i++) {
		out[i * 2] = hex[digest[i] >> 4];
		out[i * 2 + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

/* Hash LEN bytes into 64 hex digits. */
void
push_sha256_hex(const void *data, size_t len, char out[65])
{
	struct push_sha256	c;

	push_sha256_init(&c);
	push_sha256_update(&c, data, len);
	push_sha256_final(&c, out);
}

/* Find the "sha256 HEX" line in OUT. */
int
push_parse_sha256(const char *out, size_t len, char hex[65])
{
	const char	*p, *end = out + len, *nl;
	size_t		 i;

	for (p = out; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p == 7 + 64 && memcmp(p, "sha256 ", 7) == 0) {
			for (i = 0; i < 64; i++) {
				if (strchr("0123456789abcdef", p[7 + i]) ==
				    NULL || p[7 + i] == '\0')
					break;
			}
			if (i == 64) {
				memcpy(hex, p + 7, 64);
				hex[64] = '\0';
				return (0);
			}
		}
		if (nl == end)
			break;
	}
	return (-1);
}

/* --- the payload ------------------------------------------------------------------ */

/* One entry found while walking the sources. */
struct push_entry {
	char		*local;		/* path on this machine */
	char		*name;		/* name in the archive */
	struct stat	 st;
	char		*link;		/* symlink target */
};

struct push_walk {
	struct push_entry	*v;
	size_t			 n, size;
	uint64_t		 bytes;		/* file data */
	struct strbuf		 warn;
	size_t			 nskipped;
};

static int
push_walk_add(struct push_walk *w, const char *local, const char *name,
    const struct stat *st, char **cause)
{
	struct push_entry	*e;
	char			 link[PATH_MAX + 1];
	ssize_t			 n;

	if (w->n == w->size) {
		w->size = w->size == 0 ? 64 : w->size * 2;
		w->v = xrealloc(w->v, w->size * sizeof *w->v);
	}
	e = &w->v[w->n];
	memset(e, 0, sizeof *e);
	if (S_ISLNK(st->st_mode)) {
		if ((n = readlink(local, link, sizeof link - 1)) == -1) {
			*cause = xasprintf("%s: %s", local, strerror(errno));
			return (-1);
		}
		link[n] = '\0';
		e->link = xstrdup(link);
	}
	e->local = xstrdup(local);
	e->name = xstrdup(name);
	e->st = *st;
	if (S_ISREG(st->st_mode))
		w->bytes += (uint64_t)st->st_size;
	w->n++;
	return (0);
}

static int
push_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Walk directory LOCAL (archive name NAME) into W, sorted by name. */
static int
push_walk_dir(struct push_walk *w, const char *local, const char *name,
    char **cause)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**names = NULL, *cl, *cn;
	size_t		  n = 0, size = 0, i;
	struct stat	  st;
	int		  rc = 0;

	if ((d = opendir(local)) == NULL) {
		*cause = xasprintf("%s: %s", local, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == size) {
			size = size == 0 ? 32 : size * 2;
			names = xrealloc(names, size * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n != 0)
		qsort(names, n, sizeof *names, push_name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		cl = xasprintf("%s/%s", local, names[i]);
		cn = xasprintf("%s/%s", name, names[i]);
		if (lstat(cl, &st) != 0) {
			*cause = xasprintf("%s: %s", cl, strerror(errno));
			rc = -1;
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			rc = push_walk_add(w, cl, cn, &st, cause);
		} else if (S_ISDIR(st.st_mode)) {
			if ((rc = push_walk_add(w, cl, cn, &st, cause)) == 0)
				rc = push_walk_dir(w, cl, cn, cause);
		} else {
			w->nskipped++;
			strbuf_add(&w->warn, cl);
			strbuf_add(&w->warn, ": not a regular file, "
			    "directory or symlink: skipped\n");
		}
		free(cl);
		free(cn);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (rc);
}

static void
push_walk_free(struct push_walk *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++) {
		free(w->v[i].local);
		free(w->v[i].name);
		free(w->v[i].link);
	}
	free(w->v);
	strbuf_free(&w->warn);
}

/* Read a regular file of SIZE bytes into B (and hash it into C). */
static int
push_read_into(struct strbuf *b, const char *path, size_t size,
    struct push_sha256 *c, char **cause)
{
	int		fd;
	ssize_t		n;
	size_t		got = 0;
	unsigned char	probe;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	strbuf_reserve(b, size);
	while (got < size) {
		n = read(fd, b->s + b->len + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*cause = xasprintf("%s: %s", path, n == 0 ?
			    "file shrank while being read" : strerror(errno));
			close(fd);
			return (-1);
		}
		got += (size_t)n;
	}
	if (read(fd, &probe, 1) == 1) {
		*cause = xasprintf("%s: file grew while being read", path);
		close(fd);
		return (-1);
	}
	close(fd);
	if (c != NULL)
		push_sha256_update(c, b->s + b->len, size);
	return (0);
}

/* Append one "HASH  name" line in sha256sum's format (escaped names too). */
static void
push_sums_line(struct strbuf *sums, const char *hex, const char *name)
{
	const char	*p;

	if (strpbrk(name, "\\\n") != NULL)
		strbuf_addn(sums, "\\", 1);
	strbuf_add(sums, hex);
	strbuf_addn(sums, "  ", 2);
	for (p = name; *p != '\0'; p++) {
		if (*p == '\\')
			strbuf_addn(sums, "\\\\", 2);
		else if (*p == '\n')
			strbuf_addn(sums, "\\n", 2);
		else
			strbuf_addn(sums, p, 1);
	}
	strbuf_addn(sums, "\n", 1);
}

/*
 * With -p, add META/dirs.N for each top-level directory N (from 1): a tar
 * of its directories alone, named from "./", which the script unpacks over
 * the destination after the move, so that merged directories get the
 * source's mode and times too.
 */
static void
push_build_dirs(struct push_payload *p, const struct push_walk *w,
    mode_t mask, time_t now)
{
	struct strbuf		 d;
	const struct push_entry	*e;
	size_t			 i, k, tl;
	char			*name;

	for (k = 0; k < p->ntops; k++) {
		memset(&d, 0, sizeof d);
		tl = strlen(p->tops[k]);
		for (i = 0; i < w->n; i++) {
			e = &w->v[i];
			if (!S_ISDIR(e->st.st_mode) ||
			    strncmp(e->name, p->tops[k], tl) != 0 ||
			    (e->name[tl] != '\0' && e->name[tl] != '/'))
				continue;
			name = xasprintf(".%s/", e->name + tl);
			push_tar_add(&d, name, '5', e->st.st_mode & mask,
			    e->st.st_mtime, NULL, 0, NULL);
			free(name);
		}
		if (d.len != 0) {
			push_tar_finish(&d);
			name = xasprintf("%s/dirs.%zu", p->meta, k + 1);
			push_tar_add(&p->tar, name, '0', 0600, now, d.s,
			    d.len, NULL);
			free(name);
		}
		strbuf_free(&d);
	}
}

/* Build the archive for the entries in W. */
static int
push_build_tar(struct push_payload *p, struct push_walk *w,
    const struct push_opts *o, char **cause)
{
	struct strbuf		 sums, *b = &p->tar;
	struct push_sha256	 c;
	struct push_entry	*e;
	mode_t			 mask;
	char			 hex[65], *name;
	size_t			 i, size;
	time_t			 now = time(NULL);

	memset(&sums, 0, sizeof sums);
	mask = o->preserve ? 07777 : 0777;
	/* One allocation: headers and padding take at most 2 KiB an entry. */
	size = (size_t)w->bytes + w->n * 3072 + 8192;
	b->s = xrealloc(NULL, size);
	b->size = size;
	b->len = 0;
	for (i = 0; i < w->n; i++) {
		e = &w->v[i];
		if (S_ISDIR(e->st.st_mode)) {
			push_tar_add(b, e->name, '5', e->st.st_mode & mask,
			    e->st.st_mtime, NULL, 0, NULL);
			p->ndirs++;
			continue;
		}
		if (S_ISLNK(e->st.st_mode)) {
			push_tar_add(b, e->name, '2', 0777, e->st.st_mtime,
			    NULL, 0, e->link);
			continue;
		}
		size = (size_t)e->st.st_size;
		push_tar_add_header(b, e->name, '0', e->st.st_mode & mask,
		    e->st.st_mtime, size, NULL);
		if (o->verify)
			push_sha256_init(&c);
		if (size != 0 && push_read_into(b, e->local, size,
		    o->verify ? &c : NULL, cause) != 0) {
			strbuf_free(&sums);
			return (-1);
		}
		b->len += size;
		push_tar_pad(b);
		if (o->verify) {
			push_sha256_final(&c, hex);
			push_sums_line(&sums, hex, e->name);
		}
		p->nfiles++;
	}
	push_tar_add(b, p->meta, '5', 0700, now, NULL, 0, NULL);
	if (o->preserve)
		push_build_dirs(p, w, mask, now);
	if (o->verify) {
		name = xasprintf("%s/sums", p->meta);
		push_tar_add(b, name, '0', 0600, now, sums.s, sums.len,
		    NULL);
		free(name);
	}
	name = xasprintf("%s/end", p->meta);
	push_tar_add(b, name, '0', 0600, now, "", 0, NULL);
	free(name);
	push_tar_finish(b);
	strbuf_free(&sums);
	return (0);
}

/* A fresh name for the archive's private directory. */
static void
push_meta_name(char meta[32])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		r[6];
	size_t			i;
	int			fd;
	ssize_t			n = -1;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, r, sizeof r);
		close(fd);
	}
	if (n != (ssize_t)sizeof r) {
		for (i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)((unsigned)getpid() >> (i * 3) ^
			    (unsigned)time(NULL) >> i);
	}
	strcpy(meta, ".ct-push.");
	for (i = 0; i < sizeof r; i++) {
		meta[9 + i * 2] = hex[r[i] >> 4];
		meta[9 + i * 2 + 1] = hex[r[i] & 15];
	}
	meta[9 + sizeof r * 2] = '\0';
}

/* Map one regular file. */
static int
push_load_file(struct push_payload *p, const char *src,
    const struct push_opts *o, char **cause)
{
	struct stat	st;
	int		fd;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) != 0) {
		*cause = xasprintf("%s: %s", src, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	p->kind = PUSH_FILE;
	p->name = push_basename(src);
	p->mode = st.st_mode & 07777;
	p->mtime = st.st_mtime;
	p->atime = st.st_atime;
	p->nfiles = 1;
	if (st.st_size > 0) {
		p->maplen = (size_t)st.st_size;
		p->map = mmap(NULL, p->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p->map == MAP_FAILED) {
			*cause = xasprintf("%s: mmap: %s", src,
			    strerror(errno));
			p->map = NULL;
			close(fd);
			return (-1);
		}
		p->data = p->map;
		p->len = p->maplen;
	} else
		p->data = "";
	close(fd);
	if (o->verify)
		push_sha256_hex(p->data, p->len, p->sha256);
	return (0);
}

/* The top-level name a source gets in the archive; malloc'd or NULL. */
static char *
push_top_name(const char *src)
{
	char	*name, *real;

	name = push_basename(src);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		free(name);
		if ((real = realpath(src, NULL)) == NULL)
			return (NULL);
		name = push_basename(real);
		free(real);
	}
	if (strcmp(name, "/") == 0 || *name == '\0') {
		free(name);
		return (NULL);
	}
	return (name);
}

/* Read the local sources; see push.h. */
int
push_source_load(struct push_payload *p, char *const *srcs, size_t nsrcs,
    const struct push_opts *o, char **cause)
{
	struct push_walk	 w;
	struct stat		 st;
	char			*top;
	size_t			 i, j;
	int			 rc = -1;

	memset(p, 0, sizeof *p);
	if (nsrcs == 0) {
		*cause = xstrdup("no source");
		return (-1);
	}
	if (nsrcs == 1) {
		if (stat(srcs[0], &st) != 0) {
			*cause = xasprintf("%s: %s", srcs[0],
			    strerror(errno));
			return (-1);
		}
		if (S_ISREG(st.st_mode))
			return (push_load_file(p, srcs[0], o, cause));
	}
	memset(&w, 0, sizeof w);
	p->kind = PUSH_TAR;
	push_meta_name(p->meta);
	p->tops = xrealloc(NULL, nsrcs * sizeof *p->tops);
	for (i = 0; i < nsrcs; i++) {
		if (stat(srcs[i], &st) != 0) {
			*cause = xasprintf("%s: %s", srcs[i],
			    strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			*cause = xasprintf("%s: not a regular file or "
			    "directory", srcs[i]);
			goto out;
		}
		if (S_ISDIR(st.st_mode) && !o->recursive) {
			*cause = xasprintf("%s: is a directory (use -r)",
			    srcs[i]);
			goto out;
		}
		if ((top = push_top_name(srcs[i])) == NULL) {
			*cause = xasprintf("%s: cannot push this as a "
			    "whole; name what is inside it", srcs[i]);
			goto out;
		}
		for (j = 0; j < p->ntops; j++) {
			if (strcmp(p->tops[j], top) == 0)
				break;
		}
		if (j != p->ntops || strcmp(top, p->meta) == 0) {
			*cause = xasprintf("%s: two sources named '%s'",
			    srcs[i], top);
			free(top);
			goto out;
		}
		p->tops[p->ntops++] = top;
		if (push_walk_add(&w, srcs[i], top, &st, cause) != 0)
			goto out;
		if (S_ISDIR(st.st_mode) &&
		    push_walk_dir(&w, srcs[i], top, cause) != 0)
			goto out;
	}
	if (push_build_tar(p, &w, o, cause) != 0)
		goto out;
	p->data = p->tar.s;
	p->len = p->tar.len;
	p->nskipped = w.nskipped;
	if (w.warn.len != 0)
		p->warnings = xstrdup((char *)w.warn.s);
	rc = 0;
out:
	push_walk_free(&w);
	if (rc != 0)
		push_payload_free(p);
	return (rc);
}

void
push_payload_free(struct push_payload *p)
{
	size_t	i;

	if (p->map != NULL)
		munmap(p->map, p->maplen);
	strbuf_free(&p->tar);
	free(p->name);
	for (i = 0; i < p->ntops; i++)
		free(p->tops[i]);
	free(p->tops);
	free(p->warnings);
	memset(p, 0, sizeof *p);
}

/* --- helpers for the front end ----------------------------------------------- */

/* Format N bytes for people ("812.3 MiB"). */
const char *
push_format_bytes(uint64_t n, char *buf, size_t size)
{
	return (size_format(n, SIZE_SIG3, buf, size));
}

/* The last non-empty line of ERR, control bytes made visible; malloc'd. */
char *
push_last_line(const char *err, size_t len)
{
	const char	*end = err + len, *start;
	char		*s;
	size_t		 i;

	if (err == NULL)
		return (NULL);
	while (end > err && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == err)
		return (NULL);
	start = end;
	while (start > err && start[-1] != '\n')
		start--;
	s = xstrndup(start, (size_t)(end - start));
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	}
	return (s);
}

/* --- the P form's sources ------------------------------------------------------ */

long
push_split_words(const char *line, char ***words, char **cause)
{
	struct strbuf	 w;
	const char	*p = line, *home;
	char		**v = NULL, q = 0;
	size_t		 n = 0, size = 0;
	int		 inword = 0;

	*words = NULL;
	memset(&w, 0, sizeof w);
	for (;; p++) {
		if (q == 0 && (*p == '\0' || *p == ' ' || *p == '\t' ||
		    *p == '\n')) {
			if (inword) {
				strbuf_addn(&w, "", 1);
				if (n + 2 > size) {
					size = size == 0 ? 8 : size * 2;
					if ((v = realloc(v, size *
					    sizeof *v)) == NULL)
						abort();
				}
				v[n++] = w.s;
				memset(&w, 0, sizeof w);
				inword = 0;
			}
			if (*p == '\0')
				break;
			continue;
		}
		if (*p == '\0') {
			if (asprintf(cause, "unterminated %s quote in the "
			    "sources", q == '\'' ? "single" : "double") == -1)
				abort();
			strbuf_free(&w);
			v = v == NULL ? calloc(1, sizeof *v) : v;
			v[n] = NULL;
			push_words_free(v);
			return (-1);
		}
		if (!inword && q == 0 && p[0] == '~' && (p[1] == '/' ||
		    p[1] == '\0' || p[1] == ' ' || p[1] == '\t') &&
		    (home = getenv("HOME")) != NULL) {
			inword = 1;
			strbuf_add(&w, home);
			continue;
		}
		inword = 1;
		if (q == '\'') {
			if (*p == '\'')
				q = 0;
			else
				strbuf_addn(&w, p, 1);
		} else if (q == '"') {
			if (*p == '"')
				q = 0;
			else if (*p == '\\' && p[1] != '\0' &&
			    strchr("\"\\$`", p[1]) != NULL)
				strbuf_addn(&w, ++p, 1);
			else
				strbuf_addn(&w, p, 1);
		} else if (*p == '\'' || *p == '"')
			q = *p;
		else if (*p == '\\' && p[1] != '\0')
			strbuf_addn(&w, ++p, 1);
		else
			strbuf_addn(&w, p, 1);
	}
	if (v == NULL && (v = calloc(1, sizeof *v)) == NULL)
		abort();
	v[n] = NULL;
	*words = v;
	return ((long)n);
}

void
push_words_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
