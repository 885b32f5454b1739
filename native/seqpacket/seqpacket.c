/* connect(2) to an AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket): Node's net module
 * opens only stream sockets, and `new net.Socket({fd})` refuses a seqpacket fd. The fd is
 * returned to JS, which reads and writes it with fs.read/fs.write (one packet per call). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "napi-util.h"
#include "parts.h"

#define PATH_MAX_LEN 4096

/* connectSeqpacket(path) -> fd. A path longer than sun_path (108 bytes) is reached through
 * /proc/self/fd/<dir fd>/<name>, as conmon binds it, so the socket's directory may be deep. */
static napi_value js_connect_seqpacket(napi_env env, napi_callback_info info) {
  char path[PATH_MAX_LEN];
  size_t len = 0;
  if (!string_argument(env, info, path, sizeof path, &len, "expected a socket path")) return NULL;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int dirfd = -1;
  if (len < sizeof addr.sun_path) {
    memcpy(addr.sun_path, path, len + 1);
  } else {
    char dir[PATH_MAX_LEN], base[PATH_MAX_LEN];
    memcpy(dir, path, len + 1);
    memcpy(base, path, len + 1);
    dirfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return throw_system_error(env, errno, strerror(errno), "open", path);
    if (snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, basename(base)) >= (int)sizeof addr.sun_path) {
      close(dirfd);
      return throw_system_error(env, ENAMETOOLONG, "socket name too long", "connect", path);
    }
  }
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    if (dirfd >= 0) close(dirfd);
    return throw_system_error(env, err, strerror(err), "socket", path);
  }
  int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  int err = errno;
  if (dirfd >= 0) close(dirfd);
  if (rc < 0) {
    close(fd);
    char msg[PATH_MAX_LEN + 64];
    snprintf(msg, sizeof msg, "connect: %s '%s'", strerror(err), path);
    return throw_system_error(env, err, msg, "connect", path);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value shutdown_fd(napi_env env, napi_callback_info info, int how) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  if (shutdown(fd, how) < 0) return throw_system_error(env, errno, strerror(errno), "shutdown", NULL);
  return NULL;
}

/* shutdownWrite(fd): half-close, so conmon sees the end of the client's input. */
static napi_value js_shutdown_write(napi_env env, napi_callback_info info) {
  return shutdown_fd(env, info, SHUT_WR);
}

/*
 * shutdownRead(fd): wakes a read blocked on the socket (it returns 0) without
 * telling conmon that the client's input ended, as a detach needs; closing the
 * fd alone would leave that read, and the process, waiting.
 */
static napi_value js_shutdown_read(napi_env env, napi_callback_info info) {
  return shutdown_fd(env, info, SHUT_RD);
}

napi_value berth_init_seqpacket(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      ADDON_METHOD("connectSeqpacket", js_connect_seqpacket),
      ADDON_METHOD("shutdownWrite", js_shutdown_write),
      ADDON_METHOD("shutdownRead", js_shutdown_read),
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
