/*
 * ui-prompt.c -- a one-line text input: the filter and selection prompts
 * and the command console (whose pane adds the history through
 * pane_console_prompt_key: Up and Down are keys this file leaves alone). Editing keys
 * are readline's common subset: Left/Right, Home/End (^A/^E), Backspace,
 * Delete (^D), ^U (kill to start), ^K (kill to end), ^W (word back).
 * Enter submits, Escape (or ^C, ^G) cancels. Bytes >= 0x80 are taken as they come, so UTF-8 text
 * types in; the cursor moves over whole UTF-8 characters.
 */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define CTRL(c)	((c) & 0x1f)

void
ui_prompt_open(struct ui_prompt *p, const char *label, const char *initial,
    int purpose)
{
	memset(p, 0, sizeof *p);
	snprintf(p->label, sizeof p->label, "%s", label);
	snprintf(p->buf, sizeof p->buf, "%s", initial != NULL ? initial : "");
	snprintf(p->saved, sizeof p->saved, "%s", p->buf);
	p->len = strlen(p->buf);
	p->cursor = p->len;
	p->purpose = purpose;
	p->active = 1;
}

/* Replace the text (a history entry); the cursor goes to its end. */
void
ui_prompt_set(struct ui_prompt *p, const char *text)
{
	snprintf(p->buf, sizeof p->buf, "%s", text);
	p->len = strlen(p->buf);
	p->cursor = p->len;
}

void
ui_prompt_close(struct ui_prompt *p)
{
	p->active = 0;
}

static int
is_cont(char c)
{
	return (((unsigned char)c & 0xc0) == 0x80);
}

static size_t
prev_char(const struct ui_prompt *p, size_t at)
{
	if (at == 0)
		return (0);
	at--;
	while (at > 0 && is_cont(p->buf[at]))
		at--;
	return (at);
}

static size_t
next_char(const struct ui_prompt *p, size_t at)
{
	if (at >= p->len)
		return (p->len);
	at++;
	while (at < p->len && is_cont(p->buf[at]))
		at++;
	return (at);
}

static void
delete_range(struct ui_prompt *p, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(p->buf + from, p->buf + to, p->len - to + 1);
	p->len -= to - from;
	if (p->cursor > to)
		p->cursor -= to - from;
	else if (p->cursor > from)
		p->cursor = from;
}

enum ui_prompt_result
ui_prompt_key(struct ui_prompt *p, int key)
{
	size_t	at;

	if (!p->active)
		return (UI_PROMPT_IGNORED);
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		return (UI_PROMPT_SUBMIT);
	case 27:
	case CTRL('c'):
	case CTRL('g'):
		return (UI_PROMPT_CANCEL);
	case KEY_LEFT:
	case CTRL('b'):
		p->cursor = prev_char(p, p->cursor);
		return (UI_PROMPT_EDITED);
	case KEY_RIGHT:
	case CTRL('f'):
		p->cursor = next_char(p, p->cursor);
		return (UI_PROMPT_EDITED);
	case KEY_HOME:
	case CTRL('a'):
		p->cursor = 0;
		return (UI_PROMPT_EDITED);
	case KEY_END:
	case CTRL('e'):
		p->cursor = p->len;
		return (UI_PROMPT_EDITED);
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		delete_range(p, prev_char(p, p->cursor), p->cursor);
		return (UI_PROMPT_EDITED);
	case KEY_DC:
	case CTRL('d'):
		delete_range(p, p->cursor, next_char(p, p->cursor));
		return (UI_PROMPT_EDITED);
	case CTRL('u'):
		delete_range(p, 0, p->cursor);
		return (UI_PROMPT_EDITED);
	case CTRL('k'):
		delete_range(p, p->cursor, p->len);
		return (UI_PROMPT_EDITED);
	case CTRL('w'):
		at = p->cursor;
		while (at > 0 && p->buf[at - 1] == ' ')
			at--;
		while (at > 0 && p->buf[at - 1] != ' ')
			at--;
		delete_range(p, at, p->cursor);
		return (UI_PROMPT_EDITED);
	}
	if (key < 0x20 || key > 0xff || key == 0x7f)
		return (key >= KEY_MIN ? UI_PROMPT_IGNORED : UI_PROMPT_EDITED);
	if (p->len + 1 >= sizeof p->buf)
		return (UI_PROMPT_EDITED);
	memmove(p->buf + p->cursor + 1, p->buf + p->cursor,
	    p->len - p->cursor + 1);
	p->buf[p->cursor++] = (char)key;
	p->len++;
	return (UI_PROMPT_EDITED);
}
