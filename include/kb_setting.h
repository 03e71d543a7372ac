#ifndef KB_SETTING_H
#define KB_SETTING_H
#include <stddef.h>

#include "kb_calendar.h"
#include "kb_err.h"
#include "kb_store.h"
#include "kb_svcreport.h"

/* The desk's settings kept in the database (its setting table): the time zone that counts
 * its days and business hours, the business calendar its SLA clocks run on, and how long
 * finished notifications are kept. Each change is audited (setting.update) in the same
 * transaction. The document numbering rule is in kb_version.h. */

/* The desk's time zone as its setting names it: an IANA name ("Asia/Shanghai"), "UTC" when
 * never set, or a fixed offset ("+08:00"): a database from before time zones kept only a
 * UTC offset, which goes on working as a zone of that fixed offset. *out freed with
 * free(). */
kb_status kb_setting_time_zone(kb_store *s, char **out, kb_err *err);
/* Sets the desk's time zone to name (kb_date_zone_open: an IANA name of the system's zone
 * database, "UTC" or a fixed offset; KB_EINVAL for a bad or unknown name, KB_EPARSE for a
 * broken zone file): stores the zone's name (a fixed offset as "+08:00"), audits it by
 * actor at time at and applies it to this process at once (kb_date_set_zone); other
 * processes on the same database apply it when they next open it. */
kb_status kb_setting_set_time_zone(kb_store *s, const char *name, const char *actor,
                                   long long at, kb_err *err);

/* The business calendar's text (kb_calendar.h), KB_CALENDAR_DEFAULT while none is stored;
 * *is_default (may be NULL) says which. *out freed with free(). */
kb_status kb_setting_calendar(kb_store *s, char **out, int *is_default, kb_err *err);
/* The business calendar in force, parsed; *out freed with kb_calendar_free(). A stored
 * text that no longer parses is KB_EINTERNAL. */
kb_status kb_setting_calendar_load(kb_store *s, kb_calendar **out, kb_err *err);
/* Parses text p[0..len) (kb_calendar_parse's failures: KB_EPARSE with *line, may be NULL,
 * and a message naming the line; KB_ETOOBIG), stores it as the business calendar and
 * audits it by actor at time at with a summary (weekly hours, holidays, make-up days). */
kb_status kb_setting_set_calendar(kb_store *s, const char *p, size_t len, const char *actor,
                                  long long at, size_t *line, kb_err *err);

/* How many days delivered and failed notifications are kept (kb_notify_prune):
 * KB_NOTIFY_KEEP_DAYS while never set. */
kb_status kb_setting_notify_keep_days(kb_store *s, long long *out, kb_err *err);
/* Sets it (1 to KB_NOTIFY_KEEP_DAYS_MAX, KB_EINVAL otherwise), audited by actor at time
 * at. */
kb_status kb_setting_set_notify_keep_days(kb_store *s, long long days, const char *actor,
                                          long long at, kb_err *err);

/* When service reports are due (kb_svcreport.h): KB_SVC_SCHEDULE_DEFAULT (monthly on day 5)
 * while never set or when the stored text no longer reads. */
kb_status kb_setting_report_schedule(kb_store *s, kb_svc_schedule *out, kb_err *err);
/* Sets it (kb_svc_schedule_check's refusals), audited by actor at time at. */
kb_status kb_setting_set_report_schedule(kb_store *s, const kb_svc_schedule *sc,
                                         const char *actor, long long at, kb_err *err);

#endif
