/* rest_fields.h — the field tables REST request bodies are checked against.
 *
 * Each body lists its fields (name, type, required, bounds, nested items);
 * nara_rest_fields_check() walks a JSON object against such a table and
 * collects every unknown field and every bad value, named by its path
 * ("participants[2].role"), so one 400 answer lists all of them. It knows
 * what a role or an RFC 3339 time is, not what a consultation is.
 *
 * Threading: pure functions; control thread (REST and CLI).
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
  NARA_REST_FIELD_TEXT,      /* string, trimmed: min..max characters, no control characters */
  NARA_REST_FIELD_NAME,      /* TEXT of 1..max_name_chars (the signaling display-name rule) */
  NARA_REST_FIELD_TIME,      /* RFC 3339 date-time string (rfc3339.h) */
  NARA_REST_FIELD_ROLE,      /* "host", "staff", "interpreter", "patient", "relative" */
  NARA_REST_FIELD_ROLES,     /* array of distinct roles */
  NARA_REST_FIELD_TOKEN,     /* min..max of A-Z a-z 0-9 . _ : / - (an assurance level) */
  NARA_REST_FIELD_OBJECTS,   /* array of min..max objects, each checked against items */
  NARA_REST_FIELD_LANGUAGES, /* BCP 47 tags joined by commas ("sv,ar"): language_list.h */
  NARA_REST_FIELD_BOOL,      /* true or false */
} NaraRestFieldType;

typedef struct _NaraRestField NaraRestField;
struct _NaraRestField {
  const char *name; /* NULL ends a table */
  NaraRestFieldType type;
  gboolean required;
  guint min, max;             /* TEXT, TOKEN: characters; OBJECTS: elements */
  const NaraRestField *items; /* OBJECTS only */
};

/* What a check found. Both arrays hold {"field","detail"} objects. */
typedef struct {
  json_t *unknown; /* fields not in the table */
  json_t *invalid; /* missing, wrong type, out of bounds */
} NaraRestErrors;

void nara_rest_errors_init(NaraRestErrors *errors);
void nara_rest_errors_clear(NaraRestErrors *errors);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NaraRestErrors, nara_rest_errors_clear)
/* field, detail: (transfer none), copied. */
void nara_rest_errors_add(NaraRestErrors *errors, gboolean unknown, const char *field,
                          const char *detail);
gboolean nara_rest_errors_empty(const NaraRestErrors *errors);
/* (transfer full) The RFC 9457 body for what was found: unknown fields
 * first (urn:nara:problem:unknown-field), else bad values
 * (urn:nara:problem:validation); NULL when nothing was found. */
json_t *nara_rest_errors_problem(const NaraRestErrors *errors);

/* Checks obj (a JSON object) against fields; adds what is wrong to errors.
 * prefix: path of obj in the body ("" at the top). TRUE when all is well. */
gboolean nara_rest_fields_check(json_t *obj, const NaraRestField *fields, const char *prefix,
                                guint max_name_chars, NaraRestErrors *errors);

/* (transfer full) The trimmed string of a checked TEXT/NAME field, or NULL
 * when absent. */
char *nara_rest_field_text(json_t *obj, const char *name);
/* Bit (1 << NaraRole) for each role in a checked ROLES array. */
guint nara_rest_field_roles(json_t *array);

G_END_DECLS
