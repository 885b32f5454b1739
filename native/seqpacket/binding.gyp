{
  "targets": [
    {
      "target_name": "seqpacket",
      "sources": ["seqpacket.c"],
      "include_dirs": ["../common"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
