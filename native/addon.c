// The project's native addon, one library for all its parts: each part's
// functions on an object of its own (`ofdlock`, `mount`, ...). Every command
// uses three to five parts, and each library a process opens cost it a
// dlopen of ~0.2-0.4 ms here (reading the ELF file, mapping it, resolving
// its N-API imports against node's symbol table).

#include <node_api.h>
#include "parts.h"

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_value (*init)(napi_env env, napi_value exports);
  } parts[] = {
    {"digest", berth_init_digest}, {"mount", berth_init_mount}, {"ofdlock", berth_init_ofdlock},
    {"prefault", berth_init_prefault}, {"seqpacket", berth_init_seqpacket}, {"spawn", berth_init_spawn}, {"textfile", berth_init_textfile},
    {"tree", berth_init_tree}, {"xattr", berth_init_xattr},
  };
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    napi_value part;
    if (napi_create_object(env, &part) != napi_ok || parts[i].init(env, part) == NULL) return NULL;
    if (napi_set_named_property(env, exports, parts[i].name, part) != napi_ok) return NULL;
  }
  return exports;
}
