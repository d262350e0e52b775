#!/usr/bin/env python3
"""The scrape floor: how long the bench kit's client (20 sequential urllib GETs, as in
ingest.py) takes to fetch a body of a given size from a server that does nothing but send
it (a prebuilt response with Content-Length, one sendall per request).
usage: scrape-floor.py BYTES [--port P]"""
import argparse, socket, threading, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("bytes", type=int)
ap.add_argument("--port", type=int, default=45997)
a = ap.parse_args()
line = b'temperature{device="127.0.0.1",friendly_name="Sensor00042 Room",sensor_id="28-00000000002a",sensor_name="Sensor00042Room"} 21.5\n'
body = (line * (a.bytes // len(line) + 1))[: a.bytes]
resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\n\r\n" % len(body) + body
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", a.port))
srv.listen(8)

def serve():
    while True:
        c, _ = srv.accept()
        c.recv(65536)
        c.sendall(resp)
        c.close()

threading.Thread(target=serve, daemon=True).start()
url = f"http://127.0.0.1:{a.port}/metrics"
ts = []
for _ in range(20):
    t = time.perf_counter(); got = urllib.request.urlopen(url).read(); ts.append(time.perf_counter() - t)
ts.sort()
print(f"scrape floor: median {ts[len(ts)//2]*1e3:.2f} ms max {ts[-1]*1e3:.2f} ms body {len(got)} bytes")
