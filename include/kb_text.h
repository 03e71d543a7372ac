#ifndef KB_TEXT_H
#define KB_TEXT_H
#include <stddef.h>
#include <stdint.h>

#include "kb_err.h"

/* Text as kb takes it in: the one UTF-8 validator and decoder, and the check of a text
 * field a person typed (records' names, summaries, departments ...). */

/* Length of the valid UTF-8 sequence at p (len bytes left), or 0 when p does not start
 * one (overlong forms, surrogates and values past U+10FFFF are invalid, as is a sequence
 * cut short). len may be 0 (then 0). */
size_t kb_text_utf8_seq(const char *p, size_t len);
/* Offset of the first byte of p[0..len) that does not start a valid sequence, or len when
 * it is all valid UTF-8. */
size_t kb_text_utf8_bad_at(const char *p, size_t len);
/* The character at p (len > 0 bytes left); *n gets its length. A byte that does not start
 * a valid sequence is U+FFFD with *n 1. */
uint32_t kb_text_utf8_next(const char *p, size_t len, size_t *n);

/* The length of s[0..len) cut to at most max bytes without splitting a UTF-8 character:
 * len when len <= max, else the start of the character that max falls in. */
size_t kb_text_utf8_cut(const char *s, size_t len, size_t max);

/* Checks text field `field` (named in the message): at most max bytes, and no control
 * characters; multi allows line breaks and tabs (else "line breaks are not allowed
 * here"). KB_EINVAL otherwise ("field 'name' is longer than 200 bytes (201)"). s must not
 * be NULL. */
kb_status kb_text_check_field(const char *field, const char *s, size_t max, int multi,
                              kb_err *err);

/* Replaces *slot (freed; may be NULL) with a copy of s without spaces and tabs at its
 * ends. */
void kb_text_set_trimmed(char **slot, const char *s);

#endif
