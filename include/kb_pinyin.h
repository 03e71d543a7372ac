#ifndef KB_PINYIN_H
#define KB_PINYIN_H
#include <stddef.h>
#include <stdint.h>

#include "kb_buf.h"
#include "kb_err.h"
#include "kb_query.h"
#include "kb_store.h"

/* Pinyin: the reading of Chinese characters, and the correction of the slips pinyin input
 * methods make (homophones: 登陆 for 登录, 打印鸡 for 打印机, 帐号 for 账号).
 *
 * Readings come from ICU's Han-Latin transliterator, turned into a table at build time
 * (tools/gen_pinyin.c) for the CJK Unified Ideographs block U+4E00..U+9FFF: one reading per
 * character (ICU's choice for polyphones: 长 zhang, 行 xing), toneless, ü written v
 * (绿 lv) as input methods take it. The table is constant data: no start-up cost, safe
 * from any thread. */

/* The toneless syllable of cp ("ji" for 机 and 鸡), a static string; NULL when cp is not a
 * CJK Unified Ideograph with a reading. */
const char *kb_pinyin_of_char(uint32_t cp);

/* Appends the pinyin of UTF-8 text to out: each character with a reading as its syllable,
 * syllables separated from each other and from the rest by one space; other characters
 * are copied as they are, invalid bytes dropped ("打印机HP" -> "da yin ji HP"). Returns
 * KB_ETOOBIG when out's limit is reached (out keeps what fitted). */
kb_status kb_pinyin_of_text(const char *text, size_t len, kb_buf *out);

/* Index look-ups one query may spend on correction, shared by its runs: correction runs on
 * every keystroke of search as you type. */
#define KB_PINYIN_BUDGET 200
/* Longest run (in characters) that is corrected; longer runs are left alone. */
#define KB_PINYIN_MAX_RUN 32

/* Corrects homophone slips in run (len bytes), a normalised CJK run as kb_tokenize_segments
 * gives it (KB_SEG_CJK), against the index's own vocabulary: the document frequencies of
 * its Han bigrams (kb_store_term_df). A character is replaced by one with the same pinyin
 * when that makes a bigram that no item contains exist, without losing one that does
 * (印鸡 -> 印机), or when the bigrams it changes become at least ten times as frequent
 * (登陆 in a few items, 登录 in many). Among candidates, the one making more of the run's
 * bigrams exist wins, then the more frequent. Two-character runs that no item contains
 * may have both characters replaced. Characters without a reading (kana, symbols) and
 * anything outside the run (Latin words, codes) are never changed.
 *
 * budget (may be NULL: KB_PINYIN_BUDGET for this call alone) holds the look-ups left and
 * is decreased; with nothing left the run is returned unchanged.
 * Returns 1 with the corrected run in out (reset first), 0 when nothing changed (out is
 * left alone), -1 on a database error (err says why). */
int kb_pinyin_correct(kb_store *s, const char *run, size_t len, int *budget, kb_buf *out,
                      kb_err *err);

/* kb_pinyin_correct for every CJK segment of the query's items that are neither negated
 * nor quoted, with one budget of KB_PINYIN_BUDGET look-ups for the whole query; corrected
 * segments are replaced (kb_query_set_seg: marked corrected). Returns 1 when anything
 * changed, 0 when nothing did, -1 on a database error (err says why). Used by
 * kb_search_run's typo correction, so that did_you_mean shows the result. */
int kb_pinyin_correct_query(kb_store *s, kb_query *q, kb_err *err);

#endif
