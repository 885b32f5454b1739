// Reads a whole file into a JavaScript string without copying it onto the V8
// heap: an all-ASCII file (the store's JSON records nearly always are) becomes
// an external Latin-1 string over the bytes read, which V8 frees with the
// string. A 3 MB containers.json is then read, checked and handed to
// JSON.parse without Node's Buffer, its Latin-1 copy and the garbage of both.
// Built with NAPI_EXPERIMENTAL for node_api_create_external_string_latin1
// (Node 20.4+), so it is an addon of its own: the others stay on NAPI 8.
#define NAPI_EXPERIMENTAL
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>
#include "napi-util.h"
#include "parts.h"

#define PATH_BUF 4352

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  char text[PATH_BUF + 128];
  snprintf(text, sizeof text, "%s, %s '%s'", strerror(err), syscall, path);
  return throw_system_error(env, err, text, syscall, path);
}

// Files this large are read into an anonymous mapping made with MAP_POPULATE:
// one call maps every page, where malloc's fresh pages fault in one by one as
// read() fills them (5 of the 16 ms a 3 MB containers.json took here).
#define MAPPED_FROM 65536

// From this size on, the mapping is made of transparent huge pages where the
// kernel allows them (THP "madvise" mode, as on this machine's kind). On this
// VM every 4 KiB page is expensive to touch: a 3.3 MB containers.json took
// 4.6 ms to read() and 3.5 ms to scan for non-ASCII bytes in 4 KiB pages, and
// 0.4 and 0.13 ms in 2 MiB ones.
#define HUGE_FROM (256 << 10)
#define HUGE_PAGE (2 << 20)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

struct text {
  char *bytes;
  size_t length;
  // The mapping's size, or 0 when the bytes come from malloc.
  size_t mapped;
};

// A mapping of `*size` bytes (rounded up to huge pages) aligned to a huge
// page, advised to use them and populated; MAP_FAILED if that cannot be had.
static void *map_huge(size_t *size) {
  size_t length = (*size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
  char *reserved = mmap(NULL, length + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved == MAP_FAILED) return MAP_FAILED;
  char *aligned = (char *)(((uintptr_t)reserved + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (aligned > reserved) munmap(reserved, (size_t)(aligned - reserved));
  size_t tail = (size_t)(reserved + length + HUGE_PAGE - (aligned + length));
  if (tail) munmap(aligned + length, tail);
  // Without huge pages (THP off, no populate before Linux 5.14) this is still a good mapping:
  // the pages then fault in as read() fills them.
  madvise(aligned, length, MADV_HUGEPAGE);
  madvise(aligned, length, MADV_POPULATE_WRITE);
  *size = length;
  return aligned;
}

static bool text_reserve(struct text *text, size_t capacity) {
  if (text->mapped == 0 && capacity < MAPPED_FROM) {
    char *bigger = realloc(text->bytes, capacity);
    if (!bigger) return false;
    text->bytes = bigger;
    return true;
  }
  void *area;
  if (text->mapped) {
    area = mremap(text->bytes, text->mapped, capacity, MREMAP_MAYMOVE);
  } else if (capacity >= HUGE_FROM) {
    area = map_huge(&capacity);
  } else {
    area = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  }
  if (area == MAP_FAILED) return false;
  if (!text->mapped && text->length) memcpy(area, text->bytes, text->length);
  if (!text->mapped) free(text->bytes);
  text->bytes = area;
  text->mapped = capacity;
  return true;
}

static void text_free(char *bytes, size_t mapped) {
  if (mapped) munmap(bytes, mapped);
  else free(bytes);
}

static void free_text(node_api_basic_env env, void *data, void *hint) {
  (void)env;
  text_free(data, (size_t)(uintptr_t)hint);
}

// Eight bytes at a time: a byte above 0x7f anywhere sets a high bit in the OR.
static bool all_ascii(const unsigned char *bytes, size_t length) {
  uint64_t seen = 0;
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    memcpy(&word, bytes + i, 8);
    seen |= word;
  }
  for (; i < length; i++) seen |= bytes[i];
  return (seen & 0x8080808080808080ULL) == 0;
}

// Reads what the file holds now (it may grow or shrink while it is read: the
// store's files are replaced by rename, never rewritten in place). Returns an
// errno, or 0 with `text` filled.
static int read_all(int fd, struct text *text) {
  struct stat st;
  if (fstat(fd, &st) < 0) return errno;
  // One byte more than the size, so that the read that finds the end needs no growth.
  size_t capacity = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
  *text = (struct text){NULL, 0, 0};
  if (!text_reserve(text, capacity)) return ENOMEM;
  // A mapping may be larger than asked (whole huge pages): all of it is usable.
  if (text->mapped) capacity = text->mapped;
  for (;;) {
    if (text->length == capacity) {
      capacity *= 2;
      if (!text_reserve(text, capacity)) {
        text_free(text->bytes, text->mapped);
        return ENOMEM;
      }
      if (text->mapped) capacity = text->mapped;
    }
    ssize_t got = read(fd, text->bytes + text->length, capacity - text->length);
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      text_free(text->bytes, text->mapped);
      return err;
    }
    if (got == 0) return 0;
    text->length += (size_t)got;
  }
}

// The whole file named by the call's first argument, read into `text`; false
// with a JavaScript exception pending when it cannot be read.
static bool read_argument_file(napi_env env, napi_callback_info info, const char *usage, struct text *text) {
  size_t argc = 1;
  napi_value argv[1];
  char path[PATH_BUF];
  size_t path_length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return false;
  }
  if (path_length >= sizeof path - 1) {
    throw_errno(env, ENAMETOOLONG, "open", path);
    return false;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, errno, "open", path);
    return false;
  }
  int err = read_all(fd, text);
  close(fd);
  if (err) {
    throw_errno(env, err, "read", path);
    return false;
  }
  return true;
}

