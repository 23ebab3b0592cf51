#!/usr/bin/env python3
"""zeropages.py PID: kB of the process's private dirty memory that holds
nothing but zeros: present pages of its writable private mappings whose
4096 bytes are all zero. On a kernel with the shared zero page, a read of
a page never written maps that page and costs no memory; a kernel without
it (some virtual machines' kernels: pvm_no_zero_page=1) gives the read a
page of its own, which smaps counts as private dirty. Such pages are what
this prints (and the few written with zeros only). Reads only pages
present (from /proc/PID/pagemap): reading an absent one would fault it
in. Needs root.
"""
import re
import struct
import sys

PAGE = 4096


def main():
    pid = sys.argv[1]
    zero = bytes(PAGE)
    kb = 0
    with open(f"/proc/{pid}/maps") as maps, \
            open(f"/proc/{pid}/pagemap", "rb") as pagemap, \
            open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            lo, hi, perms = int(m.group(1), 16), int(m.group(2), 16), \
                m.group(3)
            if perms[1] != "w" or perms[3] != "p":
                continue
            pagemap.seek(lo // PAGE * 8)
            entries = pagemap.read((hi - lo) // PAGE * 8)
            for i in range((hi - lo) // PAGE):
                (entry,) = struct.unpack_from("<Q", entries, i * 8)
                if not entry >> 63:  # not present
                    continue
                mem.seek(lo + i * PAGE)
                try:
                    if mem.read(PAGE) == zero:
                        kb += PAGE // 1024
                except OSError:
                    pass
    print(kb)


if __name__ == "__main__":
    main()
