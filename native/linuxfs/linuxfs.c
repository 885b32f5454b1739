/* Linux filesystem calls Node.js lacks (mount, umount2, mknod, extended
 * attributes on the link itself), for the graph drivers and the layer walkers. */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#define PATH_MAX_LEN 4096
#define DATA_MAX_LEN 65536

/* Throws an Error carrying `code` = errno name and `errno`, like Node's fs errors. */
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  char msg[PATH_MAX_LEN + 128];
  snprintf(msg, sizeof msg, "%s: %s '%s'", syscall, strerror(err), path ? path : "");
  napi_value message, error, code, errnum, sys;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, -err, &errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", sys);
  if (path) {
    napi_value p;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
    napi_set_named_property(env, error, "path", p);
  }
  napi_throw(env, error);
  return NULL;
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

/* mknod(path, mode, major, minor) */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  char *path = get_string(env, argv[0], PATH_MAX_LEN);
  if (!path) return NULL;
  uint32_t mode = 0, major = 0, minor = 0;
  napi_get_value_uint32(env, argv[1], &mode);
  napi_get_value_uint32(env, argv[2], &major);
  napi_get_value_uint32(env, argv[3], &minor);
  napi_value result = NULL;
  if (mknod(path, mode, makedev(major, minor)) != 0) throw_errno(env, errno, "mknod", path);
  else napi_get_undefined(env, &result);
  free(path);
  return result;
}

/* llistxattr(path) -> string[]; [] where the filesystem has no xattrs (ENOTSUP). */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0], PATH_MAX_LEN);
  if (!path) return NULL;
  napi_value result = NULL;
  ssize_t size;
  char *list = NULL;
  for (;;) {
    size = llistxattr(path, NULL, 0);
    if (size <= 0) break;
    list = realloc(list, size);
    ssize_t got = llistxattr(path, list, size);
    if (got >= 0) { size = got; break; }
    if (errno != ERANGE) { size = -1; break; }
  }
  if (size < 0 && errno != ENOTSUP) {
    throw_errno(env, errno, "llistxattr", path);
  } else {
    napi_create_array(env, &result);
    uint32_t n = 0;
    for (ssize_t off = 0; size > 0 && off < size; off += strlen(list + off) + 1) {
      napi_value name;
      napi_create_string_utf8(env, list + off, NAPI_AUTO_LENGTH, &name);
      napi_set_element(env, result, n++, name);
    }
  }
  free(list);
  free(path);
  return result;
}

/* lgetxattr(path, name) -> Buffer, or null when the attribute is absent (ENODATA/ENOTSUP). */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *path = get_string(env, argv[0], PATH_MAX_LEN);
  char *name = path ? get_string(env, argv[1], 256) : NULL;
  napi_value result = NULL;
  if (name) {
    char stackbuf[256];
    char *buf = stackbuf;
    ssize_t size = lgetxattr(path, name, buf, sizeof stackbuf);
    if (size < 0 && errno == ERANGE) {
      size = lgetxattr(path, name, NULL, 0);
      if (size >= 0) {
        buf = malloc(size ? size : 1);
        size = lgetxattr(path, name, buf, size);
      }
    }
    if (size < 0) {
      if (errno == ENODATA || errno == ENOTSUP) napi_get_null(env, &result);
      else throw_errno(env, errno, "lgetxattr", path);
    } else {
      void *data;
      napi_create_buffer_copy(env, size, buf, &data, &result);
    }
    if (buf != stackbuf) free(buf);
  }
  free(path); free(name);
  return result;
}

/* lsetxattr(path, name, value: Buffer) */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  char *path = get_string(env, argv[0], PATH_MAX_LEN);
  char *name = path ? get_string(env, argv[1], 256) : NULL;
  napi_value result = NULL;
  if (name) {
    void *data = NULL;
    size_t len = 0;
    if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
      napi_throw_type_error(env, NULL, "expected a Buffer value");
    } else if (lsetxattr(path, name, data, len, 0) != 0) {
      throw_errno(env, errno, "lsetxattr", path);
    } else {
      napi_get_undefined(env, &result);
    }
  }
  free(path); free(name);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
    {"umount2", NULL, js_umount2, NULL, NULL, NULL, napi_default, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
    {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_default, NULL},
    {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_default, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