// readAscii(path): the file's text when every byte is ASCII, else null (the
// caller decodes it as UTF-8 itself); throws Node-style errors (ENOENT, …).
static napi_value read_ascii(napi_env env, napi_callback_info info) {
  struct text text;
  if (!read_argument_file(env, info, "readAscii(path): path must be a string", &text)) return NULL;
  napi_value result;
  if (!all_ascii((const unsigned char *)text.bytes, text.length)) {
    text_free(text.bytes, text.mapped);
    napi_get_null(env, &result);
    return result;
  }
  bool copied = false;
  if (node_api_create_external_string_latin1(env, text.bytes, text.length, free_text, (void *)(uintptr_t)text.mapped, &result, &copied) != napi_ok) {
    text_free(text.bytes, text.mapped);
    napi_throw_error(env, NULL, "readAscii: V8 refused the string");
    return NULL;
  }
  // V8 copies short strings onto its heap and leaves the bytes to us.
  if (copied) text_free(text.bytes, text.mapped);
  return result;
}

// readBytes(path): the file's bytes as a Buffer over the memory they were read
// into (no copy); throws Node-style errors.
static napi_value read_bytes(napi_env env, napi_callback_info info) {
  struct text text;
  if (!read_argument_file(env, info, "readBytes(path): path must be a string", &text)) return NULL;
  napi_value result;
  if (napi_create_external_buffer(env, text.length, text.bytes, free_text, (void *)(uintptr_t)text.mapped, &result) != napi_ok) {
    text_free(text.bytes, text.mapped);
    napi_throw_error(env, NULL, "readBytes: V8 refused the buffer");
    return NULL;
  }
  return result;
}

// Single huge-page mappings of garbage Buffers (readChunk's, hugeBuffer's), kept for the next
// ones instead of unmapped: a fresh mapping is zeroed by the kernel as it is populated, and a
// 178 MB layer read in 2 MiB chunks zeroed 89 of them. Reusing them cut ~0.07-0.1 s of CPU and
// ~0.03 s of wall time from the applydiff bench's uncompressed apply (12 runs each, two A/B
// rounds). A Buffer over a reused mapping spans only the bytes read into it, never older ones.
// At most RECYCLED_MAX are kept (16 MiB): 16 did no better than 8 here.
#define RECYCLED_MAX 8
static char *recycled[RECYCLED_MAX];
static int recycled_count;
static pthread_mutex_t recycled_lock = PTHREAD_MUTEX_INITIALIZER;

// A kept mapping of HUGE_PAGE bytes, or NULL.
static char *reused_huge_page(void) {
  pthread_mutex_lock(&recycled_lock);
  char *area = recycled_count ? recycled[--recycled_count] : NULL;
  pthread_mutex_unlock(&recycled_lock);
  return area;
}

// A mapping of `*size` bytes as map_huge makes it, a kept one when it fits one huge page.
static void *map_chunk(size_t *size) {
  if (*size <= HUGE_PAGE) {
    char *area = reused_huge_page();
    if (area) {
      *size = HUGE_PAGE;
      return area;
    }
  }
  return map_huge(size);
}

// Keeps a garbage mapping of one huge page while there is room; unmaps it otherwise.
static void release_chunk(char *area, size_t mapped) {
  if (mapped == HUGE_PAGE) {
    pthread_mutex_lock(&recycled_lock);
    bool kept = recycled_count < RECYCLED_MAX;
    if (kept) recycled[recycled_count++] = area;
    pthread_mutex_unlock(&recycled_lock);
    if (kept) return;
  }
  munmap(area, mapped);
}

