#!/usr/bin/env python3
"""Writes a mixed application log of about SIZE bytes: ordinary lines of
several real layouts (IIS-like, .NET, nginx, Java, Go), with numbers that look
like Winsock codes but are not (ports 10050, durations 10054 ms, sizes,
PIDs), and about 0.5% lines carrying real Winsock errors in their many forms.

usage: genlog.py OUT SIZE_MIB [SEED]
"""
import random
import sys

WINSOCK = [
    "System.Net.Sockets.SocketException (10054): An existing connection was forcibly closed by the remote host.",
    "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed by the remote host",
    "read tcp 10.0.0.5:51234->10.0.0.9:443: wsarecv: An existing connection was forcibly closed by the remote host.",
    "dial tcp 10.0.0.7:5432: connectex: No connection could be made because the target machine actively refused it.",
    "[error] 4321#1234: *77 WSARecv() failed (10054: An existing connection was forcibly closed by the remote host) while reading response header from upstream, client: 10.1.1.1",
    "java.net.SocketException: Connection reset by peer: socket write error",
    "curl: (56) Recv failure: Connection was reset, errno 10054",
    "Socket Error # 10060 Connection timed out.",
    "psql: error: connection to server at \"db\" (10.0.0.8), port 5432 failed: Connection refused (0x0000274D/10061)",
    "Error: 0x80072746 while sending telemetry",
    "WSAETIMEDOUT on send to 10.2.3.4:8443",
    "A network-related or instance-specific error occurred while establishing a connection to SQL Server. (provider: TCP Provider, error: 0 - No such host is known.)",
]

NORMAL = [
    "{ts} INFO  [{tid}] Api.Controllers.OrderController - GET /api/orders/{n} responded 200 in {ms} ms",
    "{ts} DEBUG [{tid}] Cache hit for key user:{n} size={n2} bytes",
    "{ip} - - [{clf}] \"GET /static/app.{n}.js HTTP/1.1\" 200 {n2} \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
    "{ts} WARN  [{tid}] Retrying request to inventory service, attempt {a} of 5 after {ms} ms",
    "{ts} INFO  zabbix_agentd [{n}]: listening on port 10050, {n2} items active",
    "{date} {time} W3SVC1 {ip} POST /upload - 443 - {ip2} curl/8.4 - 200 0 0 {ms}",
    "{ts} INFO  [{tid}] request took 10054 ms for batch {n} (Content-Length: 10061)",
    "time=\"{ts}\" level=info msg=\"flushed {n} records to segment {n2}\" component=writer",
    "{ts} ERROR [{tid}] Validation failed for order {n}: quantity must be positive",
    "{ts} INFO  [{tid}] Worker process {n} started with PID 10916 on core {a}",
]


def main():
    out, size = sys.argv[1], int(sys.argv[2]) << 20
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    # A pool of distinct lines, written in shuffled blocks: fast to generate,
    # varied enough that no tool sees a trivially repeating input.
    pool = []
    for i in range(20000):
        if rnd.random() < 0.005:
            line = "2026-11-24 20:%02d:%02d.%03d ERROR [%d] %s" % (
                rnd.randrange(60), rnd.randrange(60), rnd.randrange(1000),
                rnd.randrange(1, 64), rnd.choice(WINSOCK))
        else:
            line = rnd.choice(NORMAL).format(
                ts="2026-11-24T20:%02d:%02d.%03dZ" % (rnd.randrange(60), rnd.randrange(60), rnd.randrange(1000)),
                tid=rnd.randrange(1, 64), n=rnd.randrange(1, 10**7), n2=rnd.randrange(1, 10**6),
                ms=rnd.randrange(1, 20000), a=rnd.randrange(1, 6),
                ip="10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)),
                ip2="192.168.%d.%d" % (rnd.randrange(256), rnd.randrange(256)),
                clf="24/Nov/2026:20:%02d:%02d +0000" % (rnd.randrange(60), rnd.randrange(60)),
                date="2026-11-24", time="20:%02d:%02d" % (rnd.randrange(60), rnd.randrange(60)))
        pool.append(line + "\n")
    block = "".join(pool).encode()
    winsock_per_block = sum(1 for l in pool if " ERROR [" in l and any(w in l for w in WINSOCK))
    written = blocks = 0
    with open(out, "wb") as f:
        while written < size:
            f.write(block)
            written += len(block)
            blocks += 1
    lines = len(pool) * blocks
    print("%s: %d bytes, %d lines, %d Winsock lines (%.2f%%)" % (
        out, written, lines, winsock_per_block * blocks, 100.0 * winsock_per_block / len(pool)))


if __name__ == "__main__":
    main()
