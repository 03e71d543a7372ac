#ifndef KB_ATTACH_H
#define KB_ATTACH_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Attachments: files kept with an item (an incident, a knowledge item, later a service
 * request). The owner is generic: a kind ("incident", "kb", "request") and the owner's id
 * as text (an incident number, an item id). The bytes are stored once per content (a blob
 * keyed by its SHA-256, kb_hash), shared by every attachment with that content and deleted
 * with the last of them. What a file is comes from its first bytes (kb_attach_sniff), never
 * from the name or the type the client gave. Text files (logs) are searchable with their
 * item: an incident's list filter reads them, a knowledge item's full-text index holds
 * them. So are PDFs and Office files (kb/extract.c: Word, Excel, PowerPoint; PDF through
 * pdftotext): a file whose text cannot be read is kept without it, with a warning.
 * A knowledge item's file may belong to one of its versions: the controlled copy of a
 * document version (version 2, "B/1"), added while that version is a draft, rejected or
 * published, and kept for good once the version is published (it cannot be deleted then).
 * Rules, sniffing and names in kb/attach.c; SQL in kb/store_attach.c; thumbnails in
 * kb/thumb.c. */

#define KB_ATTACH_MAX_NAME 255u                    /* bytes of a file name */
#define KB_ATTACH_MAX_BYTES (10u * 1024u * 1024u)  /* default largest file (the server's
                                                      --max-upload changes it) */
#define KB_ATTACH_MAX_COUNT 20u                    /* attachments of one item */
#define KB_ATTACH_MAX_TOTAL (50ull * 1024u * 1024u) /* bytes of one item's attachments */
#define KB_ATTACH_MAX_TEXT (256u * 1024u)          /* searchable text kept per file */

/* The owner kinds. */
#define KB_ATTACH_INCIDENT "incident"
#define KB_ATTACH_KB "kb"
#define KB_ATTACH_REQUEST "request" /* service requests */
#define KB_ATTACH_MAINT "maint_task" /* maintenance tasks (photos of inspections) */

/* Programs, which kedb does not keep (kb_attach_kind.program). */
typedef enum {
    KB_ATTACH_NOT_PROGRAM = 0,
    KB_ATTACH_PE,        /* a Windows program */
    KB_ATTACH_ELF,       /* a Linux program */
    KB_ATTACH_MACHO,     /* a macOS program */
    KB_ATTACH_CAFEBABE,  /* a Java class or a macOS universal binary */
} kb_attach_program;

/* What a file's content says it is. */
typedef struct {
    const char *type;    /* media type (a static string): image/png, image/jpeg, image/gif,
                            image/webp, application/pdf, application/zip, the Office
                            (OOXML) types, application/vnd.ms-office (OLE2: .doc .xls .msg),
                            text/plain, application/octet-stream */
    const char *charset; /* text/plain: "utf-8", "utf-16" or "gb18030"; else NULL */
    kb_attach_program program; /* not KB_ATTACH_NOT_PROGRAM: a program, not kept */
    unsigned width;      /* images: the size the header declares (0 unknown) */
    unsigned height;
    unsigned long long pixels; /* images: pixels decoded in all (every frame of a GIF) */
    unsigned scans;      /* JPEG: its scans (a progressive image decodes every pixel once
                            per scan; a baseline one has 1), counted from the markers; else 0 */
} kb_attach_kind;

/* Decides what p[0..len) is from its bytes alone (magic numbers; text when it is UTF-8,
 * UTF-16 with a byte order mark or GB18030 without NUL bytes and control characters).
 * Programs (PE, ELF, Mach-O, Java classes) come back with program set. Never fails. */
void kb_attach_sniff(const void *p, size_t len, kb_attach_kind *out);

/* Checks a file name given by a client: 1 to KB_ATTACH_MAX_NAME bytes of UTF-8, no
 * control or bidirectional-override characters, none of \ / : * ? " < > |, no white space
 * or '.' at either end, not an extension that Windows runs on a double click (.exe .bat
 * .cmd .ps1 .vbs .js .msi .lnk .hta .scr ...). KB_EINVAL says what is wrong. */
kb_status kb_attach_check_name(const char *name, kb_err *err);

