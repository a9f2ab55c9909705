/*
 * phase-plan.c -- the exact scripts steps run (managed blocks, whole files,
 * the check-then-command wrapper, sudo) and the dry-run plans built from
 * them (see phase.h).
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phase.h"
#include "phase-int.h"
#include "util.h"

/* --- scripts ------------------------------------------------------------------ */

/*
 * The managed-block script. The new block arrives on stdin; the file is
 * rebuilt with awk (the old block, if any, replaced in place; else the
 * block appended, or put first with TOP), compared with the current file,
 * and only when different backed up and rewritten in place, so that the
 * file keeps its inode, owner, mode and any bind mount of it (a container's
 * or a mount namespace's private /etc/hosts). A new file is created through
 * a temporary name and a rename. Exit UNCHANGED_EXIT when the file already
 * held this block.
 */
/*
 * A step's temporary file is DIR/.clustertop.PID.XXXXXX; a signal removes
 * it (the EXIT trap runs on HUP, INT, TERM and PIPE: the session closed), but a SIGKILL or a reboot
 * cannot: the next run of a step in that directory removes the ones whose
 * writer is gone (the fault matrix's rebooted and sigterm x phase4 cells).
 */
#define PHASE_STALE_TMP							\
	"for t in \"$d\"/.clustertop.*.??????; do\n"				\
	"\t[ -f \"$t\" ] || continue; p=${t#\"$d\"/.clustertop.}; p=${p%%.*}\n" \
	"\tcase $p in ''|*[!0-9]*) continue;; esac\n"			\
	"\tkill -0 \"$p\" 2>/dev/null || rm -f -- \"$t\"\n"			\
	"done\n"

char *
phase_block_script(const char *path, const char *marker,
    const char *if_missing, const char *mode, int top, int unchanged_exit)
{
	struct strbuf	 b = { 0 };
	char		*qp, *qb, *qe, *qm, *qi, *t;

	qp = phase_shell_quote(path);
	t = xasprintf("# BEGIN %s", marker);
	qb = phase_shell_quote(t);
	free(t);
	t = xasprintf("# END %s", marker);
	qe = phase_shell_quote(t);
	free(t);
	qm = phase_shell_quote(mode != NULL ? mode : "0644");
	qi = phase_shell_quote(if_missing != NULL ? if_missing : "");
	strbuf_printf(&b,
	    "f=%s b=%s e=%s\n"
	    "d=$(dirname -- \"$f\")\n"
	    "[ -d \"$d\" ] || mkdir -p -m 0700 -- \"$d\" || exit 1\n"
	    PHASE_STALE_TMP
	    "blk=$(mktemp) || exit 1\n"
	    "new=$(mktemp \"$d/.clustertop.$$.XXXXXX\") || { rm -f \"$blk\"; exit 1; }\n"
	    "trap 'rm -f \"$blk\" \"$new\"' EXIT\n"
	    "trap 'exit 1' HUP INT TERM PIPE\n"
	    "cat > \"$blk\" || exit 1\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\tawk -v b=\"$b\" -v e=\"$e\" -v blk=\"$blk\" -v top=%d '\n"
	    "\tfunction emit(  l) { print b; while ((getline l < blk) > 0) print l; close(blk); print e; done = 1 }\n"
	    "\tNR == 1 && top { emit() }\n"
	    "\t$0 == b { if (!done) emit(); skip = 1; next }\n"
	    "\tskip && $0 == e { skip = 0; next }\n"
	    "\tskip { next }\n"
	    "\t{ print }\n"
	    "\tEND { if (skip) exit 3; if (!done) emit() }' \"$f\" > \"$new\" ||\n"
	    "\t    { echo \"$f: a '$b' line has no '$e' line: not changed\" >&2; exit 1; }\n"
	    "\tif cmp -s \"$f\" \"$new\"; then echo \"$f: up to date\"; exit %d; fi\n"
	    "\tbk=$(mktemp \"$f.clustertop-$(date +%%Y%%m%%d-%%H%%M%%S).XXXXXX\") || exit 1\n"
	    "\tcp -p -- \"$f\" \"$bk\" || exit 1\n"
	    "\techo \"$f: backed up to $bk\"\n"
	    "\tchmod --reference=\"$f\" \"$new\" 2>/dev/null\n"
	    "\tchown --reference=\"$f\" \"$new\" 2>/dev/null\n"
	    "else\n"
	    "\t{ if [ -n %s ]; then printf '%%s\\n' %s; fi\n"
	    "\t  printf '%%s\\n' \"$b\"; cat \"$blk\"; printf '%%s\\n' \"$e\"; } > \"$new\" || exit 1\n"
	    "\tchmod %s \"$new\" || exit 1\n"
	    "fi\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\t# In place: keeps the inode, owner, mode, links and any bind\n"
	    "\t# mount of it (renaming over /etc/hosts would detach a\n"
	    "\t# container's or another namespace's private copy).\n"
	    "\ttrap '' HUP INT TERM PIPE\t# never stopped half-way through the file\n"
	    "\tcat \"$new\" > \"$f\" || { cp -p -- \"$bk\" \"$f\"; exit 1; }\n"
	    "\ttrap 'exit 1' HUP INT TERM PIPE\n"
	    "else\n"
	    "\tmv -f -- \"$new\" \"$f\" || exit 1\n"
	    "fi\n"
	    "echo \"$f: block '$b' written\"\n",
	    qp, qb, qe, top ? 1 : 0, unchanged_exit, qi, qi, qm);
	free(qp);
	free(qb);
	free(qe);
	free(qm);
	free(qi);
	return (strbuf_take(&b));
}

