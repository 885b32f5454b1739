/* mount(2) and umount2(2) for the overlay graph driver: Node.js has neither,
 * and a mount per container is too frequent to pay for a mount(8) process.
 * fs_mount() is the same through the new mount API (fsopen, fsconfig,
 * fsmount, move_mount): each parameter is its own call, so no page limit on
 * the whole mount data applies (overlay's `lowerdir+` per lower, Linux 6.8+).
 * userns_fd() and idmapped_bind() make the idmapped lowers of a container
 * whose IDs the overlay driver shifts at mount time (Go's pkg/idmap). */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "napi-util.h"
#include "parts.h"

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

/* Adds the kernel's own explanation (fs context log lines, "e overlayfs: …") to a message. */
static void append_fs_log(int fsfd, char *msg, size_t size) {
  char line[512];
  ssize_t n;
  while ((n = read(fsfd, line, sizeof line - 1)) > 0) {
    line[n] = '\0';
    size_t used = strlen(msg);
    snprintf(msg + used, size - used, " (%s)", line);
  }
}

/* fs_mount(fstype, target, params, attrs): params are "key=value" (a string
 * parameter) or "key" (a flag), in order; attrs are MOUNT_ATTR_* bits. */
static napi_value js_fs_mount(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  char *fstype = get_string(env, argv[0], 256);
  char *target = fstype ? get_string(env, argv[1], PATH_MAX_LEN) : NULL;
  if (!target) { free(fstype); return NULL; }
  uint32_t count = 0;
  napi_get_array_length(env, argv[2], &count);
  uint32_t attrs = 0;
  napi_get_value_uint32(env, argv[3], &attrs);

  napi_value result = NULL;
  char msg[PATH_MAX_LEN + 1024];
  const char *step = "fsopen";
  int mfd = -1;
  int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
  int failed = fsfd < 0;
  for (uint32_t i = 0; !failed && i < count; i++) {
    napi_value item;
    napi_get_element(env, argv[2], i, &item);
    char *param = get_string(env, item, PATH_MAX_LEN);
    if (!param) { close(fsfd); free(fstype); free(target); return NULL; }
    char *eq = strchr(param, '=');
    step = "fsconfig";
    if (eq) {
      *eq = '\0';
      failed = fsconfig(fsfd, FSCONFIG_SET_STRING, param, eq + 1, 0) != 0;
      *eq = '=';
    } else {
      failed = fsconfig(fsfd, FSCONFIG_SET_FLAG, param, NULL, 0) != 0;
    }
    if (failed) {
      int err = errno;
      snprintf(msg, sizeof msg, "fsconfig %s: %s '%s'", param, strerror(err), target);
      append_fs_log(fsfd, msg, sizeof msg);
      throw_system_error(env, err, msg, "fsconfig", target);
      free(param); close(fsfd); free(fstype); free(target);
      return NULL;
    }
    free(param);
  }
  if (!failed) { step = "fsconfig create"; failed = fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0; }
  if (!failed) { step = "fsmount"; mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs); failed = mfd < 0; }
  if (!failed) { step = "move_mount"; failed = move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0; }
  if (failed) {
    int err = errno;
    snprintf(msg, sizeof msg, "%s: %s '%s'", step, strerror(err), target);
    if (fsfd >= 0) append_fs_log(fsfd, msg, sizeof msg);
    throw_system_error(env, err, msg, step, target);
  } else {
    napi_get_undefined(env, &result);
  }
  if (mfd >= 0) close(mfd);
  if (fsfd >= 0) close(fsfd);
  free(fstype); free(target);
  return result;
}

/* Writes `text` to /proc/<pid>/<file> in one write(2), as the kernel wants a whole map at once. */
static int write_proc_file(pid_t pid, const char *file, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = errno;
  close(fd);
  if (n == (ssize_t)len) return 0;
  errno = n < 0 ? err : EIO;
  return -1;
}

