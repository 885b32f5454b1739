{
  "targets": [
    {
      "target_name": "berth",
      "sources": [
        "addon.c",
        "digest/digest.c",
        "mount/mount.c",
        "ofdlock/ofdlock.c",
        "prefault/prefault.c",
        "seqpacket/seqpacket.c",
        "spawn/spawn.c",
        "textfile/textfile.c",
        "tree/tree.c",
        "xattr/xattr.c"
      ],
      "include_dirs": ["common"],
      "cflags": ["-Wall", "-Wextra", "-O3"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
