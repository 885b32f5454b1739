{
  "targets": [
    {
      "target_name": "spawn",
      "sources": ["spawn.c"],
      "include_dirs": ["../common"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
