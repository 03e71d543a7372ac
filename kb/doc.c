#include "kb_doc.h"

#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_section.h"

static char **const string_slots_end = NULL;

/* The string members other than the known-error sections (those come from kb_section). */
#define DOC_STRINGS(d)                                                                         \
    { &(d)->id, &(d)->type, &(d)->title, &(d)->status, &(d)->version, &(d)->updated,         \
      &(d)->path, &(d)->hash, &(d)->text, &(d)->source, &(d)->html, string_slots_end }

kb_doc *kb_doc_new(void)
{
    kb_doc *d = kb_xcalloc(1, sizeof *d);
    char **slots[] = DOC_STRINGS(d);
    for (size_t i = 0; slots[i]; i++)
        *slots[i] = kb_xstrdup("");
    for (size_t i = 0; i < kb_section_count(); i++)
        *kb_section_slot(d, kb_section_at(i)) = kb_xstrdup("");
    return d;
}

void kb_doc_free(kb_doc *d)
{
    if (!d)
        return;
    char **slots[] = DOC_STRINGS(d);
    for (size_t i = 0; slots[i]; i++)
        free(*slots[i]);
    for (size_t i = 0; i < kb_section_count(); i++)
        free(*kb_section_slot(d, kb_section_at(i)));
    for (size_t i = 0; i < d->nfields; i++) {
        for (size_t j = 0; j < d->fields[i].nvals; j++)
            free(d->fields[i].vals[j]);
        free(d->fields[i].vals);
        free(d->fields[i].key);
    }
    free(d->fields);
    free(d);
}

void kb_doc_set(char **slot, const char *s, size_t len)
{
    free(*slot);
    *slot = kb_xstrndup(s, len);
}

kb_field *kb_doc_add_field(kb_doc *d, const char *key, int is_list)
{
    d->fields = kb_xrealloc(d->fields, (d->nfields + 1) * sizeof *d->fields);
    kb_field *f = &d->fields[d->nfields++];
    f->key = kb_xstrdup(key);
    f->vals = NULL;
    f->nvals = 0;
    f->is_list = is_list;
    return f;
}

void kb_field_add_val(kb_field *f, const char *val, size_t len)
{
    f->vals = kb_xrealloc(f->vals, (f->nvals + 1) * sizeof *f->vals);
    f->vals[f->nvals++] = kb_xstrndup(val, len);
}

const kb_field *kb_doc_field(const kb_doc *d, const char *key)
{
    for (size_t i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].key, key) == 0)
            return &d->fields[i];
    return NULL;
}
