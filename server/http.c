/* http.c — static files, /r/NAME, /c/ID, /healthz, /readyz, /metrics; /api/ goes to api/rest.c.
 *
 * Maps a request path to a file under the web directory with a fixed MIME
 * table; only regular files whose path segments are plain names are served
 * (no listing, no way out of the web directory). HTML gets the CSP and
 * friends. Bodies and methods other than GET are the REST API's; ranges
 * and the WebSocket upgrade are not handled here.
 * Threading: control thread (libwebsockets callbacks on the GLib loop).
 */
#include "http.h"

#include "metrics.h"
#include "room_name.h"

#include <openssl/ssl.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PATH_LEN 512
/* Sessions the TLS server keeps for resumption (tickets are off, so they
 * live here): enough for the reconnecting sockets of a busy node, about
 * 2 KiB each. OpenSSL's default, 20480, grew RSS by ~3 KiB per join for
 * hours under churn (tests/integration/test_churn.py). */
#define TLS_SESSION_CACHE 1024

struct _NaraHttp {
  char *web_dir;
  char *csp; /* the policy pages carry: csp_format with connect-src filled in */
  NaraHttpMetrics metrics;
  struct lws_protocol_vhost_options headers[7]; /* linked: lws adds them to every answer */
  gboolean tls;
  NaraSignaling *signaling;
  NaraMedia *media;
  NaraRest *rest; /* NULL: no /api/ */
  struct lws_protocols protocol;
};

/* Per connection: the pending /healthz or /metrics body (LWS_PRE bytes
 * of room, then the text), written when writable, or the REST request in
 * progress. */
typedef struct {
  char *body;
  size_t body_len;
  NaraRestRequest *rest;
} HttpSession;

static const struct {
  enum lws_token_indexes token;
  const char *name;
} methods[] = {
  { WSI_TOKEN_GET_URI, "GET" },       { WSI_TOKEN_POST_URI, "POST" },
  { WSI_TOKEN_PATCH_URI, "PATCH" },   { WSI_TOKEN_PUT_URI, "PUT" },
  { WSI_TOKEN_DELETE_URI, "DELETE" }, { WSI_TOKEN_OPTIONS_URI, "OPTIONS" },
  { WSI_TOKEN_HEAD_URI, "HEAD" },
};

/* connect-src 'self': the page talks to its own origin only (CSP Level 3
 * lets 'self' match ws:/wss: of the same host), not to any wss: host;
 * server.csp_connect_src adds other nodes' origins after it. */
static const char csp_format[] = "default-src 'self'; connect-src 'self'%s; img-src 'self' data: "
                                 "blob:; media-src 'self' blob:; style-src 'self'; script-src "
                                 "'self'; object-src 'none'; base-uri 'none'; frame-ancestors "
                                 "'none'";

static const struct {
  const char *ext, *type;
} mime_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" }, /* ES modules need a JavaScript type */
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".webmanifest", "application/manifest+json" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".jpg", "image/jpeg" },
  { ".ico", "image/x-icon" },
  { ".woff2", "font/woff2" },
  { ".txt", "text/plain; charset=utf-8" },
  { ".map", "application/json" },
  { ".wav", "audio/wav" },
  { ".ogg", "audio/ogg" },
};

gboolean nara_http_consultation_id_valid(const char *id)
{
  return nara_url_word_valid(id, 39);
}

static const char *mime_type(const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS(mime_types); i++)
    if (g_str_has_suffix(path, mime_types[i].ext))
      return mime_types[i].type;
  return NULL;
}

/* "/js/app.js" is fine; "/../x", "/.git/x", "/a//b", "/a\b" are not. */
static gboolean path_safe(const char *path)
{
  const char *p = path;
  if (*p != '/' || strlen(path) > MAX_PATH_LEN)
    return FALSE;
  while (*p == '/') {
    const char *seg = ++p;
    while (*p && *p != '/') {
      if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
      p++;
    }
    if (p == seg || *seg == '.')
      return FALSE;
  }
  return *p == '\0';
}

static gboolean add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                           unsigned char *end)
{
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                     (int)strlen(value), p, end)
         == 0;
}

/* The security headers go on every response of the vhost, as lws' canned
 * headers (nara_http_vhost_headers()), not per answer: so they are also
 * on what lws answers by itself, before any callback of ours runs (a
 * request line longer than its header buffer: 414 in lws 4.3, a closed
 * connection in 4.1), on REST answers and on files. On a script, a style
 * sheet or JSON, the page-only ones (CSP, frame and opener policies) do
 * nothing. Only the cache policy differs per answer. */
static gboolean add_cache_control(struct lws *wsi, unsigned char **p, unsigned char *end)
{
  return add_header(wsi, "cache-control:", "no-cache", p, end);
}

