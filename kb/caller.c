/* The caller directory's rules: field checks, and the import of AD and WeCom exports (CSV
 * through kb/csv.c). The SQL is in kb/store_caller.c. See include/kb_caller.h. */
#include "kb_caller.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_csv.h"
#include "kb_phone.h"
#include "kb_text.h"

/* --- checks --- */

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

/* local@domain.tld: one '@', something before it, a dot inside the domain, nothing a
 * mail header would split on. */
static kb_status check_email(const char *s, kb_err *err)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return KB_OK;
    const char *at = memchr(s, '@', len);
    const char *dot = at ? memchr(at + 1, '.', len - (size_t)(at + 1 - s)) : NULL;
    int ok = at && at > s && dot && dot > at + 1 && s[len - 1] != '.' &&
             !memchr(at + 1, '@', len - (size_t)(at + 1 - s));
    for (size_t i = 0; ok && i < len; i++)
        ok = !strchr(" \t,;:<>()[]\\\"", s[i]);
    if (!ok)
        return kb_err_set(err, KB_EINVAL, "field 'email' must be an e-mail address such as "
                          "zhang.wei@example.com, not '%.60s'", s);
    return KB_OK;
}

kb_status kb_caller_check(const kb_caller_in *in, int creating, kb_err *err)
{
    if (!in->name && creating)
        return kb_err_set(err, KB_EINVAL, "field 'name' is required");
    kb_status rc = KB_OK;
    if (in->name) {
        rc = kb_text_check_field("name", in->name, KB_CALLER_MAX_NAME, 0, err);
        if (rc == KB_OK && blank(in->name))
            rc = kb_err_set(err, KB_EINVAL, "field 'name' must not be empty");
    }
    const struct {
        const char *name;
        const char *v;
        size_t max;
        int multi;
    } texts[] = {
        { "email", in->email, KB_CALLER_MAX_EMAIL, 0 },
        { "department", in->department, KB_CALLER_MAX_SHORT, 0 },
        { "location", in->location, KB_CALLER_MAX_SHORT, 0 },
        { "notes", in->notes, KB_CALLER_MAX_NOTES, 1 },
    };
    for (size_t i = 0; rc == KB_OK && i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i].v)
            rc = kb_text_check_field(texts[i].name, texts[i].v, texts[i].max, texts[i].multi,
                                    err);
    if (rc == KB_OK && in->email)
        rc = check_email(in->email, err);
    if (rc == KB_OK && (in->vip < -1 || in->vip > 1))
        rc = kb_err_set(err, KB_EINVAL, "field 'vip' must be true or false");
    if (rc != KB_OK || (!creating && !in->set_phones))
        return rc;
    if (in->nphones > KB_CALLER_MAX_PHONES)
        return kb_err_set(err, KB_EINVAL, "field 'phones' holds more than %u numbers (%zu)",
                          KB_CALLER_MAX_PHONES, in->nphones);
    char norms[KB_CALLER_MAX_PHONES][KB_PHONE_NORM_MAX];
    for (size_t i = 0; i < in->nphones; i++) {
        char field[32];
        snprintf(field, sizeof field, "phones[%zu]", i);
        const char *p = in->phones[i];
        if (!p)
            return kb_err_set(err, KB_EINVAL, "field '%s' must be a string", field);
        if (strlen(p) > KB_CALLER_MAX_PHONE)
            return kb_err_set(err, KB_EINVAL, "field '%s' is longer than %u bytes", field,
                              KB_CALLER_MAX_PHONE);
        rc = kb_phone_check(field, p, err);
        if (rc != KB_OK)
            return rc;
        kb_phone_norm(p, norms[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(norms[k], norms[i]) == 0)
                return kb_err_set(err, KB_EINVAL, "field '%s' is the same number as "
                                  "phones[%zu] ('%s')", field, k, in->phones[k]);
    }
    return KB_OK;
}

/* --- columns of an export --- */