/* userns_fd(uidMap, gidMap): a file descriptor of a new user namespace whose
 * maps are the given `/proc/PID/uid_map` texts ("container host size" lines).
 * As Go's CreateUsernsProcess: a child made by a raw clone(CLONE_NEWUSER) (no
 * glibc fork handlers: the child of a multithreaded process only pauses) gets
 * its maps written by this process; its namespace is opened before the child
 * is killed and reaped, and the fd alone keeps the namespace alive. */
static napi_value js_userns_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *uid_map = get_string(env, argv[0], DATA_MAX_LEN);
  char *gid_map = uid_map ? get_string(env, argv[1], DATA_MAX_LEN) : NULL;
  if (!gid_map) { free(uid_map); return NULL; }
  napi_value result = NULL;
  const char *step = "clone";
  int nsfd = -1;
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (;;) pause();
  }
  int failed = pid < 0;
  if (!failed) { step = "write uid_map"; failed = write_proc_file(pid, "uid_map", uid_map) != 0; }
  if (!failed) { step = "write gid_map"; failed = write_proc_file(pid, "gid_map", gid_map) != 0; }
  if (!failed) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    step = "open user namespace";
    nsfd = open(path, O_RDONLY | O_CLOEXEC);
    failed = nsfd < 0;
  }
  int err = errno;
  if (pid > 0) {
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  }
  if (failed) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: %s", step, strerror(err));
    throw_system_error(env, err, msg, step, NULL);
  } else {
    napi_create_int32(env, nsfd, &result);
  }
  free(uid_map); free(gid_map);
  return result;
}

/* idmapped_bind(source, target, usernsFd): Go's CreateIDMappedMount: a clone
 * of the mount at `source` (open_tree OPEN_TREE_CLONE), idmapped through the
 * user namespace (mount_setattr MOUNT_ATTR_IDMAP), attached on `target`, which
 * is made (0700) when missing. */
static napi_value js_idmapped_bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  char *source = get_string(env, argv[0], PATH_MAX_LEN);
  char *target = source ? get_string(env, argv[1], PATH_MAX_LEN) : NULL;
  if (!target) { free(source); return NULL; }
  int32_t nsfd = -1;
  napi_get_value_int32(env, argv[2], &nsfd);
  napi_value result = NULL;
  const char *step = "open_tree";
  const char *where = source;
  int treefd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  int failed = treefd < 0;
  if (!failed) {
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd };
    step = "mount_setattr";
    failed = mount_setattr(treefd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0;
  }
  if (!failed) { step = "mkdir"; where = target; failed = mkdir(target, 0700) != 0 && errno != EEXIST; }
  if (!failed) { step = "move_mount"; failed = move_mount(treefd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0; }
  if (failed) throw_errno(env, errno, step, where);
  else napi_get_undefined(env, &result);
  if (treefd >= 0) close(treefd);
  free(source); free(target);
  return result;
}

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* isMountRoot(path): whether the path (its symlinks followed) is the root of a mount, from
 * statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8+), as Go's mountinfo.Mounted asks the kernel
 * first; null where the kernel does not report that attribute. Reading /proc/self/mountinfo
 * instead costs a few ms on a host with a thousand mounts, at every store opened. */
static napi_value js_is_mount_root(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0], PATH_MAX_LEN);
  if (!path) return NULL;
  struct statx stx;
  napi_value result = NULL;
  if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_TYPE, &stx) != 0) throw_errno(env, errno, "statx", path);
  else if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) napi_get_null(env, &result);
  else napi_get_boolean(env, (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0, &result);
  free(path);
  return result;
}

napi_value berth_init_mount(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    ADDON_METHOD("mount", js_mount),
    ADDON_METHOD("umount2", js_umount2),
    ADDON_METHOD("fsMount", js_fs_mount),
    ADDON_METHOD("usernsFd", js_userns_fd),
    ADDON_METHOD("idmappedBind", js_idmapped_bind),
    ADDON_METHOD("isMountRoot", js_is_mount_root),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
