/* Removing a directory tree in one native call: openat/getdents/unlinkat relative to each
 * directory's fd, the entry's type from getdents, no symlink ever followed. Node's
 * fs.rmSync(recursive) walks the tree in JS with an lstat per entry and a failed rmdir per
 * directory; `berth run --rm` removes three small trees (the container's layer and its two
 * directories) after every container, on the way to its exit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "napi-util.h"
#include "parts.h"

/* Where a removal failed: the errno and the path (as far as it fits), for the error thrown. */
typedef struct {
  int err;
  char path[PATH_MAX];
} failure;

static int fail(failure *why, int err, const char *parent, const char *name) {
  why->err = err;
  /* A path too long to show whole is shown cut. */
  if (snprintf(why->path, sizeof why->path, "%s/%s", parent, name) >= (int)sizeof why->path) why->path[sizeof why->path - 1] = '\0';
  return -1;
}

/* Removes `name` in the directory `parent` (shown as `shown` in errors) with all it holds; a
 * name already gone is no error. `is_dir`: 1 known directory, 0 known other, -1 unknown. */
static int remove_entry(int parent, const char *shown, const char *name, int is_dir, failure *why) {
  if (is_dir != 1) {
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR) return fail(why, errno, shown, name);
  }
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : fail(why, errno, shown, name);
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int err = errno;
    close(fd);
    return fail(why, err, shown, name);
  }
  char here[PATH_MAX];
  if (snprintf(here, sizeof here, "%s/%s", shown, name) >= (int)sizeof here) here[sizeof here - 1] = '\0';
  int result = 0;
  /* Twice at most: entries made while the directory is read may be missed by the first pass. */
  for (int pass = 0; pass < 2 && result == 0; pass++) {
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) != NULL) {
      const char *child = entry->d_name;
      if (child[0] == '.' && (child[1] == '\0' || (child[1] == '.' && child[2] == '\0'))) continue;
      int kind = entry->d_type == DT_DIR ? 1 : entry->d_type == DT_UNKNOWN ? -1 : 0;
      if (remove_entry(dirfd(dir), here, child, kind, why) != 0) {
        result = -1;
        break;
      }
      errno = 0;
    }
    if (result == 0 && errno != 0) result = fail(why, errno, shown, name);
    if (result == 0) {
      if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT) break;
      if (errno != ENOTEMPTY || pass == 1) result = fail(why, errno, shown, name);
      else rewinddir(dir);
    }
  }
  closedir(dir);
  return result;
}

/* removeSync(path): removes what is at `path` (a file, a symlink, or a directory with all it
 * holds, symlinks removed and never followed); nothing there is no error, as fs.rmSync with
 * recursive and force. Throws a system error naming the path that could not be removed. */
static napi_value js_remove_sync(napi_env env, napi_callback_info info) {
  char path[PATH_MAX];
  size_t len = 0;
  if (!string_argument(env, info, path, sizeof path, &len, "expected a path")) return NULL;
  while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
  /* The last component is removed relative to its parent, which is resolved as given. */
  char *slash = strrchr(path, '/');
  const char *parent = slash == NULL ? "." : slash == path ? "/" : path;
  const char *name = slash == NULL ? path : slash + 1;
  if (slash != NULL && slash != path) *slash = '\0';
  failure why = {0};
  int dirfd = openat(AT_FDCWD, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    if (errno == ENOENT) return NULL;
    return throw_system_error(env, errno, strerror(errno), "rm", parent);
  }
  int result = name[0] == '\0' ? fail(&why, EINVAL, parent, name) : remove_entry(dirfd, parent, name, -1, &why);
  close(dirfd);
  if (result != 0) return throw_system_error(env, why.err, strerror(why.err), "rm", why.path);
  return NULL;
}

napi_value berth_init_tree(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    ADDON_METHOD("removeSync", js_remove_sync),
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
