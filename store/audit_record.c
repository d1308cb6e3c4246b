/* audit_record.c — one audit record as JSON, and its link in the hash chain.
 *
 * hash = hex SHA-256 over prev (hex; 64 zeros before the first record) +
 * "\n" + the record's canonical JSON: the exported object without "prev"
 * and "hash", keys sorted, no whitespace (jansson JSON_SORT_KEYS |
 * JSON_COMPACT). Because it is computed from exactly what an export line
 * shows, an auditor can check an export with any JSON tool. Does no I/O.
 *
 * Threading: pure functions, called on the control thread.
 */
#include "store-private.h"

#include <string.h>

#include <openssl/evp.h>

#include "rfc3339.h"

static json_t *string_or_null(const char *s)
{
  json_t *j = s != NULL ? json_string(s) : NULL;

  /* Backends store valid UTF-8 only; a value that is not (edited by hand)
   * becomes null, so its hash no longer matches and verify names it. */
  return j != NULL ? j : json_null();
}

/* "2026-11-23T19:30:00.123Z": UTC, milliseconds (docs/consultations.md). */
static json_t *time_json(gint64 time_us)
{
  g_autofree char *text = nara_rfc3339_format_ms(time_us);

  /* NULL outside years 1..9999: only a tampered row gets here */
  return text != NULL ? json_string(text) : json_null();
}

json_t *nara_audit_record_to_json(const NaraAuditRecord *r)
{
  json_t *o = json_object();

  /* Insertion order is the export order; the hash sorts keys itself. */
  json_object_set_new(o, "seq", json_integer(r->seq));
  json_object_set_new(o, "time", time_json(r->time_us));
  json_object_set_new(o, "event", string_or_null(r->event));
  json_object_set_new(o, "consultation", string_or_null(r->consultation));
  json_object_set_new(o, "actor", string_or_null(r->actor));
  json_object_set_new(o, "actorRole", string_or_null(r->actor_role));
  json_object_set_new(o, "subject", string_or_null(r->subject));
  json_object_set_new(o, "subjectRole", string_or_null(r->subject_role));
  json_object_set_new(o, "assurance", string_or_null(r->assurance));
  json_object_set_new(o, "outcome", string_or_null(r->outcome));
  json_object_set_new(o, "detail", string_or_null(r->detail));
  return o;
}

void nara_audit_record_hash(const NaraAuditRecord *record, const char *prev_hex,
                            char out[NARA_AUDIT_HASH_HEX_LEN + 1])
{
  json_t *o = nara_audit_record_to_json(record);
  char *canonical = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
  guint8 digest[32];
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();

  json_decref(o);
  if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1
      || EVP_DigestUpdate(ctx, prev_hex, strlen(prev_hex)) != 1
      || EVP_DigestUpdate(ctx, "\n", 1) != 1
      || EVP_DigestUpdate(ctx, canonical, strlen(canonical)) != 1
      || EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
    g_error("SHA-256 unavailable in OpenSSL"); /* like OOM: nothing sane to do */
  EVP_MD_CTX_free(ctx);
  free(canonical);
  for (int i = 0; i < 32; i++)
    g_snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

char *nara_audit_record_export_line(const NaraAuditRecord *record, const char *prev_hex,
                                    const char *hash_hex)
{
  json_t *o = nara_audit_record_to_json(record);
  char *dumped, *line;

  json_object_set_new(o, "prev", string_or_null(prev_hex));
  json_object_set_new(o, "hash", string_or_null(hash_hex));
  dumped = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  line = g_strdup(dumped);
  free(dumped);
  return line;
}