static const struct {
    const char *header; /* as compared: ASCII lower case without spaces, '_', '-', '.' */
    kb_caller_column col;
} headers[] = {
    { "姓名", KB_CALLER_COL_NAME },
    { "名字", KB_CALLER_COL_NAME },
    { "显示名称", KB_CALLER_COL_NAME },
    { "name", KB_CALLER_COL_NAME },
    { "displayname", KB_CALLER_COL_NAME },
    { "fullname", KB_CALLER_COL_NAME },
    { "cn", KB_CALLER_COL_NAME },
    { "手机", KB_CALLER_COL_MOBILE },
    { "手机号", KB_CALLER_COL_MOBILE },
    { "手机号码", KB_CALLER_COL_MOBILE },
    { "移动电话", KB_CALLER_COL_MOBILE },
    { "mobile", KB_CALLER_COL_MOBILE },
    { "mobilephone", KB_CALLER_COL_MOBILE },
    { "cellphone", KB_CALLER_COL_MOBILE },
    { "cell", KB_CALLER_COL_MOBILE },
    { "电话", KB_CALLER_COL_PHONE },
    { "电话号码", KB_CALLER_COL_PHONE },
    { "座机", KB_CALLER_COL_PHONE },
    { "办公电话", KB_CALLER_COL_PHONE },
    { "固定电话", KB_CALLER_COL_PHONE },
    { "联系电话", KB_CALLER_COL_PHONE },
    { "分机", KB_CALLER_COL_PHONE },
    { "分机号", KB_CALLER_COL_PHONE },
    { "phone", KB_CALLER_COL_PHONE },
    { "telephone", KB_CALLER_COL_PHONE },
    { "telephonenumber", KB_CALLER_COL_PHONE },
    { "officephone", KB_CALLER_COL_PHONE },
    { "workphone", KB_CALLER_COL_PHONE },
    { "businessphone", KB_CALLER_COL_PHONE },
    { "ipphone", KB_CALLER_COL_PHONE },
    { "邮箱", KB_CALLER_COL_EMAIL },
    { "企业邮箱", KB_CALLER_COL_EMAIL },
    { "电子邮件", KB_CALLER_COL_EMAIL },
    { "电子邮箱", KB_CALLER_COL_EMAIL },
    { "邮件", KB_CALLER_COL_EMAIL },
    { "email", KB_CALLER_COL_EMAIL },
    { "mail", KB_CALLER_COL_EMAIL },
    { "emailaddress", KB_CALLER_COL_EMAIL },
    { "部门", KB_CALLER_COL_DEPARTMENT },
    { "所在部门", KB_CALLER_COL_DEPARTMENT },
    { "department", KB_CALLER_COL_DEPARTMENT },
    { "dept", KB_CALLER_COL_DEPARTMENT },
    { "地点", KB_CALLER_COL_LOCATION },
    { "办公地点", KB_CALLER_COL_LOCATION },
    { "位置", KB_CALLER_COL_LOCATION },
    { "地址", KB_CALLER_COL_LOCATION },
    { "工位", KB_CALLER_COL_LOCATION },
    { "办公室", KB_CALLER_COL_LOCATION },
    { "location", KB_CALLER_COL_LOCATION },
    { "office", KB_CALLER_COL_LOCATION },
    { "officelocation", KB_CALLER_COL_LOCATION },
    { "physicaldeliveryofficename", KB_CALLER_COL_LOCATION },
    { "vip", KB_CALLER_COL_VIP },
    { "是否vip", KB_CALLER_COL_VIP },
    { "重要客户", KB_CALLER_COL_VIP },
    { "重要用户", KB_CALLER_COL_VIP },
    { "备注", KB_CALLER_COL_NOTES },
    { "说明", KB_CALLER_COL_NOTES },
    { "notes", KB_CALLER_COL_NOTES },
    { "note", KB_CALLER_COL_NOTES },
    { "comment", KB_CALLER_COL_NOTES },
    { "comments", KB_CALLER_COL_NOTES },
    { "remark", KB_CALLER_COL_NOTES },
    { "remarks", KB_CALLER_COL_NOTES },
    { "description", KB_CALLER_COL_NOTES },
};

static const char *const col_names[] = { "-",     "name",     "mobile",     "phone", "email",
                                          "department", "location", "vip", "notes" };

