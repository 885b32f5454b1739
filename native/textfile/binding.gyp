{
  "targets": [
    {
      "target_name": "textfile",
      "sources": ["textfile.c"],
      "include_dirs": ["../common"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["_GNU_SOURCE"]
    }
  ]
}
