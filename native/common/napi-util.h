// N-API pieces the parts of Berth's addon (ofdlock, mount, xattr, ...) need: a Node-style system error,
// the method-table row, and promised threadpool work. native/binding.gyp puts this folder on the include path; all is
// static inline, so a part compiles only what it uses. Needs _GNU_SOURCE (strerrorname_np; binding.gyp defines it).
#ifndef BERTH_NAPI_UTIL_H
#define BERTH_NAPI_UTIL_H

#include <stdbool.h>
#include <string.h>
#include <node_api.h>

// A row of the exports table: a plain function property.
#define ADDON_METHOD(name, fn) {(name), NULL, (fn), NULL, NULL, NULL, napi_default, NULL}

// Throws an Error shaped like Node's fs errors, so callers can use isErrno(): `code` is the
// errno name ("ENOENT"), `errno` the negated number, `syscall`, and `path` when given. The
// message is the addon's own wording. Returns NULL, the value a callback returns after a throw.
static inline napi_value throw_system_error(napi_env env, int err, const char *message, const char *syscall,
                                            const char *path) {
  napi_value code, text, error, number, call;
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_int32(env, -err, &number);
  napi_set_named_property(env, error, "errno", number);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call);
  napi_set_named_property(env, error, "syscall", call);
  if (path) {
    napi_value where;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &where);
    napi_set_named_property(env, error, "path", where);
  }
  napi_throw(env, error);
  return NULL;
}

// The call's first argument, a non-empty string, into `buffer` (NUL-terminated) and its length into
// `*length`; when there is none, it is not a string, it is empty or it does not fit whole, a
// TypeError saying `expected` is thrown and false returned.
static inline bool string_argument(napi_env env, napi_callback_info info, char *buffer, size_t size, size_t *length,
                                   const char *expected) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  *length = 0;
  if (argc >= 1 && napi_get_value_string_utf8(env, argv[0], buffer, size, length) == napi_ok && *length > 0 &&
      *length < size - 1)
    return true;
  napi_throw_type_error(env, NULL, expected);
  return false;
}

// Queues `execute` on the libuv threadpool (then `complete` on the JS thread) and returns the
// promise `complete` settles through `*deferred`. `name` shows in async hooks.
static inline napi_value queue_promised_work(napi_env env, const char *name, napi_async_execute_callback execute,
                                             napi_async_complete_callback complete, void *data, napi_async_work *work,
                                             napi_deferred *deferred) {
  napi_value promise, resource_name;
  napi_create_promise(env, deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, execute, complete, data, work);
  napi_queue_async_work(env, *work);
  return promise;
}

#endif
