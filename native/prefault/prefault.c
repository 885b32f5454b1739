// Fills V8's heap pages in one call each instead of one page fault per 4 KiB.
//
// On this project's kind of VM a page fault on a fresh anonymous page costs
// ~10 us (the hypervisor backs each page as it is first touched), where
// madvise(MADV_POPULATE_WRITE) maps a whole range for ~1 us a page. A CLI
// start touches ~1,200 such pages after Node's own start, nearly all of them
// in V8's heap: the code cache deserialised into old space, the scavenges'
// copies, the promoted objects. V8 (Node 20 links it into the node
// executable) commits each 256 KiB heap page with mprotect(RW) through the
// executable's PLT; heap() points that PLT slot at a wrapper that populates
// each such page as it is committed, and populates the heap pages already
// committed. Nothing else changes: the pages are the zero pages V8 would have
// faulted in. Where the slot is not found (a node linked against libnode.so,
// another loader), heap() only populates what is there.
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <node_api.h>
#include "napi-util.h"
#include "parts.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

// V8's regular heap page (kRegularPageSize): what it commits one mprotect at a time.
#define V8_HEAP_PAGE (256u << 10)

// The relocations that fill a PLT or GOT slot with a function's address, on the architectures
// this knows; elsewhere no slot is ever matched, and heap() only populates the committed pages.
#if defined(__x86_64__)
#define SLOT_RELOCATION(type) ((type) == R_X86_64_JUMP_SLOT || (type) == R_X86_64_GLOB_DAT)
#elif defined(__aarch64__)
#define SLOT_RELOCATION(type) ((type) == R_AARCH64_JUMP_SLOT || (type) == R_AARCH64_GLOB_DAT)
#else
#define SLOT_RELOCATION(type) ((void)(type), false)
#endif

static int (*system_mprotect)(void *, size_t, int);

static bool is_heap_page_commit(size_t length, int prot) {
  return length == V8_HEAP_PAGE && prot == (PROT_READ | PROT_WRITE);
}

// mprotect as V8 calls it, with each committed heap page populated. Keeps the
// caller's errno: madvise fails harmlessly on kernels before 5.14 (EINVAL).
static int mprotect_populating(void *address, size_t length, int prot) {
  int result = system_mprotect(address, length, prot);
  if (result == 0 && is_heap_page_commit(length, prot)) {
    int saved = errno;
    madvise(address, length, MADV_POPULATE_WRITE);
    errno = saved;
  }
  return result;
}

// A dynamic-section address: glibc rewrites them to absolute ones when it
// loads an object, other loaders may leave them relative to the load base.
static uintptr_t dynamic_address(const struct dl_phdr_info *info, ElfW(Addr) value) {
  return value < info->dlpi_addr ? info->dlpi_addr + value : value;
}

// Points the relocated slot of `mprotect` among `count` relocations at the
// wrapper; true once done. The slot may sit in a page of the RELRO segment
// (read-only after loading): that page is made writable for the store and
// read-only again.
static bool patch_relocations(const struct dl_phdr_info *info, const ElfW(Rela) *relocations, size_t count,
                              const ElfW(Sym) *symbols, const char *names, uintptr_t relro_start, uintptr_t relro_end) {
  long page = sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < count; i++) {
    if (!SLOT_RELOCATION(ELF64_R_TYPE(relocations[i].r_info))) continue;
    if (strcmp(names + symbols[ELF64_R_SYM(relocations[i].r_info)].st_name, "mprotect") != 0) continue;
    void **slot = (void **)(info->dlpi_addr + relocations[i].r_offset);
    if (*slot == (void *)mprotect_populating) return true;
    bool read_only = (uintptr_t)slot >= relro_start && (uintptr_t)slot < relro_end;
    void *slot_page = (void *)((uintptr_t)slot & ~(uintptr_t)(page - 1));
    if (read_only && mprotect(slot_page, (size_t)page, PROT_READ | PROT_WRITE) != 0) return false;
    system_mprotect = *slot;
    __atomic_store_n(slot, (void *)mprotect_populating, __ATOMIC_SEQ_CST);
    if (read_only) mprotect(slot_page, (size_t)page, PROT_READ);
    return true;
  }
  return false;
}

