#!/usr/bin/env python3
"""mapsplit.py MAP [SIZE]: what a binary is made of, from its GNU ld link map
(-Wl,-Map=MAP): the bytes of allocated input sections by origin
(BearSSL, the C library and compiler runtime, pgstunnel's own objects,
the rest), in the file (code, read-only data, data, unwind tables) and in
.bss (reserved, not in the file). With SIZE, the stripped file's size,
"rest" is what no object brought: headers, alignment padding between
segments, sections the linker makes. Prints one line:
  BearSSL N, libc N, pgstunnel N, other N[, rest N]; .bss N
"""
import re
import sys

ORIGINS = ("BearSSL", "libc", "pgstunnel", "other")
# An input section: " .name  0xADDR  0xSIZE  FILE", the name alone on its
# line when it is long.
ENTRY = re.compile(
    r"^ (\.[^\s]+|COMMON)\s*\n?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$",
    re.M)
IN_FILE = (".text", ".rodata", ".data", ".eh_frame", ".gcc_except_table",
           ".init_array", ".fini_array", ".init", ".fini", ".got", ".tdata",
           ".ctors", ".dtors", ".sdata")
IN_BSS = (".bss", ".tbss", ".sbss", "COMMON")


def origin(path):
    if "libbearssl" in path:
        return "BearSSL"
    if path.startswith("build/"):
        return "pgstunnel"
    if re.search(r"(libc\.a|musl|crt[^/]*\.o|libgcc|ld-linux)", path):
        return "libc"
    return "other"


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    # Only what was placed: the map after "Linker script and memory map".
    text = text[text.find("Linker script and memory map"):]
    # Discarded sections are listed before that; /DISCARD/ after it.
    text = text[:text.find("/DISCARD/")] if "/DISCARD/" in text else text
    file_bytes = dict.fromkeys(ORIGINS, 0)
    bss_bytes = dict.fromkeys(ORIGINS, 0)
    for name, size, path in ENTRY.findall(text):
        size = int(size, 16)
        if size == 0 or path.startswith("load address"):
            continue
        where = origin(path.strip())
        if name.startswith(IN_BSS):
            bss_bytes[where] += size
        elif name.startswith(IN_FILE):
            file_bytes[where] += size
    line = ", ".join(f"{o} {file_bytes[o]}" for o in ORIGINS)
    if len(sys.argv) > 2:
        line += f", rest {int(sys.argv[2]) - sum(file_bytes.values())}"
    print(f"{line}; .bss {sum(bss_bytes.values())}")


if __name__ == "__main__":
    main()
