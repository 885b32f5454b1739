{
  "targets": [
    {
      "target_name": "xattr",
      "sources": ["xattr.c"],
      "include_dirs": ["../common"],
      "cflags": ["-Wall", "-Wextra", "-O3"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
