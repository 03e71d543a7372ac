#ifndef KB_PHONE_H
#define KB_PHONE_H
#include <stddef.h>

#include "kb_err.h"

/* Telephone numbers as a Chinese service desk hears and types them: the one rule for
 * checking them and for matching one spelling against another (the caller directory, the
 * incident list's phone filter, the incidents' stored phone_norm).
 *
 * Accepted spellings: digits (also full-width), spaces, + - ( ) . / * and their full-width
 * forms, and one extension marker followed by the extension's digits: 转, 分机(号), ext,
 * ext., extn, extension, x, #, or a comma. At least 3 digits in all.
 *
 * The canonical form is what matching compares: the national number's digits, then "x"
 * and the extension when there is one.
 *   - A country code +86, 0086 (or 86 before an 11-digit mobile number) is dropped, and a
 *     landline written without its trunk 0 after it gets it back:
 *     "+86 138-0013 8000", "0086 13800138000", "138 0013 8000" -> "13800138000";
 *     "+86 10 6552 9988", "(010) 6552 9988" -> "01065529988".
 *   - Other countries keep "+" and their code: "+1 415 555 0100", "001 415 555 0100"
 *     -> "+14155550100".
 *   - An extension comes after a marker, or as a last group after a dash when the digits
 *     before it form a whole number and all of them do not ("010-65529988-123",
 *     "(010) 65529988 转 123", "010-6552 9988 ext. 123" -> "01065529988x123";
 *     "6552 9988-123" -> "65529988x123"; "138-0013-8000" stays a mobile number).
 * Whole numbers are: 11-digit mobile numbers 1[3-9]..., 0 + area code + local number (10
 * to 12 digits), local numbers of 7 or 8 digits, 400/800 numbers (10 digits) and 5-digit
 * service numbers (95588, 12345). */

#define KB_PHONE_MAX_DIGITS 20u /* digits before the extension */
#define KB_PHONE_MAX_EXT 8u     /* digits of the extension */
#define KB_PHONE_MIN_DIGITS 3u  /* digits of a number in all */
#define KB_PHONE_NORM_MAX 32u   /* bytes of a canonical form, with its NUL */
#define KB_PHONE_MIN_QUERY 4u   /* digits a search needs to look for part of a number */

/* Checks that s is a phone number spelt as described above. field names it in the message
 * ("field 'caller_phone' ..."). KB_EINVAL when it is not; s must not be NULL. */
kb_status kb_phone_check(const char *field, const char *s, kb_err *err);

/* Writes the canonical form of s into out (KB_PHONE_NORM_MAX bytes) and returns its length.
 * Never fails: characters that do not belong in a number are skipped and digits past the
 * limits dropped, so a number that kb_phone_check refuses still gets a form ("" when s
 * has no digits). */
size_t kb_phone_norm(const char *s, char out[KB_PHONE_NORM_MAX]);

/* When s reads as a number or part of one (only the characters kb_phone_check accepts, and
 * a canonical form of at least KB_PHONE_MIN_QUERY digits), writes that form into out and
 * returns 1: a search then looks for it inside the stored canonical forms. A leading "00"
 * other than 0086 stays digits here ("0013 8000" is the middle of 138-0013-8000 more often
 * than a call abroad). Else returns 0 and out is "". */
int kb_phone_query(const char *s, char out[KB_PHONE_NORM_MAX]);

#endif
