/* Process creation with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) for the short-lived
 * helpers Berth starts on every `run`: conmon, `crun start`, `crun delete`. Node's
 * child_process forks, and the fork of a ~100 MB Node process blocks the caller for 5-10 ms
 * here per child; posix_spawn shares the memory until the exec, so it costs what the exec costs.
 * Also pipe2(O_CLOEXEC) for the child's pipes, memfd_create for output read after the child's
 * exit and for sealed copies of a runtime binary, and a non-blocking waitpid for the caller's
 * SIGCHLD handler (libuv reaps only the children it started itself); a wait for a pipe to
 * become readable on the event loop itself; and the CLI's exit (exitNow). */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>
#include "napi-util.h"
#include "parts.h"

/* A JS array of strings as a NULL-terminated, malloc'd vector; NULL (with a TypeError thrown) on a bad element. */
static char **string_vector(napi_env env, napi_value array, const char *what) {
  uint32_t count = 0;
  if (napi_get_array_length(env, array, &count) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char **vector = calloc(count + 1, sizeof *vector);
  if (!vector) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    size_t len = 0;
    napi_get_element(env, array, i, &item);
    if (napi_get_value_string_utf8(env, item, NULL, 0, &len) != napi_ok) {
      for (uint32_t j = 0; j < i; j++) free(vector[j]);
      free(vector);
      napi_throw_type_error(env, NULL, what);
      return NULL;
    }
    vector[i] = malloc(len + 1);
    napi_get_value_string_utf8(env, item, vector[i], len + 1, &len);
  }
  return vector;
}

static void free_vector(char **vector) {
  if (!vector) return;
  for (char **p = vector; *p; p++) free(*p);
  free(vector);
}

/* spawn(file, args, env, cwd | null, fds, newSession) -> pid. fds[i] is the parent's fd that
 * becomes the child's fd i, or -1 for /dev/null. The child starts with every signal at its
 * default and none blocked (Node ignores SIGPIPE; a runtime must not inherit that), in a new
 * session when asked (conmon outlives us). A file without a slash is looked up in PATH. */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, args, env, cwd, fds, newSession)");
    return NULL;
  }
  char file[4096], cwd[4096];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], file, sizeof file, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, NULL, "expected a file to run");
    return NULL;
  }
  napi_valuetype cwd_type;
  napi_typeof(env, argv[3], &cwd_type);
  int has_cwd = cwd_type == napi_string;
  if (has_cwd) napi_get_value_string_utf8(env, argv[3], cwd, sizeof cwd, &len);
  bool new_session = false;
  napi_get_value_bool(env, argv[5], &new_session);
  uint32_t fd_count = 0;
  napi_get_array_length(env, argv[4], &fd_count);
  if (fd_count > 64) {
    napi_throw_range_error(env, NULL, "at most 64 child fds");
    return NULL;
  }

  char **args = string_vector(env, argv[1], "args must be strings");
  char **envp = args ? string_vector(env, argv[2], "env must be strings") : NULL;
  if (!args || !envp) {
    free_vector(args);
    return NULL;
  }

  /* Each source fd is first copied above every child fd number, so that dup2(source, i) never
   * overwrites a source a later dup2 still needs (child fd 3 <- 4 and 4 <- 3). */
  int sources[64];
  int err = 0;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  uint32_t copied = 0;
  for (; copied < fd_count; copied++) {
    napi_value item;
    int32_t fd = -1;
    napi_get_element(env, argv[4], copied, &item);
    napi_get_value_int32(env, item, &fd);
    if (fd < 0) {
      sources[copied] = -1;
      err = posix_spawn_file_actions_addopen(&actions, (int)copied, "/dev/null", copied == 0 ? O_RDONLY : O_WRONLY, 0);
    } else {
      sources[copied] = fcntl(fd, F_DUPFD_CLOEXEC, (int)fd_count);
      if (sources[copied] < 0) err = errno;
      else err = posix_spawn_file_actions_adddup2(&actions, sources[copied], (int)copied);
    }
    if (err) {
      copied++;
      break;
    }
  }
  if (!err && has_cwd) err = posix_spawn_file_actions_addchdir_np(&actions, cwd);

  sigset_t all, none;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  /* sigfillset leaves out glibc's internal signals (32, 33: SIGCANCEL, SIGSETXID), and for those
   * posix_spawn's child then sets SIG_IGN, which the exec keeps: programs that do not install
   * their own handler (and what they start) would ignore them. libuv's children start with them
   * at SIG_DFL; set their bits by hand so that ours do too. */
  for (int sig = 32; sig < SIGRTMIN; sig++) all.__val[(sig - 1) / (8 * sizeof all.__val[0])] |= 1UL << ((sig - 1) % (8 * sizeof all.__val[0]));
  sigemptyset(&none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (new_session ? POSIX_SPAWN_SETSID : 0);
  if (!err) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (!err) err = posix_spawnattr_setsigmask(&attr, &none);
  if (!err) err = posix_spawnattr_setflags(&attr, flags);

  pid_t pid = -1;
  if (!err) {
    err = strchr(file, '/') ? posix_spawn(&pid, file, &actions, &attr, args, envp)
                            : posix_spawnp(&pid, file, &actions, &attr, args, envp);
  }
  for (uint32_t i = 0; i < copied; i++) {
    if (sources[i] >= 0) close(sources[i]);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  free_vector(args);
  free_vector(envp);
  if (err) return throw_system_error(env, err, strerror(err), "posix_spawn", file);
  napi_value result;
  napi_create_int32(env, pid, &result);
  return result;
}

/* pipe() -> [readFd, writeFd], both close-on-exec (the child gets its end through dup2). */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_system_error(env, errno, strerror(errno), "pipe2", NULL);
  napi_value result, value;
  napi_create_array_with_length(env, 2, &result);
  for (uint32_t i = 0; i < 2; i++) {
    napi_create_int32(env, fds[i], &value);
    napi_set_element(env, result, i, value);
  }
  return result;
}

