/* WAT tokeniser: splits the source into parens, keywords, ids, strings and
 * "reserved" tokens (numbers are classified later, by the parser, because
 * whether `1.5` is valid depends on where it appears). Strings are checked
 * here (escapes, UTF-8) so every malformed string is caught even if unused. */
#include "wat/wat.h"
#include "wat/wat_num.h"

#include "util/xalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wat_error_at(const wat_tokens *t, const wat_token *tok, weft_error **err, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    const char *origin = t && t->origin ? t->origin : "<wat>";
    if (tok != NULL)
        werr_set(err, 0, "%s:%u:%u: %s", origin, tok->line, tok->col, msg);
    else
        werr_set(err, 0, "%s: %s", origin, msg);
    free(msg);
    return werr_kind(err, WF_ERR_MALFORMED);
}

/* Characters that may appear in keywords, ids and numbers. */
static bool is_idchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-./:<=>?@\\^_`|~", c) != NULL;
}

/* Length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff)
        return 0;
    return n;
}

static void put_utf8(char *out, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* Decode the string whose opening quote is at s[0]. `out` (may be NULL) must
 * have room for end-s bytes (decoding never grows). Returns the index just
 * past the closing quote, or 0 on error with *bad = offset of the problem and
 * *why = message. */
static size_t scan_string(const char *s, size_t avail, char *out, size_t *olen, size_t *bad,
                          const char **why)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 1, o = 0;
    char tmp[4];
    while (true) {
        if (i >= avail) {
            *bad = 0;
            *why = "unterminated string";
            return 0;
        }
        unsigned char c = u[i];
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7f) {
            *bad = i;
            *why = c == '\n' ? "unterminated string" : "control character in string";
            return 0;
        }
        if (c >= 0x80) {
            size_t n = utf8_len(u + i, avail - i);
            if (n == 0) {
                *bad = i;
                *why = "malformed UTF-8 encoding";
                return 0;
            }
            if (out)
                memcpy(out + o, s + i, n);
            o += n;
            i += n;
            continue;
        }
        if (c != '\\') {
            if (out)
                out[o] = (char)c;
            o++;
            i++;
            continue;
        }
        if (i + 1 >= avail) {
            *bad = i;
            *why = "unterminated string";
            return 0;
        }
        unsigned char e = u[i + 1];
        int h1 = wat_hex_digit(e), h2 = i + 2 < avail ? wat_hex_digit(u[i + 2]) : -1;
        char simple = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : 0;
        if (e == '"' || e == '\'' || e == '\\')
            simple = (char)e;
        if (simple) {
            if (out)
                out[o] = simple;
            o++;
            i += 2;
        } else if (h1 >= 0 && h2 >= 0) {
            if (out)
                out[o] = (char)(h1 * 16 + h2);
            o++;
            i += 3;
        } else if (e == 'u' && i + 2 < avail && u[i + 2] == '{') {
            size_t j = i + 3;
            uint32_t cp = 0;
            bool any = false, prev_digit = false;
            while (j < avail && u[j] != '}') {
                int h = wat_hex_digit(u[j]);
                if (u[j] == '_' && prev_digit && j + 1 < avail && wat_hex_digit(u[j + 1]) >= 0) {
                    prev_digit = false;
                    j++;
                    continue;
                }
                if (h < 0 || cp > 0x10ffff)
                    break;
                cp = cp * 16 + (uint32_t)h;
                any = prev_digit = true;
                j++;
            }
            if (j >= avail || u[j] != '}' || !any || cp > 0x10ffff ||
                (cp >= 0xd800 && cp < 0xe000)) {
                *bad = i;
                *why = "malformed unicode escape";
                return 0;
            }
            size_t n = 0;
            put_utf8(tmp, &n, cp);
            if (out)
                memcpy(out + o, tmp, n);
            o += n;
            i = j + 1;
        } else {
            *bad = i;
            *why = "unknown escape sequence in string";
            return 0;
        }
    }
    if (olen)
        *olen = o;
    return i + 1;
}

bool wat_utf8_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

int wat_string_decode(const wat_tokens *t, const wat_token *tok, char **out, size_t *n,
                      weft_error **err)
{
    size_t bad = 0;
    const char *why = NULL;
    char *buf = xmalloc(tok->len + 1);
    if (tok->kind != WAT_STRING || scan_string(tok->s, tok->len, buf, n, &bad, &why) == 0) {
        free(buf);
        return wat_error_at(t, tok, err, "%s", why ? why : "expected a string");
    }
    buf[*n] = '\0';
    *out = buf;
    return 0;
}

struct lexpos {
    size_t i;
    uint32_t line, col;
};

static void advance(const char *s, struct lexpos *p, size_t n)
{
    for (size_t k = 0; k < n; k++, p->i++) {
        if (s[p->i] == '\n') {
            p->line++;
            p->col = 1;
        } else if (((unsigned char)s[p->i] & 0xc0) != 0x80) {
            p->col++; /* columns count characters, not UTF-8 continuation bytes */
        }
    }
}

/* Skip white space and comments; -1 on an unterminated block comment. */
static int skip_space(const char *s, size_t len, struct lexpos *p, struct lexpos *start)
{
    while (p->i < len) {
        char c = s[p->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            advance(s, p, 1);
        } else if (c == ';' && p->i + 1 < len && s[p->i + 1] == ';') {
            /* a line comment also ends at a lone CR (comments.wast) */
            while (p->i < len && s[p->i] != '\n' && s[p->i] != '\r')
                advance(s, p, 1);
        } else if (c == '(' && p->i + 1 < len && s[p->i + 1] == ';') {
            *start = *p;
            int depth = 0;
            do {
                if (p->i + 1 >= len)
                    return -1;
                if (s[p->i] == '(' && s[p->i + 1] == ';') {
                    depth++;
                    advance(s, p, 2);
                } else if (s[p->i] == ';' && s[p->i + 1] == ')') {
                    depth--;
                    advance(s, p, 2);
                } else {
                    advance(s, p, 1);
                }
            } while (depth > 0);
        } else {
            break;
        }
    }
    return 0;
}

static void push(wat_tokens *t, size_t *cap, wat_token tok)
{
    if (t->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        t->v = xreallocarray(t->v, *cap, sizeof *t->v);
    }
    t->v[t->n++] = tok;
}

/* A token that is not a paren must be followed by a separator. */
static bool separated(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return true;
    char c = s[i];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' ||
           (c == ';' && i + 1 < len && s[i + 1] == ';');
}

static int lex_one(const char *s, size_t len, struct lexpos *p, wat_tokens *t, size_t *cap,
                   weft_error **err)
{
    wat_token tok = {.s = s + p->i, .line = p->line, .col = p->col};
    unsigned char c = (unsigned char)s[p->i];
    size_t n;
    if (c == '(' || c == ')') {
        tok.kind = c == '(' ? WAT_LPAR : WAT_RPAR;
        n = 1;
    } else if (c == '"') {
        size_t bad = 0;
        const char *why = NULL;
        n = scan_string(s + p->i, len - p->i, NULL, NULL, &bad, &why);
        if (n == 0) {
            advance(s, p, bad);
            tok.line = p->line;
            tok.col = p->col;
            return wat_error_at(t, &tok, err, "%s", why);
        }
        tok.kind = WAT_STRING;
    } else if (is_idchar(c)) {
        n = 0;
        while (p->i + n < len && is_idchar((unsigned char)s[p->i + n]))
            n++;
        if (c == '$' && n > 1)
            tok.kind = WAT_ID;
        else if (c >= 'a' && c <= 'z')
            tok.kind = WAT_KEYWORD;
        else
            tok.kind = WAT_RESERVED;
    } else {
        if (c < 0x20 || c >= 0x7f)
            return wat_error_at(t, &tok, err, "unexpected character (byte 0x%02x)", c);
        return wat_error_at(t, &tok, err, "unexpected character '%c'", c);
    }
    tok.len = n;
    if (tok.kind != WAT_LPAR && tok.kind != WAT_RPAR && !separated(s, len, p->i + n)) {
        tok.len = n + 1;
        return wat_error_at(t, &tok, err,
                            "unknown operator: '%.*s' is not separated from what follows",
                            (int)(n + 1), tok.s);
    }
    push(t, cap, tok);
    advance(s, p, n);
    return 0;
}

int wat_lex(const char *text, size_t len, const char *origin, wat_tokens *out, weft_error **err)
{
    wat_tokens t = {.origin = origin};
    size_t cap = 0;
    struct lexpos p = {0, 1, 1}, start;
    while (true) {
        if (skip_space(text, len, &p, &start) < 0) {
            wat_token at = {.line = start.line, .col = start.col};
            wat_tokens_free(&t);
            return wat_error_at(&t, &at, err, "unterminated block comment");
        }
        if (p.i >= len)
            break;
        if (lex_one(text, len, &p, &t, &cap, err) < 0) {
            wat_tokens_free(&t);
            return -1;
        }
    }
    push(&t, &cap, (wat_token){.kind = WAT_EOF, .s = text + len, .line = p.line, .col = p.col});
    *out = t;
    return 0;
}

void wat_tokens_free(wat_tokens *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}