/* The whole-file script: stdin becomes the file, unless already equal. */
char *
phase_file_script(const char *path, const char *mode, int unchanged_exit)
{
	struct strbuf	 b = { 0 };
	char		*qp, *qm;

	qp = phase_shell_quote(path);
	qm = phase_shell_quote(mode != NULL ? mode : "0644");
	strbuf_printf(&b,
	    "f=%s\n"
	    "d=$(dirname -- \"$f\")\n"
	    "[ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 1\n"
	    PHASE_STALE_TMP
	    "new=$(mktemp \"$d/.clustertop.$$.XXXXXX\") || exit 1\n"
	    "trap 'rm -f \"$new\"' EXIT\n"
	    "trap 'exit 1' HUP INT TERM PIPE\n"
	    "cat > \"$new\" || exit 1\n"
	    "chmod %s \"$new\" || exit 1\n"
	    "if [ -e \"$f\" ] && cmp -s \"$f\" \"$new\" &&\n"
	    "    [ \"$(stat -c %%a \"$f\")\" = \"$(stat -c %%a \"$new\")\" ]; then\n"
	    "\techo \"$f: up to date\"; exit %d\n"
	    "fi\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\tbk=$(mktemp \"$f.clustertop-$(date +%%Y%%m%%d-%%H%%M%%S).XXXXXX\") || exit 1\n"
	    "\tcp -p -- \"$f\" \"$bk\" || exit 1\n"
	    "\techo \"$f: backed up to $bk\"\n"
	    "fi\n"
	    "if mv -f -- \"$new\" \"$f\" 2>/dev/null; then :; else\n"
	    "\ttrap '' HUP INT TERM PIPE\n"
	    "\tcat \"$new\" > \"$f\" || exit 1\n"
	    "fi\n"
	    "echo \"$f: written\"\n",
	    qp, qm, unchanged_exit);
	free(qp);
	free(qm);
	return (strbuf_take(&b));
}

/* Variables with the step's local aliases ("vars") applied; caller frees. */
static struct phase_vars *
phase_step_vars(const struct phase_step *st, const struct phase_vars *vars)
{
	struct phase_vars	*sv;
	const struct pvar	*src;
	size_t			 i;

	sv = phase_vars_copy(vars);
	for (i = 0; i < st->nalias; i++) {
		src = pvar_findn(vars, st->alias_to[i], strlen(st->alias_to[i]));
		if (src != NULL)
			pvar_copy(sv, st->alias_from[i], src);
	}
	return (sv);
}

/* Wrap SCRIPT for sh, root (sudo -n) or another user (sudo -n -u). */
static char *
phase_wrap(const char *script, int root, const char *user)
{
	char	*qs, *qu, *w;

	qs = phase_shell_quote(script);
	if (user != NULL && *user != '\0') {
		qu = phase_shell_quote(user);
		w = xasprintf("s=%s; u=%s; "
		    "if [ \"$(id -un)\" = \"$u\" ]; then exec sh -c \"$s\"; fi; "
		    "exec sudo -n -H -u \"$u\" env "
		    "${SLURM_CONF:+\"SLURM_CONF=$SLURM_CONF\"} sh -c \"$s\"",
		    qs, qu);
		free(qu);
	} else if (root) {
		w = xasprintf("s=%s; "
		    "if [ \"$(id -u)\" -eq 0 ]; then exec sh -c \"$s\"; fi; "
		    "exec sudo -n sh -c \"$s\"", qs);
	} else
		w = xasprintf("exec sh -c %s", qs);
	free(qs);
	return (w);
}

static char *
phase_ensure_nl(char *s)
{
	size_t	n = strlen(s);

	if (n > 0 && s[n - 1] != '\n') {
		s = xrealloc(s, n + 2);
		s[n] = '\n';
		s[n + 1] = '\0';
	}
	return (s);
}

