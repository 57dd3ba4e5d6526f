/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a file may contain before libconfuse sees it. */
#include "conf_internal.h"

#include <errno.h>
#include <string.h>

/*
 * Before libconfuse sees a file:
 *  - comments are blanked out, newlines kept: libconfuse 3.3 counts lines
 *    wrongly after comments, and rejects comments inside lists;
 *  - ${VAR} outside '...' is refused: libconfuse would substitute it from
 *    the environment, which in the setuid helper is the user's;
 *  - += is refused: it would append only to what the same section set, not
 *    to what it overrides, so it cannot mean what it looks like;
 *  - NUL bytes and characters libconfuse would silently drop are refused;
 *  - braces must balance: libconfuse 3.3 takes the end of the file as the
 *    end of any open section.
 * The rules for comments and strings follow libconfuse's lexer.
 */
#define SCRUB_MAX_DEPTH 8 /* the grammar needs 3: user { limits { } } */

struct scrub {
	char *buf;
	size_t len, pos;
	unsigned line;
	unsigned depth;			     /* open braces */
	unsigned open_line[SCRUB_MAX_DEPTH]; /* where each was opened */
};

static char peek(const struct scrub *s, size_t ahead)
{
	return s->pos + ahead < s->len ? s->buf[s->pos + ahead] : '\0';
}

static const char *scrub_string(struct scrub *s)
{
	char quote = s->buf[s->pos];
	unsigned start = s->line;

	for (s->pos++; s->pos < s->len; s->pos++) {
		char c = s->buf[s->pos];

		if (c == '\\' && s->pos + 1 < s->len)
			c = s->buf[++s->pos]; /* escaped: skip it */
		else if (c == quote) {
			s->pos++;
			return NULL;
		} else if (quote == '"' && c == '$' && peek(s, 1) == '{')
			return "${...} (environment variable substitution) is not supported";
		if (c == '\n')
			s->line++;
	}
	s->line = start;
	return "unterminated string";
}

static void scrub_line_comment(struct scrub *s)
{
	for (; s->pos < s->len && s->buf[s->pos] != '\n'; s->pos++)
		s->buf[s->pos] = ' ';
}

static const char *scrub_block_comment(struct scrub *s)
{
	unsigned start = s->line;

	s->buf[s->pos++] = ' ';
	s->buf[s->pos++] = ' ';
	for (; s->pos < s->len; s->pos++) {
		if (s->buf[s->pos] == '*' && peek(s, 1) == '/') {
			s->buf[s->pos++] = ' ';
			s->buf[s->pos++] = ' ';
			return NULL;
		}
		if (s->buf[s->pos] == '\n')
			s->line++;
		else
			s->buf[s->pos] = ' ';
	}
	s->line = start;
	return "unterminated /* comment";
}

static const char *check_plain_char(char c, char next)
{
	if (c == '\0')
		return "the file contains a NUL byte";
	if (c == '$' && next == '{')
		return "${...} (environment variable substitution) is not supported";
	if (c == '+')
		return next == '=' ? "+= is not supported: give the whole value with =" :
				     "unexpected character '+'";
	if (c == '*') /* libconfuse would end the word there */
		return "unexpected character '*' (a glob must be quoted: \"/dev/nvidia* rwm\")";
	return NULL;
}

/* Keep count of braces; an unmatched '}' is left to libconfuse. */
static const char *scrub_brace(struct scrub *s, char c)
{
	if (c == '{') {
		if (s->depth == SCRUB_MAX_DEPTH)
			return "braces nested too deeply";
		s->open_line[s->depth++] = s->line;
	} else if (c == '}' && s->depth > 0) {
		s->depth--;
	}
	return NULL;
}

int conf_scrub(char *buf, size_t len, const char *path, struct carrel_error *err)
{
	struct scrub s = { .buf = buf, .len = len, .line = 1 };
	bool in_word = false; /* inside an unquoted word: "//" there is not a comment */
	const char *bad = NULL;

	while (!bad && s.pos < len) {
		char c = buf[s.pos], next = peek(&s, 1);

		if (c == '"' || c == '\'') {
			bad = scrub_string(&s);
			in_word = false;
		} else if (c == '#' || (!in_word && c == '/' && next == '/')) {
			scrub_line_comment(&s);
			in_word = false;
		} else if (!in_word && c == '/' && next == '*') {
			bad = scrub_block_comment(&s);
			in_word = false;
		} else if (!(bad = check_plain_char(c, next)) && !(bad = scrub_brace(&s, c))) {
			in_word = !strchr(" \t\r\n={}(),", c);
			s.line += c == '\n';
			s.pos++;
		}
	}
	if (!bad && s.depth > 0) {
		s.line = s.open_line[s.depth - 1];
		bad = "this '{' is never closed";
	}
	if (bad) {
		carrel_error_set(err, "%s:%u: %s", path, s.line, bad);
		return -EINVAL;
	}
	return 0;
}
