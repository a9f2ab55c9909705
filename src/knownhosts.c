/*
 * knownhosts.c -- known_hosts files read once, looked up many times.
 *
 * Each file is one struct kh_file: a chained hash table from a plain host
 * name ("node01", "[10.0.0.1]:2222") to the keys recorded for it, and a
 * list of the lines that can't be indexed (hashed names, wildcard or
 * negated patterns), which are matched with ssh_known_hosts_parse_line().
 * Marker lines (@cert-authority, @revoked) are skipped: clustertop does
 * not use host certificates, and a revoked key is simply not trusted.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knownhosts.h"

struct kh_key {
	char		*name;
	ssh_key		 key;
	struct kh_key	*next;
};

struct kh_slow {
	char		*line;
	struct kh_slow	*next;
};

struct kh_file {
	char		*path;
	struct kh_key	**table;
	size_t		 tsize;
	size_t		 count;
	struct kh_slow	*slow;
	struct kh_file	*next;
};

struct knownhosts {
	struct kh_file	*files;
};

static unsigned int
kh_hash(const char *s)
{
	unsigned int	h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (h);
}

static void
kh_insert(struct kh_file *f, const char *name, ssh_key key)
{
	struct kh_key	*k, **nt, *next;
	size_t		 i, nsize;
	unsigned int	 h;

	if (f->count + 1 > f->tsize) {
		nsize = f->tsize == 0 ? 256 : f->tsize * 2;
		nt = calloc(nsize, sizeof *nt);
		if (nt == NULL)
			abort();
		for (i = 0; i < f->tsize; i++) {
			for (k = f->table[i]; k != NULL; k = next) {
				next = k->next;
				h = kh_hash(k->name) % nsize;
				k->next = nt[h];
				nt[h] = k;
			}
		}
		free(f->table);
		f->table = nt;
		f->tsize = nsize;
	}
	k = calloc(1, sizeof *k);
	if (k == NULL || (k->name = strdup(name)) == NULL)
		abort();
	k->key = key;
	h = kh_hash(name) % f->tsize;
	k->next = f->table[h];
	f->table[h] = k;
	f->count++;
}

static void
kh_parse_line(struct kh_file *f, char *line)
{
	struct kh_slow	*sl;
	char		*hosts, *type, *b64, *name, *save = NULL, *end, *p;
	enum ssh_keytypes_e kt;
	ssh_key		 key;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#' || *line == '@')
		return;
	end = line + strcspn(line, " \t");
	for (p = line; p < end; p++) {
		if (*p == '|' || *p == '*' || *p == '?' || *p == '!')
			break;
	}
	if (p < end) {
		/* Hashed or a pattern: matched by libssh at lookup. */
		sl = calloc(1, sizeof *sl);
		if (sl == NULL || (sl->line = strdup(line)) == NULL)
			abort();
		sl->next = f->slow;
		f->slow = sl;
		return;
	}
	hosts = strtok_r(line, " \t", &save);
	type = strtok_r(NULL, " \t", &save);
	b64 = strtok_r(NULL, " \t", &save);
	if (hosts == NULL || type == NULL || b64 == NULL)
		return;
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN)
		return;
	for (name = strtok_r(hosts, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		key = NULL;
		if (ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK)
			return;
		kh_insert(f, name, key);
	}
}

