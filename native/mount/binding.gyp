{
  "targets": [
    {
      "target_name": "mount",
      "sources": ["mount.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
