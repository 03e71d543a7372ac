/* The known-error section table: lookups, and the layout the database was made with. */
#include <string.h>

#include "check.h"
#include "kb_doc.h"
#include "kb_section.h"

int main(void)
{
    /* today's rows, in the doc table's column order, with their index columns and weights */
    static const char *const keys[] = { "symptom", "cause", "workaround", "fix" };
    static const char *const cols[] = { "symptom", "body", "workaround", "workaround" };
    static const double weights[] = { 3.0, 1.0, 2.0, 2.0 };
    CHECK_INT_EQ(kb_section_count(), 4);
    CHECK(kb_section_count() <= KB_SECTION_MAX);
    for (size_t i = 0; i < 4; i++) {
        const kb_section *sec = kb_section_at(i);
        CHECK_STR_EQ(sec->key, keys[i]);
        CHECK_STR_EQ(sec->fts_column, cols[i]);
        CHECK(sec->weight == weights[i]);
        CHECK(kb_section_by_key(keys[i]) == sec);
        CHECK(sec->headings[0] != NULL);
        CHECK(sec->label_zh[0] && sec->label_en[0]);
    }
    CHECK(kb_section_at(4) == NULL);
    CHECK(kb_section_by_key("title") == NULL);
    CHECK(kb_section_by_key("") == NULL);

    /* rows sharing an index column agree on its weight */
    for (size_t i = 0; i < kb_section_count(); i++)
        for (size_t j = 0; j < kb_section_count(); j++)
            if (strcmp(kb_section_at(i)->fts_column, kb_section_at(j)->fts_column) == 0)
                CHECK(kb_section_at(i)->weight == kb_section_at(j)->weight);

    /* headings: Chinese (simplified and traditional) and English, case, spaces, colons */
    CHECK_INT_EQ(kb_section_by_heading("症状", 0), 0);
    CHECK_INT_EQ(kb_section_by_heading("故障現象", 0), 0);
    CHECK_INT_EQ(kb_section_by_heading("  Symptoms : ", 0), 0);
    CHECK_INT_EQ(kb_section_by_heading("Root\tCauses:", 0), 1);
    CHECK_INT_EQ(kb_section_by_heading("根本原因：", 0), 1);
    CHECK_INT_EQ(kb_section_by_heading("规避方法", 0), 2);
    CHECK_INT_EQ(kb_section_by_heading("WORKAROUND", 0), 2);
    CHECK_INT_EQ(kb_section_by_heading("永久解决方案", 0), 3);
    CHECK_INT_EQ(kb_section_by_heading("Solution", 0), 3);
    CHECK_INT_EQ(kb_section_by_heading("Other notes", 0), -1);
    CHECK_INT_EQ(kb_section_by_heading("", 0), -1);
    CHECK_INT_EQ(kb_section_by_heading("symptom x", 0), -1);
    /* tickets: their own headings first ("Resolution" is how it was resolved) */
    CHECK_INT_EQ(kb_section_by_heading("Resolution", 0), 3);
    CHECK_INT_EQ(kb_section_by_heading("Resolution", 1), 2);
    CHECK_INT_EQ(kb_section_by_heading("描述", 1), 0);
    CHECK_INT_EQ(kb_section_by_heading("描述", 0), -1);
    CHECK_INT_EQ(kb_section_by_heading("原因", 1), 1);

    /* headings written for tickets (importer, closed incidents) */
    CHECK_STR_EQ(kb_section_heading(kb_section_by_key("symptom"), 1), "描述");
    CHECK_STR_EQ(kb_section_heading(kb_section_by_key("cause"), 1), "原因");
    CHECK_STR_EQ(kb_section_heading(kb_section_by_key("workaround"), 1), "解决过程");
    CHECK_STR_EQ(kb_section_heading(kb_section_by_key("fix"), 1), "解决方案");
    CHECK_STR_EQ(kb_section_heading(kb_section_by_key("workaround"), 0), "临时解决方案");

    /* slots are the kb_doc members */
    kb_doc *d = kb_doc_new();
    kb_doc_set(kb_section_slot(d, kb_section_by_key("cause")), "toner", 5);
    CHECK_STR_EQ(d->cause, "toner");
    CHECK_STR_EQ(kb_section_text(d, kb_section_by_key("cause")), "toner");
    CHECK_STR_EQ(kb_section_text(d, kb_section_by_key("fix")), "");
    kb_doc_set(&d->fix, "replace", 7);
    CHECK_STR_EQ(kb_section_text(d, kb_section_by_key("fix")), "replace");
    kb_doc_free(d);
    return CHECK_DONE("test_section");
}