// readChunk(fd, position, length): Promise<Buffer>. On the libuv threadpool,
// reads up to `length` bytes at `position` (fewer only at the end of the file)
// into a huge-page mapping (a kept one when there is one) and resolves with a
// Buffer over them, which the mapping is released with. A layer file read by fs.createReadStream went into
// fresh malloc'd 1 MiB buffers: ~11,000 page faults per 178 MB here, 0.13 s of
// CPU, where huge pages take one fault per 2 MiB.
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  int64_t position;
  size_t length, got, mapped;
  char *bytes;
  int err;
} chunk_read;

static void chunk_read_execute(napi_env env, void *data) {
  (void)env;
  chunk_read *job = data;
  size_t size = job->length;
  char *area = map_chunk(&size);
  if (area == MAP_FAILED) {
    job->err = ENOMEM;
    return;
  }
  job->bytes = area, job->mapped = size;
  while (job->got < job->length) {
    ssize_t n = pread(job->fd, area + job->got, job->length - job->got, job->position + (int64_t)job->got);
    if (n < 0) {
      if (errno == EINTR) continue;
      job->err = errno;
      return;
    }
    if (n == 0) break;
    job->got += (size_t)n;
  }
}

static void free_chunk(node_api_basic_env env, void *data, void *hint) {
  size_t mapped = (size_t)(uintptr_t)hint;
  release_chunk(data, mapped);
  napi_adjust_external_memory(env, -(int64_t)mapped, NULL);
}

// A Buffer of `length` bytes over the mapping `area` of `mapped` bytes, released with it. V8
// learns of the mapping, so that garbage buffers are collected in time. On failure the mapping
// is released and false returned.
static bool mapping_buffer(napi_env env, char *area, size_t length, size_t mapped, napi_value *result) {
  if (napi_create_external_buffer(env, length, area, free_chunk, (void *)(uintptr_t)mapped, result) != napi_ok) {
    release_chunk(area, mapped);
    return false;
  }
  napi_adjust_external_memory(env, (int64_t)mapped, NULL);
  return true;
}

static void chunk_read_complete(napi_env env, napi_status status, void *data) {
  chunk_read *job = data;
  napi_value result;
  if (status != napi_ok && !job->err) job->err = ECANCELED;
  if (job->err && job->bytes) release_chunk(job->bytes, job->mapped);
  if (!job->err && !mapping_buffer(env, job->bytes, job->got, job->mapped, &result)) job->err = ENOMEM;
  if (job->err) {
    char text[128];
    snprintf(text, sizeof text, "%s, read", strerror(job->err));
    throw_system_error(env, job->err, text, "read", NULL);
    napi_get_and_clear_last_exception(env, &result);
    napi_reject_deferred(env, job->deferred, result);
  } else {
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

#define CHUNK_MAX (64 << 20)

static napi_value read_chunk(napi_env env, napi_callback_info info) {
  static const char usage[] = "readChunk(fd: number, position: number, length: number): length from 1 to 64 MiB";
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  int64_t position = -1, length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &position) != napi_ok
      || napi_get_value_int64(env, argv[2], &length) != napi_ok || fd < 0 || position < 0 || length < 1 || length > CHUNK_MAX) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  chunk_read *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, NULL, "readChunk: out of memory");
    return NULL;
  }
  job->fd = fd, job->position = position, job->length = (size_t)length;
  return queue_promised_work(env, "berth:readChunk", chunk_read_execute, chunk_read_complete, job, &job->work, &job->deferred);
}

// hugeBuffer(length): a Buffer over a populated huge-page mapping (a kept one when it
// fits) of at least `length` bytes (whole huge pages: the Buffer spans the mapping),
// released with the Buffer. For output that is written once and handed out in slices (zstd's), where a
// fresh malloc'd buffer's pages each fault as they are first written.
static napi_value huge_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int64_t length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int64(env, argv[0], &length) != napi_ok || length < 1 || length > CHUNK_MAX) {
    napi_throw_type_error(env, NULL, "hugeBuffer(length: number): length from 1 to 64 MiB");
    return NULL;
  }
  size_t size = (size_t)length;
  char *area = map_chunk(&size);
  if (area == MAP_FAILED) return throw_errno(env, errno, "mmap", "");
  if (!mapping_buffer(env, area, size, size, &result)) {
    napi_throw_error(env, NULL, "hugeBuffer: V8 refused the buffer");
    return NULL;
  }
  return result;
}

napi_value berth_init_textfile(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    ADDON_METHOD("readAscii", read_ascii), ADDON_METHOD("readBytes", read_bytes), ADDON_METHOD("readChunk", read_chunk),
    ADDON_METHOD("hugeBuffer", huge_buffer),
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