/* MFD_EXEC (Linux 6.3+): an executable memfd even where vm.memfd_noexec makes memfds
 * non-executable by default; older kernels refuse the unknown flag, and there every memfd is
 * executable anyway. glibc 2.36 does not define it yet. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* The call's first argument in *value; false (nothing thrown yet) when there is none. */
static bool first_argument(napi_env env, napi_callback_info info, napi_value *value) {
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, value, NULL, NULL);
  return argc >= 1;
}

/* memfd() -> fd of an anonymous in-memory file, close-on-exec: a child's output that is read once
 * the child has exited, with no pipe to drain meanwhile and no name to clean up. */
static napi_value js_memfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = memfd_create("berth-output", MFD_CLOEXEC);
  if (fd < 0) return throw_system_error(env, errno, strerror(errno), "memfd_create", NULL);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* sealedCopy(path) -> fd of a close-on-exec memfd holding the file's bytes, sealed against any
 * change (write, grow, shrink, further seals). crun re-executes itself from such a copy at every
 * start unless it already runs from one (its CVE-2019-5736 defence, as runc's cloned_binary):
 * started from this fd (/proc/self/fd/N), it runs once instead of twice. ELF binaries only
 * (ENOEXEC otherwise): the interpreter of a script finds /proc/self/fd/N closed by the exec. */
static napi_value js_sealed_copy(napi_env env, napi_callback_info info) {
  char path[4096];
  size_t len = 0;
  if (!string_argument(env, info, path, sizeof path, &len, "expected a path")) return NULL;
  int source = open(path, O_RDONLY | O_CLOEXEC);
  if (source < 0) return throw_system_error(env, errno, strerror(errno), "open", path);
  struct stat st;
  char magic[4];
  int copy = -1, err = 0;
  if (fstat(source, &st) < 0) err = errno;
  if (!err && (pread(source, magic, sizeof magic, 0) != (ssize_t)sizeof magic || memcmp(magic, "\177ELF", 4) != 0)) err = ENOEXEC;
  if (!err) {
    copy = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (copy < 0 && errno == EINVAL) copy = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0) err = errno;
  }
  for (off_t offset = 0; !err && offset < st.st_size;) {
    ssize_t sent = sendfile(copy, source, &offset, (size_t)(st.st_size - offset));
    if (sent < 0 && errno != EINTR) err = errno;
    else if (sent == 0) err = EIO; /* the file shrank while it was copied */
  }
  if (!err && fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) err = errno;
  close(source);
  if (err) {
    if (copy >= 0) close(copy);
    return throw_system_error(env, err, strerror(err), "sealed copy", path);
  }
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

/* reap(pid) -> null while it runs, else {code, signal} (one of them null), the child reaped. */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  napi_value arg;
  int32_t pid = 0;
  if (!first_argument(env, info, &arg) || napi_get_value_int32(env, arg, &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "expected a pid");
    return NULL;
  }
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid, &status, WNOHANG);
  } while (done < 0 && errno == EINTR);
  napi_value result, code, signal;
  if (done < 0) return throw_system_error(env, errno, strerror(errno), "waitpid", NULL);
  if (done == 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_object(env, &result);
  napi_get_null(env, &code);
  napi_get_null(env, &signal);
  if (WIFEXITED(status)) napi_create_int32(env, WEXITSTATUS(status), &code);
  else napi_create_int32(env, WTERMSIG(status), &signal);
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "signal", signal);
  return result;
}

/* The stack of the keeper (see exitNow): a few calls deep. */
static char keeper_stack[16384] __attribute__((aligned(64)));

