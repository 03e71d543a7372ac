/* The audit trail's hashing (no SQL): the canonical serialisation of an entry and its
 * SHA-256. See include/kb_audit.h. */
#include "kb_audit.h"

#include <stdio.h>
#include <string.h>

#include "kb_hash.h"

/* Feeds one netstring "<len>:<bytes>," into the hash. */
static void feed(kb_sha256 *h, const char *p, size_t len)
{
    char head[32];
    int n = snprintf(head, sizeof head, "%zu:", len);
    kb_hash_sha256_add(h, head, n);
    kb_hash_sha256_add(h, p, len);
    kb_hash_sha256_add(h, ",", 1);
}

static void feed_str(kb_sha256 *h, const char *s)
{
    feed(h, s, strlen(s));
}

static void feed_int(kb_sha256 *h, long long v)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%lld", v);
    feed(h, num, (size_t)n);
}

void kb_audit_hash(long long seq, long long at, const char *actor, const char *action,
                   const char *object, const char *summary, const char *prev, char *out)
{
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    feed_int(&h, seq);
    feed_int(&h, at);
    feed_str(&h, actor);
    feed_str(&h, action);
    feed_str(&h, object);
    feed_str(&h, summary);
    feed_str(&h, prev);
    kb_hash_sha256_end(&h, out);
}

void kb_audit_doc_summary(const kb_doc *d, const char *origin, kb_buf *out)
{
    size_t len = strlen(d->title);
    if (len > 120) {
        len = 120;
        while (len > 0 && ((unsigned char)d->title[len] & 0xC0) == 0x80)
            len--;
    }
    kb_buf_addf(out, "%s \"%.*s%s\"", d->type, (int)len, d->title,
                len < strlen(d->title) ? "…" : "");
    if (d->version[0] || d->status[0]) {
        kb_buf_adds(out, " (");
        if (d->version[0])
            kb_buf_addf(out, "version %s%s", d->version, d->status[0] ? ", " : "");
        kb_buf_addf(out, "%s)", d->status);
    }
    if (origin && *origin)
        kb_buf_addf(out, "; %s", origin);
    if (d->hash[0])
        kb_buf_addf(out, "; sha256 %s", d->hash);
}

const char *kb_audit_problem_name(kb_audit_problem p)
{
    switch (p) {
    case KB_AUDIT_INTACT:
        return "intact";
    case KB_AUDIT_HASH_MISMATCH:
        return "hash_mismatch";
    case KB_AUDIT_BROKEN_LINK:
        return "broken_link";
    case KB_AUDIT_MISSING:
        return "missing";
    case KB_AUDIT_UNEXPECTED:
        return "unexpected";
    case KB_AUDIT_HEAD_MISMATCH:
        return "head_mismatch";
    case KB_AUDIT_TRUNCATED:
        return "truncated";
    case KB_AUDIT_REPLACED:
        return "replaced";
    case KB_AUDIT_SAVED_INVALID:
        return "saved_head_invalid";
    }
    return "unknown";
}