static struct kh_file *
kh_file(struct knownhosts *kh, const char *path)
{
	struct kh_file	*f;
	FILE		*fp;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;

	for (f = kh->files; f != NULL; f = f->next) {
		if (strcmp(f->path, path) == 0)
			return (f);
	}
	f = calloc(1, sizeof *f);
	if (f == NULL || (f->path = strdup(path)) == NULL)
		abort();
	f->next = kh->files;
	kh->files = f;
	if ((fp = fopen(path, "r")) == NULL)
		return (f);
	while ((len = getline(&line, &size, fp)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		kh_parse_line(f, line);
	}
	free(line);
	fclose(fp);
	return (f);
}

/* Create an empty cache. */
struct knownhosts *
knownhosts_create(void)
{
	struct knownhosts	*kh;

	if ((kh = calloc(1, sizeof *kh)) == NULL)
		abort();
	return (kh);
}

/* Free the cache. */
void
knownhosts_free(struct knownhosts *kh)
{
	struct kh_file	*f;
	struct kh_key	*k;
	struct kh_slow	*sl;
	size_t		 i;

	if (kh == NULL)
		return;
	while ((f = kh->files) != NULL) {
		kh->files = f->next;
		for (i = 0; i < f->tsize; i++) {
			while ((k = f->table[i]) != NULL) {
				f->table[i] = k->next;
				ssh_key_free(k->key);
				free(k->name);
				free(k);
			}
		}
		while ((sl = f->slow) != NULL) {
			f->slow = sl->next;
			free(sl->line);
			free(sl);
		}
		free(f->table);
		free(f->path);
		free(f);
	}
	free(kh);
}

/* "host", or "[host]:port" when the port is not 22. */
char *
knownhosts_name(const char *host, int port)
{
	char	*s;

	if (port == 22 || port == 0)
		s = strdup(host);
	else if (asprintf(&s, "[%s]:%d", host, port) == -1)
		s = NULL;
	if (s == NULL)
		abort();
	return (s);
}

/*
 * Call FN for every key recorded for NAME in F: plain entries from the
 * table, then matching hashed or pattern lines.
 */
static void
kh_foreach(struct kh_file *f, const char *name,
    void (*fn)(ssh_key, void *), void *arg)
{
	struct kh_key			*k;
	struct kh_slow			*sl;
	struct ssh_knownhosts_entry	*entry;

	if (f->tsize != 0) {
		for (k = f->table[kh_hash(name) % f->tsize]; k != NULL;
		    k = k->next) {
			if (strcmp(k->name, name) == 0)
				fn(k->key, arg);
		}
	}
	for (sl = f->slow; sl != NULL; sl = sl->next) {
		entry = NULL;
		if (ssh_known_hosts_parse_line(name, sl->line, &entry) ==
		    SSH_OK && entry != NULL) {
			fn(entry->publickey, arg);
		}
		ssh_knownhosts_entry_free(entry);
	}
}

struct kh_match {
	ssh_key		 key;
	int		 ok, changed, other;
};

static void
kh_match_fn(ssh_key recorded, void *arg)
{
	struct kh_match	*m = arg;

	if (ssh_key_cmp(recorded, m->key, SSH_KEY_CMP_PUBLIC) == 0)
		m->ok = 1;
	else if (ssh_key_type(recorded) == ssh_key_type(m->key))
		m->changed = 1;
	else
		m->other = 1;
}

/* Check KEY for any of NAMES in FILES. */
enum knownhosts_result
knownhosts_check(struct knownhosts *kh, const char *const *files,
    size_t nfiles, const char *const *names, size_t nnames, int port,
    struct ssh_key_struct *key)
{
	struct kh_match	 m;
	size_t		 i, j;
	char		*name;
	int		 any_ok = 0, any_changed = 0, any_other = 0;

	for (j = 0; j < nnames; j++) {
		if (names[j] == NULL)
			continue;
		memset(&m, 0, sizeof m);
		m.key = key;
		name = knownhosts_name(names[j], port);
		for (i = 0; i < nfiles; i++) {
			if (files[i] != NULL)
				kh_foreach(kh_file(kh, files[i]), name,
				    kh_match_fn, &m);
		}
		free(name);
		if (m.ok)
			any_ok = 1;
		else if (m.changed)
			any_changed = 1;
		else if (m.other)
			any_other = 1;
	}
	if (any_changed)
		return (KH_CHANGED);
	if (any_ok)
		return (KH_OK);
	if (any_other)
		return (KH_OTHER);
	return (KH_UNKNOWN);
}

static int
kh_mkdir_parent(const char *file)
{
	char	*dir, *slash;
	int	 rc = 0;

	if ((dir = strdup(file)) == NULL)
		abort();
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			rc = -1;
	}
	free(dir);
	return (rc);
}

/*
 * Does the file end with a newline (or is it empty)? 1 yes, 0 no. An
 * entry appended to a last line without one would merge into it, and the
 * next run would not find the key it just trusted (found by
 * tests/fuzz/fuzz-knownhosts.c).
 */
