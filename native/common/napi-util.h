// N-API pieces every Berth addon (ofdlock, mount, xattr) needs: a Node-style system error and
// the method-table row. Each addon's binding.gyp puts this folder on its include path; all is
// static inline, so an addon compiles only what it uses. Needs _GNU_SOURCE (strerrorname_np).
#ifndef BERTH_NAPI_UTIL_H
#define BERTH_NAPI_UTIL_H

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

#endif