int
phase_step_script(const struct phase_step *st, const struct phase_vars *vars,
    char **script, char **input, size_t *inputlen, char **wrapped,
    char **cause)
{
	struct phase_vars	*sv;
	struct strbuf		 b = { 0 };
	char			*check = NULL, *cmd = NULL, *path = NULL;
	char			*user = NULL, *content = NULL, *ifm = NULL;
	char			*marker = NULL;
	int			 rc = -1;

	*script = *input = *wrapped = NULL;
	*inputlen = 0;
	sv = phase_step_vars(st, vars);
	if (st->as_user != NULL) {
		user = phase_expand(st->as_user, sv, 0, NULL, cause);
		if (user == NULL)
			goto out;
	}
	switch (st->kind) {
	case PHASE_STEP_RUN:
		if (st->check != NULL) {
			check = phase_expand(st->check, sv, 1, NULL, cause);
			if (check == NULL)
				goto out;
		}
		cmd = phase_expand(st->command, sv, 1, NULL, cause);
		if (cmd == NULL)
			goto out;
		if (check != NULL) {
			/* The check decides "already done" before anything runs. */
			strbuf_printf(&b, "if (\n%s\n) >/dev/null 2>&1; then "
			    "echo 'already done'; exit %d; fi\n",
			    check, st->unchanged_exit);
		}
		strbuf_add(&b, cmd);
		if (st->input != NULL) {
			*input = phase_expand(st->input, sv, 0, NULL, cause);
			if (*input == NULL)
				goto out;
			*inputlen = strlen(*input);
		}
		break;
	case PHASE_STEP_BLOCK:
	case PHASE_STEP_FILE:
		path = phase_expand(st->path, sv, 0, NULL, cause);
		if (path == NULL)
			goto out;
		if (*path == '\0' || strchr(path, '\n') != NULL) {
			*cause = xasprintf("step \"%s\": the path is empty "
			    "or has a newline", st->name);
			goto out;
		}
		content = phase_expand(st->content, sv, 0, NULL, cause);
		if (content == NULL)
			goto out;
		if (st->kind == PHASE_STEP_BLOCK) {
			content = phase_ensure_nl(content);
			if (st->if_missing != NULL) {
				ifm = phase_expand(st->if_missing, sv, 0, NULL,
				    cause);
				if (ifm == NULL)
					goto out;
				/* printf '%s\n' adds the last newline. */
				if (*ifm != '\0' && ifm[strlen(ifm) - 1] == '\n')
					ifm[strlen(ifm) - 1] = '\0';
			}
			marker = phase_expand(st->marker, sv, 0, NULL, cause);
			if (marker == NULL)
				goto out;
			if (*marker == '\0' || strchr(marker, '\n') != NULL) {
				*cause = xasprintf("step \"%s\": the marker is "
				    "empty or has a newline", st->name);
				goto out;
			}
			cmd = phase_block_script(path, marker, ifm,
			    st->mode, st->top, st->unchanged_exit);
		} else
			cmd = phase_file_script(path, st->mode,
			    st->unchanged_exit);
		strbuf_add(&b, cmd);
		*input = content;
		*inputlen = strlen(content);
		content = NULL;
		break;
	}
	*script = strbuf_take(&b);
	*wrapped = phase_wrap(*script, st->root, user);
	rc = 0;
out:
	if (rc != 0) {
		free(b.s);
		free(*input);
		*input = NULL;
		*inputlen = 0;
	}
	free(check);
	free(cmd);
	free(path);
	free(user);
	free(content);
	free(ifm);
	free(marker);
	phase_vars_free(sv);
	return (rc);
}

/* --- plans ------------------------------------------------------------------ */

static void
phase_plan_indent(struct strbuf *b, const char *text, const char *prefix)
{
	const char	*p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		strbuf_add(b, prefix);
		strbuf_addn(b, p, nl - p);
		strbuf_add(b, "\n");
		if (*nl == '\0')
			break;
	}
}

/* "head", "node[01-08] (8 nodes)", "head, then node[01-08] (8 nodes)" */
static char *
phase_plan_where(const struct phase_step *st, const char *folded, size_t n)
{
	switch (st->where) {
	case PHASE_WHERE_HEAD:
		return (xstrdup("the head node"));
	case PHASE_WHERE_NODES:
		return (xasprintf("%s (%zu node%s)", folded, n,
		    n == 1 ? "" : "s"));
	case PHASE_WHERE_ALL:
		return (xasprintf("the head node, then %s (%zu node%s)",
		    folded, n, n == 1 ? "" : "s"));
	case PHASE_WHERE_ONE_NODE:
		return (xasprintf("one node of %s (the first that is "
		    "still in the run)", folded));
	}
	return (xstrdup("?"));
}

