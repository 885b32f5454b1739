{
  "targets": [
    {
      "target_name": "digest",
      "sources": ["digest.c"],
      "include_dirs": ["../common"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
