// SHA-256 on the libuv threadpool. A layer apply hashes every byte it is given
// (the blob's digest, and the tar's when the blob is compressed); on the main
// thread that was ~0.11 s per 178 MB, while the same thread parses the tar and
// feeds the writer. Here the main thread only queues the chunks: they are hashed
// in order by one threadpool job at a time, the ones queued meanwhile together.
// OpenSSL's EVP API is the one Node itself links (its symbols are exported by the
// node binary), so the hashing is Node's own, with SHA-NI where the CPU has it.
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <openssl/evp.h>
#include "napi-util.h"
#include "parts.h"

// Chunks smaller than this wait for more before a threadpool job starts: a pull's network
// chunks are 16-64 KiB, and a job per chunk would cost more in wake-ups than the hashing.
#define MIN_JOB_BYTES (256 * 1024)

typedef struct {
  napi_ref ref;  // keeps the chunk's buffer alive until it is hashed
  const uint8_t *data;
  size_t length;
} chunk;

typedef struct {
  chunk *items;
  size_t count, capacity, bytes;
} chunk_list;

typedef struct {
  EVP_MD_CTX *ctx;
  chunk_list waiting;  // queued by update, main thread only
  chunk_list hashing;  // owned by the running job
  napi_async_work work;
  napi_ref self;  // holds the JS object while a job runs
  napi_deferred digest;  // a digest() waiting for the jobs to end
  bool busy, finished, failed;
} hasher;

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static bool list_push(chunk_list *list, chunk item) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? 2 * list->capacity : 16;
    chunk *grown = realloc(list->items, capacity * sizeof *grown);
    if (!grown) return false;
    list->items = grown, list->capacity = capacity;
  }
  list->items[list->count++] = item;
  list->bytes += item.length;
  return true;
}

static void list_release(napi_env env, chunk_list *list) {
  for (size_t i = 0; i < list->count; i++) napi_delete_reference(env, list->items[i].ref);
  list->count = 0, list->bytes = 0;
}

static void hash_execute(napi_env env, void *data) {
  (void)env;
  hasher *h = data;
  for (size_t i = 0; i < h->hashing.count && !h->failed; i++) {
    if (EVP_DigestUpdate(h->ctx, h->hashing.items[i].data, h->hashing.items[i].length) != 1) h->failed = true;
  }
}

static void settle_digest(napi_env env, hasher *h);
static void hash_complete(napi_env env, napi_status status, void *data);

// Hands what is waiting to a threadpool job (the lists swap: no copying of the queue).
static void start_job(napi_env env, hasher *h) {
  chunk_list next = h->hashing;
  h->hashing = h->waiting;
  h->waiting = next;
  napi_value name;
  napi_create_string_utf8(env, "berth:sha256", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, hash_execute, hash_complete, h, &h->work);
  napi_reference_ref(env, h->self, NULL);
  h->busy = true;
  napi_queue_async_work(env, h->work);
}

static void hash_complete(napi_env env, napi_status status, void *data) {
  hasher *h = data;
  if (status != napi_ok) h->failed = true;
  list_release(env, &h->hashing);
  napi_delete_async_work(env, h->work);
  h->busy = false;
  if (h->waiting.count > 0 && (h->digest || h->waiting.bytes >= MIN_JOB_BYTES) && !h->failed) start_job(env, h);
  else if (h->digest) settle_digest(env, h);
  napi_reference_unref(env, h->self, NULL);
}

// Resolves the waiting digest() with the 32 bytes, or rejects it.
static void settle_digest(napi_env env, hasher *h) {
  unsigned char sum[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  napi_value result;
  napi_deferred deferred = h->digest;
  h->digest = NULL;
  h->finished = true;
  if (h->failed || EVP_DigestFinal_ex(h->ctx, sum, &length) != 1) {
    napi_value message;
    napi_create_string_utf8(env, "sha256: OpenSSL failed to hash the data", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, deferred, result);
    return;
  }
  void *bytes;
  napi_create_buffer_copy(env, length, sum, &bytes, &result);
  napi_resolve_deferred(env, deferred, result);
}

static void hasher_free(napi_env env, void *data, void *hint) {
  (void)hint;
  hasher *h = data;
  list_release(env, &h->waiting);
  free(h->waiting.items);
  free(h->hashing.items);
  if (h->self) napi_delete_reference(env, h->self);
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

static hasher *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return data;
}

// new Sha256()
static napi_value js_construct(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  hasher *h = calloc(1, sizeof *h);
  if (!h) {
    napi_throw_error(env, NULL, "sha256: out of memory");
    return NULL;
  }
  h->ctx = EVP_MD_CTX_new();
  if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(h->ctx);
    free(h);
    napi_throw_error(env, NULL, "sha256: OpenSSL cannot start a SHA-256 digest");
    return NULL;
  }
  napi_wrap(env, self, h, hasher_free, NULL, NULL);
  napi_create_reference(env, self, 0, &h->self);
  return self;
}

// update(chunk: Uint8Array): queues the chunk, which must not change until digest() settles.
static napi_value js_update(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  hasher *h = unwrap(env, info, &argc, argv);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  bool is_typed = false;
  if (!h) return throw_type(env, "sha256: update() called on something else");
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed
      || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    return throw_type(env, "sha256: update(chunk: Uint8Array)");
  }
  if (h->finished || h->digest) return throw_type(env, "sha256: update() after digest()");
  if (length == 0) return NULL;
  chunk item = {NULL, data, length};
  napi_create_reference(env, argv[0], 1, &item.ref);
  if (!list_push(&h->waiting, item)) {
    napi_delete_reference(env, item.ref);
    napi_throw_error(env, NULL, "sha256: out of memory");
    return NULL;
  }
  if (!h->busy && h->waiting.bytes >= MIN_JOB_BYTES) start_job(env, h);
  return NULL;
}

// digest(): Promise<Buffer> of the 32 bytes, once every queued chunk is hashed.
static napi_value js_digest(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  hasher *h = unwrap(env, info, &argc, NULL);
  napi_value promise;
  if (!h) return throw_type(env, "sha256: digest() called on something else");
  if (h->finished || h->digest) return throw_type(env, "sha256: digest() called twice");
  napi_create_promise(env, &h->digest, &promise);
  if (h->busy) return promise;  // the running job's completion goes on from here
  if (h->waiting.count > 0) start_job(env, h);
  else settle_digest(env, h);
  return promise;
}

napi_value berth_init_digest(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    ADDON_METHOD("update", js_update),
    ADDON_METHOD("digest", js_digest),
  };
  napi_value constructor;
  napi_define_class(env, "Sha256", NAPI_AUTO_LENGTH, js_construct, NULL, sizeof methods / sizeof methods[0], methods, &constructor);
  napi_set_named_property(env, exports, "Sha256", constructor);
  return exports;
}
