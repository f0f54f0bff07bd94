#!/usr/bin/python3
"""libvirt's own floor for bench/peers: the same define + start calls, 10 at a time, from one
process whose connections are open before the clock starts (no process start, no plan, nothing
read back). No client of libvirtd converges these guests faster on this machine; prints ms.
Usage: bench/floor.py URI PARALLEL XML..."""
import queue
import sys
import threading
import time

import libvirt

uri, parallel, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
conns = [libvirt.open(uri) for _ in range(parallel)]  # one each: libvirtd runs 5 calls of one at once
todo = queue.Queue()
for f in files:
    with open(f) as x:
        todo.put(x.read())
failed = []


def work(conn):
    while True:
        try:
            xml = todo.get_nowait()
        except queue.Empty:
            return
        try:
            conn.defineXML(xml).create()
        except libvirt.libvirtError as e:
            failed.append(str(e))


start = time.monotonic()
threads = [threading.Thread(target=work, args=(c,)) for c in conns]
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - start
if failed:
    sys.exit("floor.py: " + failed[0])
print(int(took * 1000))