static void build_vhost_headers(NaraHttp *http)
{
  const char *pairs[] = { "x-content-type-options:",
                          "nosniff",
                          "referrer-policy:",
                          "no-referrer",
                          "content-security-policy:",
                          http->csp,
                          "permissions-policy:",
                          "camera=(self), microphone=(self), display-capture=(self)",
                          "x-frame-options:",
                          "DENY",
                          "cross-origin-opener-policy:",
                          "same-origin",
                          http->tls ? "strict-transport-security:" : NULL,
                          "max-age=63072000" };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS(pairs) && pairs[i]; i += 2)
    http->headers[n++] = (struct lws_protocol_vhost_options){ NULL, NULL, pairs[i], pairs[i + 1] };
  for (guint i = 0; i + 1 < n; i++)
    http->headers[i].next = &http->headers[i + 1];
}

/* An error answer with a one-line body (the security headers come from
 * the vhost, as on every answer). */
static int finish_status(struct lws *wsi, unsigned int status)
{
  unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
                                     *end = buf + sizeof buf - 1;
  char body[LWS_PRE + 64];
  int n = g_snprintf(body + LWS_PRE, sizeof body - LWS_PRE, "%u\n", status);

  if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8", (lws_filepos_t)n, &p,
                                  end)
      || !add_cache_control(wsi, &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  if (lws_write(wsi, (unsigned char *)body + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
    return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int serve_file(NaraHttp *http, struct lws *wsi, const char *rel)
{
  g_autofree char *file = g_build_filename(http->web_dir, rel, NULL);
  const char *type = mime_type(file);
  unsigned char headers[2048], *p = headers, *end = headers + sizeof headers;
  struct stat st;
  int n;

  if (!type || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
    return finish_status(wsi, HTTP_STATUS_NOT_FOUND);
  if (!add_cache_control(wsi, &p, end))
    return -1;
  n = lws_serve_http_file(wsi, file, type, (const char *)headers, (int)(p - headers));
  if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
    return -1;
  return 0;
}

/* Sends the headers of a 200 with `text` as its body (taken), which the
 * WRITEABLE callback writes. */
static int serve_text_status(struct lws *wsi, HttpSession *hs, unsigned status, const char *type,
                             GString *text)
{
  unsigned char headers[LWS_PRE + 1024], *start = headers + LWS_PRE, *p = start,
                                         *end = headers + sizeof headers - 1;

  g_free(hs->body);
  hs->body_len = text->len;
  hs->body = g_malloc(LWS_PRE + text->len);
  memcpy(hs->body + LWS_PRE, text->str, text->len);
  g_string_free(text, TRUE);
  if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)hs->body_len, &p, end)
      || !add_cache_control(wsi, &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int serve_text(struct lws *wsi, HttpSession *hs, const char *type, GString *text)
{
  return serve_text_status(wsi, hs, HTTP_STATUS_OK, type, text);
}

static int serve_healthz(NaraHttp *http, struct lws *wsi, HttpSession *hs)
{
  GString *text = g_string_new(NULL);
  g_string_printf(text, "{\"status\":\"ok\",\"version\":\"%s\",\"sessions\":%u,\"rooms\":%u}",
                  NARA_VERSION, nara_signaling_n_sessions(http->signaling),
                  nara_signaling_n_rooms(http->signaling));
  return serve_text(wsi, hs, "application/json", text);
}

/* Whether a load balancer may send new calls here: not while draining,
 * nor while the store's database cannot be reached, nor (many nodes) while
 * the cluster registry does not answer, nor while a media worker's loop is
 * stuck. */
static int serve_readyz(NaraHttp *http, struct lws *wsi, HttpSession *hs)
{
  gboolean draining = nara_signaling_is_draining(http->signaling);
  gboolean store_down = !draining && http->rest && !nara_rest_store_ready(http->rest);
  gboolean registry_down = !nara_signaling_registry_ok(http->signaling);
  gboolean workers_stuck = http->media && !nara_media_workers_alive(http->media);
  GString *text = g_string_new(draining        ? "{\"status\":\"draining\"}"
                               : store_down    ? "{\"status\":\"store-unreachable\"}"
                               : registry_down ? "{\"status\":\"registry-unreachable\"}"
                               : workers_stuck ? "{\"status\":\"media-stalled\"}"
                                               : "{\"status\":\"ready\"}");
  return serve_text_status(wsi, hs,
                           draining || store_down || registry_down || workers_stuck
                               ? HTTP_STATUS_SERVICE_UNAVAILABLE
                               : HTTP_STATUS_OK,
                           "application/json", text);
}

/* The request's method and path (the query is apart, in URI_ARGS).
 * Returns the path length, 0 for an unknown method, -1 when too long. */
static int request_line(struct lws *wsi, const char **method, char *path, int size)
{
  for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
    if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
      *method = methods[i].name;
      return lws_hdr_copy(wsi, path, size, methods[i].token);
    }
  }
  return 0;
}

static int on_http(NaraHttp *http, struct lws *wsi, HttpSession *hs)
{
  char path[MAX_PATH_LEN + 2];
  const char *method = NULL;
  int len = request_line(wsi, &method, path, sizeof path);

  if (len <= 0)
    return finish_status(wsi,
                         len < 0 ? HTTP_STATUS_REQ_URI_TOO_LONG : HTTP_STATUS_METHOD_NOT_ALLOWED);
  if (http->rest && http->metrics != NARA_HTTP_METRICS_ONLY
      && (g_str_has_prefix(path, "/api/") || g_str_equal(path, "/api")))
    return nara_rest_on_http(http->rest, wsi, &hs->rest, method, path);
  if (!g_str_equal(method, "GET")) /* nothing but the API takes other methods */
    return finish_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
  /* The metrics listener (server.metrics_listen) serves these and no more. */
  if (http->metrics == NARA_HTTP_METRICS_ONLY && !g_str_equal(path, "/metrics")
      && !g_str_equal(path, "/healthz"))
    return finish_status(wsi, HTTP_STATUS_NOT_FOUND);
  if (g_str_equal(path, "/healthz"))
    return serve_healthz(http, wsi, hs);
  if (g_str_equal(path, "/readyz"))
    return serve_readyz(http, wsi, hs);
  if (g_str_equal(path, "/metrics") && http->metrics != NARA_HTTP_METRICS_ELSEWHERE)
    return serve_text(wsi, hs, NARA_METRICS_CONTENT_TYPE,
                      nara_metrics_render(http->signaling, http->media));
  if (g_str_equal(path, "/"))
    return serve_file(http, wsi, "index.html");
  if (g_str_has_prefix(path, "/r/"))
    return nara_room_name_is_valid(path + 3) ? serve_file(http, wsi, "index.html")
                                             : finish_status(wsi, HTTP_STATUS_NOT_FOUND);
  /* A join link: the page reads the token from the fragment, which the
   * browser never sends, so the server sees only the consultation id. */
  if (g_str_has_prefix(path, "/c/"))
    return nara_http_consultation_id_valid(path + 3) ? serve_file(http, wsi, "index.html")
                                                     : finish_status(wsi, HTTP_STATUS_NOT_FOUND);
  if (!path_safe(path))
    return finish_status(wsi, HTTP_STATUS_NOT_FOUND);
  return serve_file(http, wsi, path + 1);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
  const struct lws_protocols *protocol = lws_get_protocol(wsi);
  NaraHttp *http = protocol ? protocol->user : NULL;
  HttpSession *hs = user;

  switch (reason) {
  case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
    /* libwebsockets' one hook on the vhost's SSL_CTX (user), at creation. */
    SSL_CTX_sess_set_cache_size(user, TLS_SESSION_CACHE);
    break;
  case LWS_CALLBACK_HTTP:
    return on_http(http, wsi, hs);
  case LWS_CALLBACK_HTTP_BODY:
    if (hs && hs->rest)
      return nara_rest_on_body(http->rest, wsi, &hs->rest, in, len);
    break;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    if (hs && hs->rest)
      return nara_rest_on_body_complete(http->rest, wsi, &hs->rest);
    break;
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (hs) {
      nara_rest_on_close(&hs->rest);
      g_clear_pointer(&hs->body, g_free);
      hs->body_len = 0;
    }
    break;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    if (hs && hs->rest)
      return nara_rest_on_writeable(http->rest, wsi, &hs->rest);
    if (!hs || !hs->body_len)
      break;
    if (lws_write(wsi, (unsigned char *)hs->body + LWS_PRE, hs->body_len, LWS_WRITE_HTTP_FINAL)
        != (int)hs->body_len)
      return -1;
    hs->body_len = 0;
    g_clear_pointer(&hs->body, g_free);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
  case LWS_CALLBACK_HTTP_FILE_COMPLETION:
    return lws_http_transaction_completed(wsi) ? -1 : 0;
  default:
    break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

NaraHttp *nara_http_new(const char *web_dir, gboolean tls, NaraSignaling *signaling,
                        NaraMedia *media, NaraRest *rest)
{
  NaraHttp *http = g_new0(NaraHttp, 1);
  http->media = media;
  http->rest = rest;
  http->web_dir = g_strdup(web_dir);
  http->csp = g_strdup_printf(csp_format, "");
  http->tls = tls;
  build_vhost_headers(http);
  http->signaling = signaling;
  http->protocol.name = NARA_HTTP_PROTOCOL_NAME;
  http->protocol.callback = http_callback;
  http->protocol.per_session_data_size = sizeof(HttpSession);
  http->protocol.user = http;
  return http;
}

void nara_http_free(NaraHttp *http)
{
  if (!http)
    return;
  g_free(http->web_dir);
  g_free(http->csp);
  g_free(http);
}

void nara_http_set_metrics(NaraHttp *http, NaraHttpMetrics metrics)
{
  http->metrics = metrics;
}

void nara_http_set_connect_src(NaraHttp *http, const char *const *sources)
{
  g_autoptr(GString) extra = g_string_new(NULL);
  for (guint i = 0; sources && sources[i]; i++)
    g_string_append_printf(extra, " %s", sources[i]);
  g_free(http->csp);
  http->csp = g_strdup_printf(csp_format, extra->str);
  build_vhost_headers(http);
}

const struct lws_protocol_vhost_options *nara_http_vhost_headers(NaraHttp *http)
{
  return http->headers;
}

const struct lws_protocols *nara_http_lws_protocol(NaraHttp *http)
{
  return &http->protocol;
}
