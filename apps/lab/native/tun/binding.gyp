{
  "targets": [
    {
      "target_name": "layersec_tun",
      "sources": ["tun.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
