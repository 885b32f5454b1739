/* mount(2) and umount2(2) for the overlay graph driver: Node.js has neither,
 * and a mount per container is too frequent to pay for a mount(8) process. */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "napi-util.h"

#define PATH_MAX_LEN 4096
/* Mount data longer than a page fails in the kernel anyway; refuse early above this. */
#define DATA_MAX_LEN 65536

/* Message: "mount: Invalid argument '/target'". */
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  char msg[PATH_MAX_LEN + 128];
  snprintf(msg, sizeof msg, "%s: %s '%s'", syscall, strerror(err), path ? path : "");
  return throw_system_error(env, err, msg, syscall, path);
}

/* Copies a JS string argument into a malloc'd buffer; NULL (and a thrown error) when not a string. */
static char *get_string(napi_env env, napi_value value, size_t max) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string argument");
    return NULL;
  }
  if (len >= max) {
    napi_throw_range_error(env, NULL, "string argument too long");
    return NULL;
  }
  char *buf = malloc(len + 1);
  napi_get_value_string_utf8(env, value, buf, len + 1, &len);
  return buf;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return 0;
  }
  return 1;
}

/* mount(source, target, fstype, flags, data) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  char *source = get_string(env, argv[0], PATH_MAX_LEN);
  char *target = source ? get_string(env, argv[1], PATH_MAX_LEN) : NULL;
  char *fstype = target ? get_string(env, argv[2], 256) : NULL;
  char *data = fstype ? get_string(env, argv[4], DATA_MAX_LEN) : NULL;
  napi_value result = NULL;
  if (data) {
    double flags = 0;
    napi_get_value_double(env, argv[3], &flags);
    if (mount(source, target, fstype[0] ? fstype : NULL, (unsigned long)flags, data[0] ? data : NULL) != 0)
      throw_errno(env, errno, "mount", target);
    else
      napi_get_undefined(env, &result);
  }
  free(source); free(target); free(fstype); free(data);
  return result;
}

/* umount2(target, flags) */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *target = get_string(env, argv[0], PATH_MAX_LEN);
  if (!target) return NULL;
  int32_t flags = 0;
  napi_get_value_int32(env, argv[1], &flags);
  napi_value result = NULL;
  if (umount2(target, flags) != 0) throw_errno(env, errno, "umount2", target);
  else napi_get_undefined(env, &result);
  free(target);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    ADDON_METHOD("mount", js_mount),
    ADDON_METHOD("umount2", js_umount2),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
