// Linux open-file-description (OFD) record locks on a whole file for Berth's lock module.
// OFD locks conflict with the classic POSIX fcntl locks containers/storage takes, but unlike
// them belong to one open file description, so closing another fd of the file never drops them.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include "napi-util.h"
#include "parts.h"

#define TOKEN_SIZE 64

// Lock errors carry strerror's text only: LockError adds the operation and the path.
static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  return throw_system_error(env, err, strerror(err), syscall, NULL);
}

static napi_value make_error(napi_env env, int err, const char *syscall) {
  napi_value exception;
  throw_errno(env, err, syscall);
  napi_get_and_clear_last_exception(env, &exception);
  return exception;
}

// Reads up to `max` JS arguments; missing ones stay undefined.
static void get_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv) {
  size_t argc = max;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
}

static int arg_int(napi_env env, napi_value v) {
  int32_t n = -1;
  napi_get_value_int32(env, v, &n);
  return n;
}

static int arg_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

// kind is the string "read" or "write"; anything else is a programming error.
static int arg_lock_type(napi_env env, napi_value v) {
  char kind[8] = {0};
  size_t len = 0;
  napi_get_value_string_utf8(env, v, kind, sizeof kind, &len);
  if (strcmp(kind, "read") == 0) return F_RDLCK;
  if (strcmp(kind, "write") == 0) return F_WRLCK;
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "lock kind must be \"read\" or \"write\"");
  return -1;
}

// One fcntl call on the whole file (start 0, length 0 = to EOF and beyond), as Go does.
static int whole_file_lock(int fd, int cmd, int type) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  fl.l_pid = 0;  // must be 0 for OFD locks
  int rc;
  do rc = fcntl(fd, cmd, &fl); while (rc < 0 && errno == EINTR);
  return rc < 0 ? errno : 0;
}

// open(path, readOnly) -> fd. Go opens read-only lock files O_RDONLY|O_CREAT too.
static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  char path[4096];
  size_t len = 0;
  get_args(env, info, 2, argv);
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "path must be a string shorter than 4095 bytes");
    return NULL;
  }
  int flags = (arg_bool(env, argv[1]) ? O_RDONLY : O_RDWR) | O_CREAT | O_CLOEXEC;
  int fd;
  do fd = open(path, flags, 0644); while (fd < 0 && errno == EINTR);
  if (fd < 0) return throw_errno(env, errno, "open");
  napi_create_int32(env, fd, &result);
  return result;
}

// tryLock(fd, kind) -> boolean: false when another open file description holds a conflicting lock.
static napi_value js_try_lock(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  get_args(env, info, 2, argv);
  int type = arg_lock_type(env, argv[1]);
  if (type < 0) return NULL;
  int err = whole_file_lock(arg_int(env, argv[0]), F_OFD_SETLK, type);
  if (err == EAGAIN || err == EACCES) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  if (err) return throw_errno(env, err, "fcntl(F_OFD_SETLK)");
  napi_get_boolean(env, true, &result);
  return result;
}

// lockAsync(fd, kind) -> Promise<void>: F_OFD_SETLKW on a thread of its own.
// Not on the libuv threadpool: a wait may last as long as another process holds
// the lock, and a few such waits would take every pool thread (4 by default)
// from fs, zlib and crypto work in this process, which may be what the other
// process waits for. A wait happens only after tryLock found the lock busy.
typedef struct {
  int fd, type, err;
  napi_deferred deferred;
  napi_threadsafe_function done;
} lock_job;

static void *lock_thread(void *data) {
  lock_job *job = data;
  // Copied first: once called, lock_settle may free the job on the JS thread.
  napi_threadsafe_function done = job->done;
  job->err = whole_file_lock(job->fd, F_OFD_SETLKW, job->type);
  // napi_closing: the environment is going away and nobody will settle the job.
  if (napi_call_threadsafe_function(done, job, napi_tsfn_blocking) != napi_ok) free(job);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

// On the JS thread: settles the promise. env is NULL when the environment is going away.
static void lock_settle(napi_env env, napi_value callback, void *context, void *data) {
  (void)callback;
  (void)context;
  lock_job *job = data;
  if (env != NULL) {
    napi_value value;
    if (job->err == 0) {
      napi_get_undefined(env, &value);
      napi_resolve_deferred(env, job->deferred, value);
    } else {
      napi_reject_deferred(env, job->deferred, make_error(env, job->err, "fcntl(F_OFD_SETLKW)"));
    }
  }
  free(job);
}

static napi_value js_lock_async(napi_env env, napi_callback_info info) {
  napi_value argv[2], promise, name;
  get_args(env, info, 2, argv);
  int type = arg_lock_type(env, argv[1]);
  if (type < 0) return NULL;
  lock_job *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, ENOMEM, "lockAsync");
  job->fd = arg_int(env, argv[0]);
  job->type = type;
  napi_create_string_utf8(env, "ofdlock.lockAsync", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, lock_settle, &job->done) != napi_ok) {
    free(job);
    return throw_errno(env, ENOMEM, "lockAsync");
  }
  napi_create_promise(env, &job->deferred, &promise);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, lock_thread, job);
  pthread_attr_destroy(&attr);
  if (err) {
    // No thread took the job: settle it here; lock_settle frees it.
    job->err = err;
    napi_release_threadsafe_function(job->done, napi_tsfn_release);
    lock_settle(env, NULL, NULL, job);
  }
  return promise;
}

// unlock(fd): F_UNLCK releases this open file description's lock only.
static napi_value js_unlock(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  int err = whole_file_lock(arg_int(env, argv[0]), F_OFD_SETLK, F_UNLCK);
  if (err) return throw_errno(env, err, "fcntl(F_UNLCK)");
  return NULL;
}

// pwrite64(fd, buffer): the token goes to offset 0 with no truncate and no fsync, as Go writes it.
static napi_value js_pwrite64(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  void *data = NULL;
  size_t len = 0;
  get_args(env, info, 2, argv);
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || len != TOKEN_SIZE) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "token must be a 64-byte Buffer");
    return NULL;
  }
  ssize_t n;
  do n = pwrite(arg_int(env, argv[0]), data, len, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "pwrite");
  if ((size_t)n != len) return throw_errno(env, EIO, "pwrite");
  return NULL;
}

// pread64(fd) -> Buffer of the first 0..64 bytes; a short file is a valid state.
static napi_value js_pread64(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char data[TOKEN_SIZE];
  void *out = NULL;
  get_args(env, info, 1, argv);
  ssize_t n;
  do n = pread(arg_int(env, argv[0]), data, sizeof data, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "pread");
  napi_create_buffer_copy(env, (size_t)n, data, &out, &result);
  return result;
}

// nowNanos() -> bigint: CLOCK_REALTIME in nanoseconds, Go's time.Now().UnixNano().
static napi_value js_now_nanos(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  napi_create_bigint_uint64(env, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, &result);
  return result;
}

napi_value berth_init_ofdlock(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    ADDON_METHOD("open", js_open),
    ADDON_METHOD("tryLock", js_try_lock),
    ADDON_METHOD("lockAsync", js_lock_async),
    ADDON_METHOD("unlock", js_unlock),
    ADDON_METHOD("pwrite64", js_pwrite64),
    ADDON_METHOD("pread64", js_pread64),
    ADDON_METHOD("nowNanos", js_now_nanos),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