kb_caller_column kb_caller_column_of(const char *header)
{
    char key[64];
    size_t n = 0;
    if (strncmp(header, KB_CSV_BOM, 3) == 0)
        header += 3;
    for (const char *p = header; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
            continue;
        if (n + 1 >= sizeof key)
            return KB_CALLER_COL_NONE;
        key[n++] = c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
    }
    key[n] = '\0';
    /* a full-width space (U+3000) around a Chinese header */
    while (n >= 3 && memcmp(key + n - 3, "\xe3\x80\x80", 3) == 0)
        key[n -= 3] = '\0';
    const char *k = key;
    while (strncmp(k, "\xe3\x80\x80", 3) == 0)
        k += 3;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        if (strcmp(k, headers[i].header) == 0)
            return headers[i].col;
    return KB_CALLER_COL_NONE;
}

/* --- cells holding several numbers --- */

static size_t digits_until_sep(const char *p)
{
    size_t n = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            n++;
        else if (strchr(";|,/\n\r", *p) || strncmp(p, "、", 3) == 0 || strncmp(p, "；", 3) == 0 ||
                 strncmp(p, "，", 3) == 0 || strncmp(p, "／", 3) == 0)
            break;
    }
    return n;
}

static void emit(kb_buf *piece, void (*fn)(void *ctx, const char *phone), void *ctx)
{
    const char *s = kb_buf_str(piece);
    size_t len = piece->len;
    /* trim spaces, tabs and full-width spaces */
    for (;;) {
        if (len && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        } else if (len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0) {
            s += 3;
            len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        else if (len >= 3 && memcmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
            len -= 3;
        else
            break;
    }
    if (len) {
        char *one = kb_xstrndup(s, len);
        fn(ctx, one);
        free(one);
    }
    kb_buf_reset(piece);
}

void kb_caller_split_phones(const char *cell, void (*fn)(void *ctx, const char *phone),
                            void *ctx)
{
    kb_buf piece;
    kb_buf_init(&piece, 0);
    for (const char *p = cell; *p;) {
        size_t hard = strchr(";|\n\r", *p) ? 1
                      : strncmp(p, "、", 3) == 0 || strncmp(p, "；", 3) == 0 ? 3
                                                                                  : 0;
        size_t soft = *p == ',' || *p == '/' ? 1
                      : strncmp(p, "，", 3) == 0 || strncmp(p, "／", 3) == 0 ? 3
                                                                                  : 0;
        if (hard) {
            emit(&piece, fn, ctx);
            p += hard;
        } else if (soft && digits_until_sep(p + soft) >= 7) {
            emit(&piece, fn, ctx);
            p += soft;
        } else {
            kb_buf_addc(&piece, *p);
            p++;
        }
    }
    emit(&piece, fn, ctx);
    kb_buf_free(&piece);
}

/* --- import --- */

void kb_caller_import_report_free(kb_caller_import_report *r)
{
    if (!r)
        return;
    free(r->problems);
    free(r->columns);
    free(r);
}

/* Caller ids that rows of this file matched, with the line that matched each: an open
 * addressing table sized for every row. */
typedef struct {
    long long *ids;
    size_t *lines;
    size_t cap;
} seen_set;

static void seen_init(seen_set *t, size_t rows)
{
    t->cap = 16;
    while (t->cap < 2 * rows + 2)
        t->cap *= 2;
    t->ids = kb_xcalloc(t->cap, sizeof *t->ids);
    t->lines = kb_xcalloc(t->cap, sizeof *t->lines);
}

/* The slot of id: where it is, or the empty one where it goes. */
static size_t seen_slot(const seen_set *t, long long id)
{
    size_t h = (size_t)((unsigned long long)id * 0x9E3779B97F4A7C15ull) & (t->cap - 1);
    while (t->ids[h] && t->ids[h] != id)
        h = (h + 1) & (t->cap - 1);
    return h;
}

typedef struct {
    kb_store *s;
    const char *actor;
    long long now;
    kb_caller_import_report *rep;
    kb_caller_column *cols;  /* per header column */
    size_t ncols;
    seen_set seen;
    /* the row being read */
    char **phones;
    size_t nphones;
    int too_many;
} importer;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void problem(importer *im, size_t line, const char *fmt, ...)
{
    im->rep->failed++;
    if (im->rep->nproblems >= KB_CALLER_IMPORT_MAX_PROBLEMS)
        return;
    kb_caller_problem *p = &im->rep->problems[im->rep->nproblems++];
    p->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
}

static void add_phone(void *ctx, const char *phone)
{
    importer *im = ctx;
    char norm[KB_PHONE_NORM_MAX];
    kb_phone_norm(phone, norm);
    for (size_t i = 0; i < im->nphones; i++) {
        char other[KB_PHONE_NORM_MAX];
        kb_phone_norm(im->phones[i], other);
        if (norm[0] && strcmp(norm, other) == 0)
            return; /* the same number in two columns */
    }
    if (im->nphones >= KB_CALLER_MAX_PHONES) {
        im->too_many = 1;
        return;
    }
    im->phones[im->nphones++] = kb_xstrdup(phone);
}

static void row_phones_free(importer *im)
{
    for (size_t i = 0; i < im->nphones; i++)
        free(im->phones[i]);
    im->nphones = 0;
    im->too_many = 0;
}

/* The first non-empty cell of column kind col, or NULL. */
static const char *cell(const importer *im, const kb_csv_record *rec, kb_caller_column col)
{
    for (size_t i = 0; i < im->ncols && i < rec->n; i++)
        if (im->cols[i] == col && !blank(rec->fields[i]))
            return rec->fields[i];
    return NULL;
}

/* 1 yes, 0 no, -1 not given, -2 not understood. */
static int vip_of(const char *v)
{
    if (!v)
        return -1;
    while (*v == ' ')
        v++;
    static const char *const yes[] = { "是", "y", "yes", "true", "1", "vip", "√", "✓", "Y",
                                       "YES", "Yes", "TRUE", "True", "VIP" };
    static const char *const no[] = { "否", "n", "no", "false", "0", "N", "NO", "No", "FALSE",
                                      "False", "-" };
    size_t len = strlen(v);
    while (len && v[len - 1] == ' ')
        len--;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strlen(yes[i]) == len && memcmp(v, yes[i], len) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strlen(no[i]) == len && memcmp(v, no[i], len) == 0)
            return 0;
    return -2;
}

/* Imports one data row; KB_OK also for a bad row (reported); other statuses (the
 * database failed) abort the import. */
static kb_status import_row(importer *im, const kb_csv_record *rec, kb_err *err)
{
    kb_caller_import_report *rep = im->rep;
    size_t line = rec->line;
    if (rec->too_long) {
        problem(im, line, "a cell is longer than %u bytes", KB_CALLER_IMPORT_MAX_FIELD);
        return KB_OK;
    }
    if (rec->n != im->ncols) {
        problem(im, line, "%zu cells, the header has %zu", rec->n, im->ncols);
        return KB_OK;
    }
    row_phones_free(im);
    for (kb_caller_column want = KB_CALLER_COL_MOBILE; want <= KB_CALLER_COL_PHONE; want++)
        for (size_t i = 0; i < im->ncols; i++)
            if (im->cols[i] == want)
                kb_caller_split_phones(rec->fields[i], add_phone, im);
    kb_caller_in in;
    memset(&in, 0, sizeof in);
    in.name = cell(im, rec, KB_CALLER_COL_NAME);
    in.email = cell(im, rec, KB_CALLER_COL_EMAIL);
    in.department = cell(im, rec, KB_CALLER_COL_DEPARTMENT);
    in.location = cell(im, rec, KB_CALLER_COL_LOCATION);
    in.notes = cell(im, rec, KB_CALLER_COL_NOTES);
    in.vip = vip_of(cell(im, rec, KB_CALLER_COL_VIP));
    in.phones = (const char *const *)im->phones;
    in.nphones = im->nphones;
    in.set_phones = 1;
    in.actor = im->actor;
    if (!in.name) {
        problem(im, line, "%s", "no name");
        return KB_OK;
    }
    if (!in.nphones && !in.email) {
        problem(im, line, "%s", "no phone or e-mail to match the caller by");
        return KB_OK;
    }
    if (im->too_many) {
        problem(im, line, "more than %u phone numbers", KB_CALLER_MAX_PHONES);
        return KB_OK;
    }
    if (in.vip == -2) {
        problem(im, line, "%s", "the VIP cell must be 是 or 否 (yes/no, 1/0)");
        return KB_OK;
    }
    kb_err e;
    if (kb_caller_check(&in, 1, &e) != KB_OK) {
        problem(im, line, "%s", e.msg);
        return KB_OK;
    }
    /* the caller this row is about: by its numbers, else by its e-mail address */
    long long id = 0;
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < in.nphones; i++) {
        long long other = 0;
        rc = kb_caller_find(im->s, in.phones[i], NULL, &other, &e);
        if (rc == KB_OK && other && id && other != id) {
            problem(im, line, "its numbers belong to two callers (%lld and %lld)", id, other);
            return KB_OK;
        }
        if (other)
            id = other;
    }
    long long by_mail = 0;
    if (rc == KB_OK && in.email)
        rc = kb_caller_find(im->s, NULL, in.email, &by_mail, &e);
    if (rc != KB_OK) {
        if (err)
            *err = e;
        return rc;
    }
    if (id && by_mail && id != by_mail) {
        problem(im, line, "its numbers are caller %lld, its e-mail caller %lld", id, by_mail);
        return KB_OK;
    }
    if (!id)
        id = by_mail;
    if (id) {
        size_t slot = seen_slot(&im->seen, id);
        if (im->seen.ids[slot]) {
            problem(im, line, "the same caller as line %zu", im->seen.lines[slot]);
            return KB_OK;
        }
    }
    if (!id) {
        kb_caller *c = NULL;
        rc = kb_caller_create(im->s, &in, im->now, &c, &e);
        if (rc == KB_OK) {
            rep->added++;
            id = c->id;
        }
        kb_caller_free(c);
    } else {
        /* an import adds numbers, never removes them: the caller's, then the row's new ones */
        kb_caller *old = NULL;
        rc = kb_caller_get(im->s, id, &old, &e);
        char **merged = NULL;
        size_t n = 0;
        if (rc == KB_OK) {
            merged = kb_xcalloc(old->nphones + in.nphones + 1, sizeof *merged);
            for (size_t i = 0; i < old->nphones; i++)
                merged[n++] = old->phones[i];
            for (size_t i = 0; i < in.nphones; i++) {
                char norm[KB_PHONE_NORM_MAX];
                kb_phone_norm(in.phones[i], norm);
                int have = 0;
                for (size_t k = 0; k < old->nphones && !have; k++)
                    have = strcmp(old->phones_norm[k], norm) == 0;
                if (!have)
                    merged[n++] = (char *)in.phones[i];
            }
            in.set_phones = n > old->nphones;
            in.phones = (const char *const *)merged;
            in.nphones = n;
            int changed = 0;
            rc = kb_caller_update(im->s, id, &in, im->now, NULL, &changed, &e);
            if (rc == KB_OK && changed)
                rep->updated++;
            else if (rc == KB_OK)
                rep->unchanged++;
        }
        free(merged);
        kb_caller_free(old);
    }
    if (rc == KB_EINVAL || rc == KB_EEXIST) {
        problem(im, line, "%s", e.msg);
        return KB_OK;
    }
    if (rc != KB_OK) {
        if (err)
            *err = e;
        return rc;
    }
    size_t slot = seen_slot(&im->seen, id);
    im->seen.ids[slot] = id;
    im->seen.lines[slot] = line;
    return KB_OK;
}

