{
  "targets": [
    {
      "target_name": "ofdlock",
      "sources": ["ofdlock.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