// dl_iterate_phdr's callback for the main executable (the first object, with
// an empty name): patches its mprotect slot; *(bool *)done says whether it did.
static int patch_executable(struct dl_phdr_info *info, size_t size, void *done) {
  (void)size;
  if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0') return 1;
  const ElfW(Dyn) *dynamic = NULL;
  uintptr_t relro_start = 0, relro_end = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *header = &info->dlpi_phdr[i];
    if (header->p_type == PT_DYNAMIC) dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + header->p_vaddr);
    if (header->p_type == PT_GNU_RELRO) {
      // The pages the loader made read-only: both ends rounded down, as glibc's _dl_protect_relro does.
      uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
      relro_start = (info->dlpi_addr + header->p_vaddr) & ~(page - 1);
      relro_end = (info->dlpi_addr + header->p_vaddr + header->p_memsz) & ~(page - 1);
    }
  }
  if (dynamic == NULL) return 1;
  const ElfW(Rela) *plt = NULL, *rela = NULL;
  size_t plt_size = 0, rela_size = 0;
  const ElfW(Sym) *symbols = NULL;
  const char *names = NULL;
  for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
    switch (entry->d_tag) {
      case DT_JMPREL: plt = (const ElfW(Rela) *)dynamic_address(info, entry->d_un.d_ptr); break;
      case DT_PLTRELSZ: plt_size = entry->d_un.d_val; break;
      case DT_RELA: rela = (const ElfW(Rela) *)dynamic_address(info, entry->d_un.d_ptr); break;
      case DT_RELASZ: rela_size = entry->d_un.d_val; break;
      case DT_SYMTAB: symbols = (const ElfW(Sym) *)dynamic_address(info, entry->d_un.d_ptr); break;
      case DT_STRTAB: names = (const char *)dynamic_address(info, entry->d_un.d_ptr); break;
    }
  }
  if (symbols == NULL || names == NULL) return 1;
  // Through the PLT, or (an executable built with -fno-plt) a GOT entry among the other relocations.
  *(bool *)done = (plt && patch_relocations(info, plt, plt_size / sizeof *plt, symbols, names, relro_start, relro_end)) ||
                  (rela && patch_relocations(info, rela, rela_size / sizeof *rela, symbols, names, relro_start, relro_end));
  return 1;
}

// Populates the heap pages V8 has committed so far: private anonymous
// read-write mappings of exactly one heap page.
static void populate_committed_heap_pages(void) {
  FILE *maps = fopen("/proc/self/maps", "re");
  if (maps == NULL) return;
  char line[512];
  while (fgets(line, sizeof line, maps) != NULL) {
    unsigned long start, end, inode;
    char perms[5];
    int name_at = 0;
    if (sscanf(line, "%lx-%lx %4s %*x %*s %lu %n", &start, &end, perms, &inode, &name_at) != 4) continue;
    bool unnamed = line[name_at] == '\0' || line[name_at] == '\n';
    if (inode == 0 && unnamed && is_heap_page_commit(end - start, PROT_READ | PROT_WRITE) && strcmp(perms, "rw-p") == 0) {
      madvise((void *)start, end - start, MADV_POPULATE_WRITE);
    }
  }
  fclose(maps);
}

/*
 * heap(): from now on every heap page V8 commits is populated at once, and
 * those it has committed are; returns whether the commits are watched (false
 * where node's mprotect slot was not found: then only the pages already there
 * were populated). For short-lived CLI processes: the heap's unused tails are
 * then resident too.
 */
static napi_value js_heap(napi_env env, napi_callback_info info) {
  (void)info;
  static bool watched = false;
  if (!watched) dl_iterate_phdr(patch_executable, &watched);
  populate_committed_heap_pages();
  napi_value result;
  napi_get_boolean(env, watched, &result);
  return result;
}

napi_value berth_init_prefault(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    ADDON_METHOD("heap", js_heap),
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}