kb_status kb_caller_import(kb_store *s, const char *data, size_t len, const char *charset,
                           const char *actor, const char *source, long long now,
                           kb_caller_import_report **out, kb_err *err)
{
    *out = NULL;
    if (len > KB_CALLER_IMPORT_MAX_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "the file is larger than %u bytes",
                          KB_CALLER_IMPORT_MAX_BYTES);
    kb_buf text;
    kb_buf_init(&text, 2 * KB_CALLER_IMPORT_MAX_BYTES);
    kb_buf_add(&text, data, len);
    const char *used = NULL;
    kb_status rc = kb_csv_decode(&text, charset, &used, err);
    if (rc != KB_OK) {
        kb_buf_free(&text);
        return rc;
    }
    kb_caller_import_report *rep = kb_xcalloc(1, sizeof *rep);
    rep->charset = used;
    rep->problems = kb_xcalloc(KB_CALLER_IMPORT_MAX_PROBLEMS, sizeof *rep->problems);
    importer im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.actor = actor && *actor ? actor : "anonymous";
    im.now = now;
    im.rep = rep;
    im.phones = kb_xcalloc(KB_CALLER_MAX_PHONES, sizeof *im.phones);

    /* the header, then a count of the rows before anything is written */
    kb_csv_reader *rd = kb_csv_reader_new(kb_buf_str(&text), text.len,
                                          KB_CALLER_IMPORT_MAX_FIELD);
    kb_csv_record rec;
    int have_header = kb_csv_next(rd, &rec) && !rec.blank;
    kb_buf cols;
    kb_buf_init(&cols, 0);
    int has_name = 0, has_key = 0;
    if (have_header) {
        im.ncols = rec.n;
        im.cols = kb_xcalloc(rec.n, sizeof *im.cols);
        for (size_t i = 0; i < rec.n; i++) {
            im.cols[i] = kb_caller_column_of(rec.fields[i]);
            has_name |= im.cols[i] == KB_CALLER_COL_NAME;
            has_key |= im.cols[i] == KB_CALLER_COL_MOBILE || im.cols[i] == KB_CALLER_COL_PHONE ||
                       im.cols[i] == KB_CALLER_COL_EMAIL;
            kb_buf_addf(&cols, "%s%.40s=%s", i ? ", " : "", rec.fields[i],
                        col_names[im.cols[i]]);
        }
    }
    rep->columns = kb_buf_detach(&cols, NULL);
    if (!have_header)
        rc = kb_err_set(err, KB_EINVAL, "the file has no header row");
    else if (!has_name)
        rc = kb_err_set(err, KB_EINVAL, "the header has no name column (姓名 or name): %.120s",
                        rep->columns);
    else if (!has_key)
        rc = kb_err_set(err, KB_EINVAL, "the header has no phone or e-mail column (手机, 电话, "
                        "邮箱, mobile, phone or email): %.120s", rep->columns);
    while (rc == KB_OK && kb_csv_next(rd, &rec))
        if (!rec.blank && ++rep->rows > KB_CALLER_IMPORT_MAX_ROWS)
            rc = kb_err_set(err, KB_ETOOBIG, "the file has more than %u rows",
                            KB_CALLER_IMPORT_MAX_ROWS);
    kb_csv_reader_free(rd);

    /* the rows, in one transaction */
    if (rc == KB_OK) {
        seen_init(&im.seen, rep->rows);
        rc = kb_store_begin(s, err);
        int begun = rc == KB_OK;
        rd = kb_csv_reader_new(kb_buf_str(&text), text.len, KB_CALLER_IMPORT_MAX_FIELD);
        kb_csv_next(rd, &rec); /* the header */
        while (rc == KB_OK && kb_csv_next(rd, &rec))
            if (!rec.blank)
                rc = import_row(&im, &rec, err);
        kb_csv_reader_free(rd);
        if (rc == KB_OK && rep->added + rep->updated > 0) {
            kb_buf sum;
            kb_buf_init(&sum, 0);
            kb_buf_addf(&sum, "%zu rows (%s): %zu added, %zu updated, %zu unchanged, %zu failed",
                        rep->rows, used, rep->added, rep->updated, rep->unchanged, rep->failed);
            kb_buf obj;
            kb_buf_init(&obj, 0);
            kb_buf_addf(&obj, "import:%.150s", source && *source ? source : "csv");
            rc = kb_audit_append(s, now, im.actor, "caller.import", kb_buf_str(&obj),
                                 kb_buf_str(&sum), err);
            kb_buf_free(&obj);
            kb_buf_free(&sum);
        }
        if (rc == KB_OK)
            rc = kb_store_commit(s, err);
        if (rc != KB_OK && begun)
            kb_store_rollback(s);
        free(im.seen.ids);
        free(im.seen.lines);
    }
    row_phones_free(&im);
    free(im.phones);
    free(im.cols);
    kb_buf_free(&text);
    if (rc != KB_OK) {
        kb_caller_import_report_free(rep);
        return rc;
    }
    *out = rep;
    return KB_OK;
}
