{
  "targets": [
    {
      "target_name": "linuxfs",
      "sources": ["linuxfs.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
