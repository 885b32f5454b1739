{
  "targets": [
    {
      "target_name": "xattr",
      "sources": ["xattr.c"],
      "cflags": ["-Wall", "-Wextra", "-O3"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