/* The keeper, a process sharing the caller's memory: drops its copy of every fd
 * at once (a pipe the caller wrote to then ends with the caller, and no lock is
 * held on its behalf), waits for the caller's death, and exits. Raw syscalls
 * only: it runs on the caller's memory and thread pointer. */
static int keeper(void *caller) {
  syscall(SYS_close_range, 0U, ~0U, 0U);
  syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (syscall(SYS_getppid) == (long)(intptr_t)caller) syscall(SYS_pause);
  syscall(SYS_exit, 0);
  return 0;
}

/*
 * exitNow(code): ends this process at once with `code` (_exit), as a Go
 * program ends: no exit handlers, no joining of Node's platform threads, no
 * library destructors. For a CLI whose work is done and whose output is
 * written; ~1-2 ms of every command here.
 *
 * The kernel unmaps a dying process's memory before it tells the parent
 * (exit_mm comes before exit_notify), and on this kind of VM, where page
 * table changes are costly, that took ~3-5 ms of every Berth command's
 * ~50 MB. So the process hands its memory to a keeper first (clone with
 * CLONE_VM: the memory is then unmapped when the last of them exits): the
 * parent hears of the exit without that wait, and the keeper, killed at the
 * caller's death (PR_SET_PDEATHSIG), unmaps it afterwards, reaped by init.
 * Without a keeper (clone refused) the process exits as before.
 */
static napi_value js_exit_now(napi_env env, napi_callback_info info) {
  napi_value arg;
  int32_t code = 0;
  if (!first_argument(env, info, &arg) || napi_get_value_int32(env, arg, &code) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an exit code");
    return NULL;
  }
  clone(keeper, keeper_stack + sizeof keeper_stack, CLONE_VM | SIGCHLD, (void *)(intptr_t)getpid());
  _exit(code & 0xff);
}

/* A wait for an fd to become readable, on libuv's loop (epoll): handle first, so a
 * uv_poll_t pointer is the job's. */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_deferred deferred;
  napi_async_context context;
  napi_ref resource;
} readable_job;

static void readable_closed(uv_handle_t *handle) {
  free(handle);
}

/* Settles the promise inside a callback scope, whose close runs the microtasks it queued. */
static void readable_settle(uv_poll_t *handle, int status, int events) {
  (void)events;
  readable_job *job = (readable_job *)handle;
  uv_poll_stop(handle);
  napi_env env = job->env;
  napi_handle_scope handles;
  napi_open_handle_scope(env, &handles);
  napi_value resource, value;
  napi_get_reference_value(env, job->resource, &resource);
  napi_callback_scope scope;
  napi_open_callback_scope(env, resource, job->context, &scope);
  if (status < 0) {
    napi_value code, message;
    napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &value);
    napi_reject_deferred(env, job->deferred, value);
  } else {
    napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_close_callback_scope(env, scope);
  napi_async_destroy(env, job->context);
  napi_delete_reference(env, job->resource);
  napi_close_handle_scope(env, handles);
  uv_close((uv_handle_t *)handle, readable_closed);
}

/* readable(fd) -> Promise<void>: settles once a read of the fd (a pipe) would not block, as it
 * would at its end or on an error. On the event loop, not the threadpool: the first threadpool
 * job of a process starts its threads and waits for each (1.3-5 ms here), on `berth run`'s way
 * to its container. The fd stays open and is watched until then: the caller closes it after. */
static napi_value js_readable(napi_env env, napi_callback_info info) {
  napi_value arg, promise, name, resource;
  int32_t fd = -1;
  if (!first_argument(env, info, &arg) || napi_get_value_int32(env, arg, &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "expected an fd");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_system_error(env, EINVAL, "no event loop", "readable", NULL);
  readable_job *job = calloc(1, sizeof *job);
  if (!job) return throw_system_error(env, ENOMEM, strerror(ENOMEM), "readable", NULL);
  int err = uv_poll_init(loop, &job->handle, fd);
  if (err < 0) {
    free(job);
    return throw_system_error(env, -err, uv_strerror(err), "uv_poll_init", NULL);
  }
  err = uv_poll_start(&job->handle, UV_READABLE, readable_settle);
  if (err < 0) {
    uv_close((uv_handle_t *)&job->handle, readable_closed);
    return throw_system_error(env, -err, uv_strerror(err), "uv_poll_start", NULL);
  }
  job->env = env;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &job->resource);
  napi_create_string_utf8(env, "spawn.readable", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &job->context);
  napi_create_promise(env, &job->deferred, &promise);
  return promise;
}

napi_value berth_init_spawn(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    ADDON_METHOD("spawn", js_spawn),
    ADDON_METHOD("pipe", js_pipe),
    ADDON_METHOD("memfd", js_memfd),
    ADDON_METHOD("sealedCopy", js_sealed_copy),
    ADDON_METHOD("reap", js_reap),
    ADDON_METHOD("readable", js_readable),
    ADDON_METHOD("exitNow", js_exit_now),
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