static int
kh_ends_line(int fd)
{
	struct stat	sb;
	char		c;

	if (fstat(fd, &sb) == -1 || sb.st_size == 0)
		return (1);
	if (pread(fd, &c, 1, sb.st_size - 1) != 1)
		return (1);
	return (c == '\n');
}

/* Append NAME KEY to FILE and to the cache. */
int
knownhosts_add(struct knownhosts *kh, const char *file, const char *name,
    struct ssh_key_struct *key, char **cause)
{
	struct kh_file	*f;
	char		*b64 = NULL, *line = NULL;
	const char	*type;
	ssh_key		 copy = NULL;
	int		 fd, len;

	type = ssh_key_type_to_char(ssh_key_type(key));
	if (type == NULL || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		*cause = strdup("cannot encode the key");
		return (-1);
	}
	len = asprintf(&line, "%s %s %s\n", name, type, b64);
	if (len == -1)
		abort();
	kh_mkdir_parent(file);
	fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd != -1 && kh_ends_line(fd) == 0 && write(fd, "\n", 1) != 1) {
		close(fd);
		fd = -1;
	}
	if (fd == -1 || write(fd, line, (size_t)len) != len) {
		if (asprintf(cause, "%s: %s", file, strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		free(line);
		ssh_string_free_char(b64);
		return (-1);
	}
	close(fd);
	f = kh_file(kh, file);
	if (ssh_pki_import_pubkey_base64(b64, ssh_key_type(key), &copy) ==
	    SSH_OK)
		kh_insert(f, name, copy);
	free(line);
	ssh_string_free_char(b64);
	return (0);
}

struct kh_types {
	int	 seen[16];
};

static void
kh_types_fn(ssh_key recorded, void *arg)
{
	struct kh_types	*t = arg;
	int		 type = ssh_key_type(recorded);

	if (type >= 0 && type < 16)
		t->seen[type] = 1;
}

static void
kh_algs_add(char *buf, size_t size, const char *algs)
{
	char	*copy, *a, *save = NULL, *p;
	size_t	 alen;
	int	 dup;

	if ((copy = strdup(algs)) == NULL)
		abort();
	for (a = strtok_r(copy, ",", &save); a != NULL;
	    a = strtok_r(NULL, ",", &save)) {
		alen = strlen(a);
		dup = 0;
		for (p = buf; (p = strstr(p, a)) != NULL; p += alen) {
			if ((p == buf || p[-1] == ',') &&
			    (p[alen] == ',' || p[alen] == '\0')) {
				dup = 1;
				break;
			}
		}
		if (dup)
			continue;
		if (*buf != '\0')
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, a, size - strlen(buf) - 1);
	}
	free(copy);
}

/* Host key algorithms: recorded types first, then the usual order. */
char *
knownhosts_algorithms(struct knownhosts *kh, const char *const *files,
    size_t nfiles, const char *const *names, size_t nnames, int port)
{
	static const struct {
		enum ssh_keytypes_e	 type;
		const char		*algs;
	} map[] = {
		{ SSH_KEYTYPE_ED25519, "ssh-ed25519" },
		{ SSH_KEYTYPE_ECDSA_P521, "ecdsa-sha2-nistp521" },
		{ SSH_KEYTYPE_ECDSA_P384, "ecdsa-sha2-nistp384" },
		{ SSH_KEYTYPE_ECDSA_P256, "ecdsa-sha2-nistp256" },
		{ SSH_KEYTYPE_RSA, "rsa-sha2-512,rsa-sha2-256" },
	};
	struct kh_types	 t;
	char		 buf[512], *name;
	size_t		 i, j;
	int		 any = 0;

	memset(&t, 0, sizeof t);
	for (j = 0; j < nnames; j++) {
		if (names[j] == NULL)
			continue;
		name = knownhosts_name(names[j], port);
		for (i = 0; i < nfiles; i++) {
			if (files[i] != NULL)
				kh_foreach(kh_file(kh, files[i]), name,
				    kh_types_fn, &t);
		}
		free(name);
	}
	buf[0] = '\0';
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if ((int)map[i].type < 16 && t.seen[map[i].type]) {
			kh_algs_add(buf, sizeof buf, map[i].algs);
			any = 1;
		}
	}
	if (!any)
		return (NULL);
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		kh_algs_add(buf, sizeof buf, map[i].algs);
	return (strdup(buf));
}