char *
phase_plan(const struct phase *ph, const struct phase_vars *pvars,
    const char *nodes_folded, size_t nnodes, int verbose)
{
	static const struct phase_step	 nostep;
	struct strbuf			 b = { 0 };
	const struct phase_step		*st;
	struct phase_vars		*sv, *vars;
	char				*script, *input, *wrapped, *cause;
	char				*where, *user, *path, *marker;
	size_t				 i, inputlen;
	int				 secret;

	/* What a step captures is not known yet: name it in the plan. */
	vars = phase_step_vars(&nostep, pvars);
	for (i = 0; i < ph->nsteps; i++) {
		if (ph->steps[i].capture == NULL ||
		    phase_vars_has(vars, ph->steps[i].capture))
			continue;
		where = xasprintf("<{%s} from step %zu>",
		    ph->steps[i].capture, i + 1);
		phase_vars_set(vars, ph->steps[i].capture, where);
		free(where);
	}
	strbuf_printf(&b, "phase %d (%s): %s\n", ph->number, ph->name,
	    ph->title);
	for (i = 0; i < ph->nsteps; i++) {
		st = &ph->steps[i];
		where = phase_plan_where(st, nodes_folded, nnodes);
		strbuf_printf(&b, "\nstep %zu/%zu: %s\n  on:  %s\n", i + 1,
		    ph->nsteps, st->name, where);
		free(where);
		sv = phase_step_vars(st, vars);
		user = NULL;
		cause = NULL;
		if (st->as_user != NULL)
			user = phase_expand(st->as_user, sv, 0, NULL, &cause);
		free(cause);
		if (user != NULL)
			strbuf_printf(&b, "  as:  %s (sudo -n -u %s unless "
			    "clustertop runs as %s)\n", user, user, user);
		else if (st->root)
			strbuf_add(&b, "  as:  root (sudo -n when clustertop "
			    "does not run as root)\n");
		else
			strbuf_add(&b, "  as:  the user clustertop connects "
			    "as\n");
		free(user);
		if (st->kind != PHASE_STEP_RUN) {
			cause = NULL;
			path = phase_expand(st->path, sv, 0, NULL, &cause);
			if (st->kind == PHASE_STEP_BLOCK) {
				free(cause);
				cause = NULL;
				marker = phase_expand(st->marker, sv, 0, NULL,
				    &cause);
				strbuf_printf(&b, "  do:  replace the block "
				    "\"# BEGIN %s\" ... \"# END %s\" in %s "
				    "(added %s if missing); back the file up "
				    "first; nothing changes when it already "
				    "holds this block\n",
				    marker != NULL ? marker : st->marker,
				    marker != NULL ? marker : st->marker,
				    path != NULL ? path : "?",
				    st->top ? "at the top" : "at the end");
				free(marker);
			} else
				strbuf_printf(&b, "  do:  make %s hold exactly "
				    "this content (mode %s); back up a "
				    "different existing file first\n",
				    path != NULL ? path : "?",
				    st->mode != NULL ? st->mode : "0644");
			free(path);
			free(cause);
		}
		if (st->capture != NULL)
			strbuf_printf(&b, "  keeps its output as {%s}\n",
			    st->capture);
		cause = NULL;
		if (phase_step_script(st, vars, &script, &input, &inputlen,
		    &wrapped, &cause) != 0) {
			strbuf_printf(&b, "  cannot be prepared: %s\n", cause);
			free(cause);
			phase_vars_free(sv);
			continue;
		}
		secret = 0;
		if (st->kind != PHASE_STEP_RUN || st->input != NULL) {
			free(cause);
			cause = NULL;
			free(phase_expand(st->kind == PHASE_STEP_RUN ?
			    st->input : st->content, sv, 0, &secret, &cause));
			free(cause);
			if (secret || st->secret)
				strbuf_printf(&b, "  stdin: %zu bytes, secret: "
				    "not shown\n", inputlen);
			else {
				strbuf_printf(&b, "  stdin (%zu bytes):\n",
				    inputlen);
				phase_plan_indent(&b, input, "    | ");
			}
		}
		if (st->kind == PHASE_STEP_RUN || verbose) {
			strbuf_add(&b, "  script:\n");
			phase_plan_indent(&b, script, "    $ ");
		}
		if (verbose) {
			strbuf_add(&b, "  exact command line:\n");
			phase_plan_indent(&b, wrapped, "    > ");
		}
		free(script);
		free(input);
		free(wrapped);
		phase_vars_free(sv);
	}
	phase_vars_free(vars);
	return (strbuf_take(&b));
}