/* The searchable text of a file (k from kb_attach_sniff): a text file's, a PDF's, an Office
 * file's (.docx .xlsx .pptx, the old .xls); at most KB_ATTACH_MAX_TEXT bytes of UTF-8, cut at
 * a character boundary; *out NULL (and *len 0) for any other type or a file without text.
 * *out is freed with free(). On failure (KB_EPARSE: the text does not decode or the file is
 * broken, KB_ETOOBIG: past a bound of kb_extract.h, KB_EIO: pdftotext cannot run) err says
 * why and *out is NULL. */
kb_status kb_attach_text(const void *p, size_t len, const kb_attach_kind *k, char **out,
                         size_t *out_len, kb_err *err);

/* One attachment as stored. Strings are owned by the record. */
typedef struct {
    long long id;
    char *owner_kind;
    char *owner_id;
    char *name;          /* the file name given at upload */
    char *type;          /* the sniffed media type */
    char *charset;       /* text: the character set read; "" otherwise */
    char *hash;          /* hex SHA-256 of the content */
    long long size;      /* bytes */
    unsigned width;      /* images: the declared size, 0 unknown */
    unsigned height;
    int has_thumb;       /* a thumbnail exists (kb_attach_read with thumb) */
    int has_text;        /* the content is searchable text */
    long long version;   /* knowledge items: the version (1, 2, ...) the file is the
                            controlled copy of; 0 for a file of the item as a whole */
    char *created_by;
    long long created_at; /* epoch seconds */
    char *warning;       /* kb_attach_add only: why the file's text was not read (a PDF
                            without pdftotext, a broken Office file), else NULL */
} kb_attachment;

typedef struct {
    kb_attachment *items;
    size_t n;
    long long total;     /* bytes of all of them */
} kb_attachment_list;

void kb_attachment_free(kb_attachment *a);
void kb_attachment_list_free(kb_attachment_list *l);

/* A new attachment. */
typedef struct {
    const char *owner_kind; /* KB_ATTACH_INCIDENT, _KB or _REQUEST */
    const char *owner_id;
    const char *name;      /* checked with kb_attach_check_name */
    const void *data;
    size_t len;
    size_t max_bytes;      /* the largest file accepted (0: KB_ATTACH_MAX_BYTES) */
    const char *actor;     /* who adds it */
    long long version;     /* KB_ATTACH_KB: the version it is the copy of; 0 = none */
} kb_attach_in;

/* Adds an attachment at time now: checks the name and the content (KB_EINVAL for a refused
 * type or an empty file, KB_ETOOBIG past max_bytes or past KB_ATTACH_MAX_TOTAL for the
 * owner, KB_ECONFLICT past KB_ATTACH_MAX_COUNT), KB_ENOTFOUND when the owner does not
 * exist or has no such version, KB_EINVAL for a version of an owner that is no knowledge
 * item, KB_ECONFLICT for a version that is not a draft, rejected or published. A new blob
 * gets its text (a failure leaves it without text: (*out)->warning) and thumbnail
 * (kb_thumb) before the write transaction; the attachment, the blob's reference and the
 * audit entry commit together, and a knowledge item is indexed again with the file's text.
 * *out (may be NULL) gets the record (kb_attachment_free). */
kb_status kb_attach_add(kb_store *s, const kb_attach_in *in, long long now, kb_attachment **out,
                        kb_err *err);
/* The owner's attachments in the order added; *out freed with kb_attachment_list_free. */
kb_status kb_attach_list(kb_store *s, const char *owner_kind, const char *owner_id,
                         kb_attachment_list **out, kb_err *err);
/* Attachment id of the owner with its content (thumb: its PNG thumbnail instead):
 * *meta (kb_attachment_free) and *data (free(); *len bytes). KB_ENOTFOUND when the owner
 * has no such attachment (or it has no thumbnail). */
kb_status kb_attach_read(kb_store *s, const char *owner_kind, const char *owner_id,
                         long long id, int thumb, kb_attachment **meta, void **data,
                         size_t *len, kb_err *err);
/* Deletes attachment id of the owner, recorded in the audit trail as actor's; the blob goes
 * with its last attachment, and a knowledge item is indexed again. KB_ENOTFOUND when the
 * owner has no such attachment, KB_ECONFLICT when it is the copy of a version that is no
 * longer a draft or rejected (published copies are kept). */
kb_status kb_attach_delete(kb_store *s, const char *owner_kind, const char *owner_id,
                           long long id, const char *actor, long long now, kb_err *err);

#endif
