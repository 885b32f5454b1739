{
  "targets": [
    {
      "target_name": "mount",
      "sources": ["mount.c"],
      "include_dirs": ["../common"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
