// The parts of the project's native addon (native/addon.c): each fills the
// object it is given with its functions and returns it.
#ifndef BERTH_PARTS_H
#define BERTH_PARTS_H

#include <node_api.h>

napi_value berth_init_digest(napi_env env, napi_value exports);
napi_value berth_init_mount(napi_env env, napi_value exports);
napi_value berth_init_ofdlock(napi_env env, napi_value exports);
napi_value berth_init_prefault(napi_env env, napi_value exports);
napi_value berth_init_seqpacket(napi_env env, napi_value exports);
napi_value berth_init_spawn(napi_env env, napi_value exports);
napi_value berth_init_textfile(napi_env env, napi_value exports);
napi_value berth_init_tree(napi_env env, napi_value exports);
napi_value berth_init_xattr(napi_env env, napi_value exports);

#endif
